package store

import (
	"context"
	"database/sql"
	"fmt"
	"sync/atomic"
	"time"
)

// seenSchema is the table of deliveries already taken: a key (a chat
// platform's event, command or interaction id) and when it may be
// forgotten.
const seenSchema = `
CREATE TABLE IF NOT EXISTS seen (
	key TEXT PRIMARY KEY,
	expires INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS seen_expires ON seen(expires);
`

// Seen remembers keys for a while in the store, across restarts: it lets
// a chat adapter answer a delivery that the platform repeats (a retry, a
// replay after a restart, a forged replay within the signature's age)
// only once. It implements bot.Seen.
type Seen struct {
	db    *sql.DB
	now   func() time.Time
	calls atomic.Int64
}

// pruneEvery is how many FirstSeen calls pass between deletions of
// expired keys.
const pruneEvery = 256

// OpenSeen creates the table when needed and returns s's Seen. now is its
// clock (time.Now in production).
func OpenSeen(ctx context.Context, s *Store, now func() time.Time) (*Seen, error) {
	if now == nil {
		return nil, fmt.Errorf("store: seen: no clock")
	}
	if _, err := s.db.ExecContext(ctx, seenSchema); err != nil {
		return nil, fmt.Errorf("store: seen: %w", err)
	}
	return &Seen{db: s.db, now: now}, nil
}

// FirstSeen records key until ttl from now and reports whether it was not
// recorded already (or only under an expiry that has passed). Concurrent
// calls with one key: exactly one sees true.
func (s *Seen) FirstSeen(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	now := s.now()
	res, err := s.db.ExecContext(ctx, `INSERT INTO seen(key, expires) VALUES(?1, ?2)
		ON CONFLICT(key) DO UPDATE SET expires = excluded.expires WHERE seen.expires <= ?3`,
		key, now.Add(ttl).UnixNano(), now.UnixNano())
	if err != nil {
		return true, fmt.Errorf("store: seen %q: %w", key, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return true, fmt.Errorf("store: seen %q: %w", key, err)
	}
	if s.calls.Add(1)%pruneEvery == 0 {
		if _, err := s.db.ExecContext(ctx, `DELETE FROM seen WHERE expires <= ?`, now.UnixNano()); err != nil {
			return n == 1, fmt.Errorf("store: seen: prune: %w", err)
		}
	}
	return n == 1, nil
}
