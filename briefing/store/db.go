package store

import (
	"context"
	"database/sql"
	"time"

	"briefbot/briefing"
	"briefbot/briefing/feeds"
)

// DB is the store's database, for packages that keep their own tables in
// it (briefing/schedule). It is open until Close; writes through it take
// the database lock at BEGIN (immediate transactions), like the store's.
func (s *Store) DB() *sql.DB { return s.db }

// ErrNotFound is returned for a row that does not exist. It is
// feeds.ErrNotFound.
var ErrNotFound = feeds.ErrNotFound

// Nanos is how a time is kept in a column (briefing.Nanos).
func Nanos(t time.Time) int64 { return briefing.Nanos(t) }

// FromNanos is the inverse of Nanos (briefing.FromNanos).
func FromNanos(n int64) time.Time { return briefing.FromNanos(n) }

// tx runs fn in one write transaction, committed when fn returns nil.
func (s *Store) tx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}
