package store

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// DB is the store's database, for packages that keep their own tables in
// it (briefing/schedule). It is open until Close; writes through it take
// the database lock at BEGIN (immediate transactions), like the store's.
func (s *Store) DB() *sql.DB { return s.db }

// ErrNotFound is returned for a row that does not exist.
var ErrNotFound = errors.New("store: not found")

// Nanos is how a time is kept in a column: Unix nanoseconds, 0 for the
// zero time. Tables of other packages in DB use it too (briefing/schedule).
func Nanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

// FromNanos is the inverse of Nanos, in UTC.
func FromNanos(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

// tx runs fn in one write transaction, committed when fn returns nil.
func (s *Store) tx(ctx context.Context, fn func(*sql.Tx) error) error { return WithTx(ctx, s.db, fn) }

// WithTx runs fn in one transaction on db (the store's DB: a write
// transaction), committed when fn returns nil and rolled back otherwise.
// Tables of other packages in DB use it too (briefing/schedule).
func WithTx(ctx context.Context, db *sql.DB, fn func(*sql.Tx) error) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}
