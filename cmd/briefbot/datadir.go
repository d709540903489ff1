package main

import (
	"errors"
	"fmt"

	"briefbot/briefing/store"
)

// lockDataDir takes the data directory's serve lock, so that one serve runs
// on a data directory: a second one would answer from an index that does
// not learn of the first one's writes, and post the same digests. CLI
// commands (index, ask, digest) may run beside serve: writers take turns on
// the store's write lock and serve follows what they commit.
func lockDataDir(dir string) (unlock func(), err error) {
	l, err := store.TryLock(dir, store.ServeLock)
	if le := (*store.LockedError)(nil); errors.As(err, &le) {
		holder := "another process"
		if le.PID > 0 {
			holder = fmt.Sprintf("process %d", le.PID)
		}
		return nil, fmt.Errorf("serve: the data directory %s is in use by another briefbot serve (%s holds %s); stop it, or give this one its own BRIEFBOT_DATA_DIR", dir, holder, le.Path)
	}
	if err != nil {
		return nil, fmt.Errorf("serve: %w", err)
	}
	return func() { l.Unlock() }, nil
}
