package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"briefbot/briefing"

	"modernc.org/sqlite"
)

// ErrLost is returned (wrapped) by Check once the database file has been
// removed, replaced by another file or truncated under the open store: what
// the store reads and writes from then on is not the data it opened.
// It is briefing.ErrStoreLost.
var ErrLost = briefing.ErrStoreLost

// ErrCorrupt is returned (wrapped) by QuickCheck when SQLite finds the
// database damaged.
var ErrCorrupt = errors.New("the database is damaged")

const safetySchema = `
CREATE TABLE IF NOT EXISTS tombstones (
	hash TEXT PRIMARY KEY,
	first_seen INTEGER NOT NULL,
	deleted INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS tombstones_deleted ON tombstones(deleted);
`

// genKey is the meta key of the corpus generation.
const genKey = "corpus_generation"

// Options tune OpenWith. The zero value is what Open uses.
type Options struct {
	// MaxBytes caps the database file's size (SQLite's max_page_count): a
	// write past it fails as a full disk does (IsFull). 0: no cap.
	MaxBytes int64
}

// IsFull reports whether err is SQLite's "database or disk is full".
func IsFull(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && se.Code()&0xff == 13 // SQLITE_FULL
}

// IsFull reports whether err is SQLite's "database or disk is full" (the
// function IsFull, for briefing.Store).
func (s *Store) IsFull(err error) bool { return IsFull(err) }

// Generation returns the corpus generation: a counter that every committed
// transaction that put or deleted an article increments, whatever process
// it ran in. An index that was built at generation g is up to date while
// Generation returns g. 0 for a store never written.
func (s *Store) Generation(ctx context.Context) (uint64, error) {
	rows, err := s.query(ctx, `SELECT value FROM meta WHERE key = '`+genKey+`'`)
	if err != nil {
		return 0, fmt.Errorf("store: generation: %w", err)
	}
	defer rows.Close()
	var v string
	if rows.Next() {
		if err := rows.Scan(&v); err != nil {
			return 0, fmt.Errorf("store: generation: %w", err)
		}
	}
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("store: generation: %w", err)
	}
	if v == "" {
		return 0, nil
	}
	return strconv.ParseUint(v, 10, 64)
}

// Generation is the corpus generation this transaction committed: 0 until
// Update returns, and 0 when it changed no article.
func (t *Tx) Generation() uint64 { return t.gen }

// bump increments the corpus generation within the transaction.
func (t *Tx) bump(ctx context.Context) error {
	var v string
	err := t.tx.QueryRowContext(ctx, `INSERT INTO meta(key, value) VALUES('`+genKey+`', '1')
		ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1 RETURNING value`).Scan(&v)
	if err != nil {
		return fmt.Errorf("store: bump generation: %w", err)
	}
	t.gen, err = strconv.ParseUint(v, 10, 64)
	return err
}

// Tombstone remembers, within the transaction, that the article whose
// content hashes to hash was deleted at deleted after being first seen at
// firstSeen. An earlier first-seen time already remembered for the hash is
// kept.
func (t *Tx) Tombstone(ctx context.Context, hash string, firstSeen, deleted time.Time) error {
	_, err := t.exec(ctx, `INSERT INTO tombstones(hash, first_seen, deleted) VALUES(?, ?, ?)
		ON CONFLICT(hash) DO UPDATE SET first_seen = min(first_seen, excluded.first_seen), deleted = excluded.deleted`,
		hash, firstSeen.UnixNano(), deleted.UnixNano())
	if err != nil {
		return fmt.Errorf("store: tombstone: %w", err)
	}
	return nil
}

// PruneTombstones forgets the articles deleted before before.
func (t *Tx) PruneTombstones(ctx context.Context, before time.Time) error {
	if _, err := t.tx.ExecContext(ctx, `DELETE FROM tombstones WHERE deleted < ?`, before.UnixNano()); err != nil {
		return fmt.Errorf("store: prune tombstones: %w", err)
	}
	return nil
}

