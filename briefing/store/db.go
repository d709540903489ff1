package store

import "database/sql"

// DB is the store's database, for packages that keep their own tables in
// it (briefing/schedule). It is open until Close; writes through it take
// the database lock at BEGIN (immediate transactions), like the store's.
func (s *Store) DB() *sql.DB { return s.db }
