package store

import (
	"context"
	"database/sql"
	"encoding/binary"
	"fmt"
	"math"
	"time"

	"briefbot/briefing"
)

// Store implements briefing.EmbeddingStore.
var _ briefing.EmbeddingStore = (*Store)(nil)

// embedSchema caches embedding vectors by model and passage content hash
// (embeddings), and records each passage's content hash (passage_hashes; a
// passage's text never changes under its id). Both tables are new in
// databases that predate them and leave every other table as it was.
const embedSchema = `
CREATE TABLE IF NOT EXISTS embeddings (
	model TEXT NOT NULL,
	hash BLOB NOT NULL,
	vec BLOB NOT NULL,
	used INTEGER NOT NULL,
	PRIMARY KEY (model, hash)
);
CREATE TABLE IF NOT EXISTS passage_hashes (
	id INTEGER PRIMARY KEY,
	hash BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS passage_hashes_hash ON passage_hashes(hash);
`

// PassageRefs returns every passage's id and article ord, in id order.
func (s *Store) PassageRefs(ctx context.Context) ([]briefing.PassageRef, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, article FROM passages ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("store: passage refs: %w", err)
	}
	defer rows.Close()
	var out []briefing.PassageRef
	for rows.Next() {
		var r briefing.PassageRef
		if err := rows.Scan(&r.ID, &r.Article); err != nil {
			return nil, fmt.Errorf("store: passage refs: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: passage refs: %w", err)
	}
	return out, nil
}

// PassageVectors returns, of the passages ids, those whose content hash is
// recorded and has a cached vector of model, by passage id.
func (s *Store) PassageVectors(ctx context.Context, model string, ids []int64) (map[int64][]float32, error) {
	out := make(map[int64][]float32, len(ids))
	for len(ids) > 0 {
		n := min(len(ids), maxPrepared)
		args := append([]any{model}, int64Args(ids[:n])...)
		rows, err := s.queryIn(ctx, `SELECT h.id, e.vec FROM passage_hashes h CROSS JOIN embeddings e ON e.model = ? AND e.hash = h.hash WHERE h.id IN (`+placeholders(n)+`)`, args)
		if err != nil {
			return nil, fmt.Errorf("store: passage vectors: %w", err)
		}
		for rows.Next() {
			var id int64
			var b []byte
			if err := rows.Scan(&id, &b); err != nil {
				rows.Close()
				return nil, fmt.Errorf("store: passage vectors: %w", err)
			}
			out[id] = decodeVector(b)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("store: passage vectors: %w", err)
		}
		ids = ids[n:]
	}
	return out, nil
}

// EachPassageVector calls fn for every passage whose content hash is
// recorded and has a cached vector of model, stopping at fn's first error.
func (s *Store) EachPassageVector(ctx context.Context, model string, fn func(id int64, vec []float32) error) error {
	rows, err := s.db.QueryContext(ctx, `SELECT h.id, e.vec FROM passage_hashes h CROSS JOIN embeddings e ON e.model = ? AND e.hash = h.hash`, model)
	if err != nil {
		return fmt.Errorf("store: passage vectors: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var b []byte
		if err := rows.Scan(&id, &b); err != nil {
			return fmt.Errorf("store: passage vectors: %w", err)
		}
		if err := fn(id, decodeVector(b)); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: passage vectors: %w", err)
	}
	return nil
}

// VectorsByHash returns the cached vectors of model with the given content
// hashes, by hash.
func (s *Store) VectorsByHash(ctx context.Context, model string, hashes []briefing.ContentHash) (map[briefing.ContentHash][]float32, error) {
	out := make(map[briefing.ContentHash][]float32, len(hashes))
	for len(hashes) > 0 {
		n := min(len(hashes), maxPrepared)
		args := []any{model}
		for _, h := range hashes[:n] {
			args = append(args, h[:])
		}
		rows, err := s.queryIn(ctx, `SELECT hash, vec FROM embeddings WHERE model = ? AND hash IN (`+placeholders(n)+`)`, args)
		if err != nil {
			return nil, fmt.Errorf("store: vectors: %w", err)
		}
		for rows.Next() {
			var h, b []byte
			if err := rows.Scan(&h, &b); err != nil {
				rows.Close()
				return nil, fmt.Errorf("store: vectors: %w", err)
			}
			var key briefing.ContentHash
			if len(h) == len(key) {
				copy(key[:], h)
				out[key] = decodeVector(b)
			}
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("store: vectors: %w", err)
		}
		hashes = hashes[n:]
	}
	return out, nil
}

// PutPassageVectors records each passage's content hash and caches the
// vectors given (marking a cached vector whose hash is recorded again as
// used now), in one transaction.
func (s *Store) PutPassageVectors(ctx context.Context, model string, vs []briefing.PassageVector) error {
	now := time.Now().UnixNano()
	err := s.tx(ctx, func(tx *sql.Tx) error {
		link, err := tx.PrepareContext(ctx, `INSERT INTO passage_hashes(id, hash) VALUES(?, ?) ON CONFLICT(id) DO UPDATE SET hash = excluded.hash`)
		if err != nil {
			return err
		}
		defer link.Close()
		put, err := tx.PrepareContext(ctx, `INSERT INTO embeddings(model, hash, vec, used) VALUES(?, ?, ?, ?) ON CONFLICT(model, hash) DO UPDATE SET vec = excluded.vec, used = excluded.used`)
		if err != nil {
			return err
		}
		defer put.Close()
		touch, err := tx.PrepareContext(ctx, `UPDATE embeddings SET used = ? WHERE model = ? AND hash = ?`)
		if err != nil {
			return err
		}
		defer touch.Close()
		for _, v := range vs {
			if _, err := link.ExecContext(ctx, v.ID, v.Hash[:]); err != nil {
				return err
			}
			if v.Vector != nil {
				_, err = put.ExecContext(ctx, model, v.Hash[:], encodeVector(v.Vector), now)
			} else {
				_, err = touch.ExecContext(ctx, now, model, v.Hash[:])
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: put vectors: %w", err)
	}
	return nil
}

// PruneVectors forgets the content hashes of passages that are gone, and
// the vectors last used before before that no passage has now.
func (s *Store) PruneVectors(ctx context.Context, before time.Time) error {
	err := s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM passage_hashes WHERE id NOT IN (SELECT id FROM passages)`); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM embeddings WHERE used < ? AND hash NOT IN (SELECT hash FROM passage_hashes)`, before.UnixNano())
		return err
	})
	if err != nil {
		return fmt.Errorf("store: prune vectors: %w", err)
	}
	return nil
}

// encodeVector stores v as little-endian float32s.
func encodeVector(v []float32) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return b
}

func decodeVector(b []byte) []float32 {
	v := make([]float32, len(b)/4)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return v
}