// Tombstones returns the first-seen time of every article deleted at or
// after since, keyed by content hash.
func (s *Store) Tombstones(ctx context.Context, since time.Time) (map[string]time.Time, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT hash, first_seen FROM tombstones WHERE deleted >= ?`, since.UnixNano())
	if err != nil {
		return nil, fmt.Errorf("store: tombstones: %w", err)
	}
	defer rows.Close()
	out := map[string]time.Time{}
	for rows.Next() {
		var h string
		var seen int64
		if err := rows.Scan(&h, &seen); err != nil {
			return nil, fmt.Errorf("store: tombstones: %w", err)
		}
		out[h] = time.Unix(0, seen).UTC()
	}
	return out, rows.Err()
}

// TombstonesOf is Tombstones for the given hashes only: a refresh that
// adds a few articles looks up theirs, not every tombstone.
func (s *Store) TombstonesOf(ctx context.Context, since time.Time, hashes []string) (map[string]time.Time, error) {
	out := map[string]time.Time{}
	for len(hashes) > 0 {
		n := min(len(hashes), matchChunk)
		args := make([]any, 0, n+1)
		args = append(args, since.UnixNano())
		for _, h := range hashes[:n] {
			args = append(args, h)
		}
		hashes = hashes[n:]
		rows, err := s.queryIn(ctx, `SELECT hash, first_seen FROM tombstones WHERE deleted >= ? AND hash IN (`+placeholders(n)+`)`, args)
		if err != nil {
			return nil, fmt.Errorf("store: tombstones: %w", err)
		}
		for rows.Next() {
			var h string
			var seen int64
			if err := rows.Scan(&h, &seen); err != nil {
				rows.Close()
				return nil, fmt.Errorf("store: tombstones: %w", err)
			}
			out[h] = time.Unix(0, seen).UTC()
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("store: tombstones: %w", err)
		}
	}
	return out, nil
}

// Check reports, with an error wrapping ErrLost, whether the database file
// has been removed, replaced by another file or truncated since Open. Once
// lost, the store stays lost: only a new Open (an operator's restart) sees
// the new file.
func (s *Store) Check() error {
	s.identMu.Lock()
	defer s.identMu.Unlock()
	if s.lost != nil {
		return s.lost
	}
	fi, err := os.Stat(s.path)
	switch {
	case err != nil && errors.Is(err, os.ErrNotExist):
		s.lost = fmt.Errorf("store: %s is gone: %w", s.path, ErrLost)
	case err != nil:
		return fmt.Errorf("store: check %s: %w", s.path, err)
	case !os.SameFile(fi, s.ident):
		s.lost = fmt.Errorf("store: %s was replaced by another file: %w", s.path, ErrLost)
	case fi.Size() < s.size:
		s.lost = fmt.Errorf("store: %s shrank from %d to %d bytes: %w", s.path, s.size, fi.Size(), ErrLost)
	default:
		s.size = fi.Size()
		return nil
	}
	return s.lost
}

// QuickCheck runs SQLite's quick_check over the whole database; a damaged
// database gives an error wrapping ErrCorrupt with SQLite's first findings.
func (s *Store) QuickCheck(ctx context.Context) error {
	rows, err := s.db.QueryContext(ctx, `PRAGMA quick_check(5)`)
	if err != nil {
		var se *sqlite.Error
		if errors.As(err, &se) && (se.Code()&0xff == 11 || se.Code()&0xff == 26) { // SQLITE_CORRUPT, SQLITE_NOTADB
			return fmt.Errorf("store: %s: %w: %v", s.path, ErrCorrupt, err)
		}
		return fmt.Errorf("store: check %s: %w", s.path, err)
	}
	defer rows.Close()
	var found []string
	for rows.Next() {
		var msg string
		if err := rows.Scan(&msg); err != nil {
			return fmt.Errorf("store: check %s: %w", s.path, err)
		}
		if msg != "ok" {
			found = append(found, msg)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: %s: %w: %v", s.path, ErrCorrupt, err)
	}
	if len(found) > 0 {
		return fmt.Errorf("store: %s: %w: %s", s.path, ErrCorrupt, strings.Join(found, "; "))
	}
	return nil
}

// Checkpoint copies the write-ahead log into the database and truncates it,
// giving its disk space back (after a failed write, the log can hold the
// space of a transaction that never committed).
func (s *Store) Checkpoint(ctx context.Context) error {
	if _, err := s.db.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		return fmt.Errorf("store: checkpoint: %w", err)
	}
	return nil
}
