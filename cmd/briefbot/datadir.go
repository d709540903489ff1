package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

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

// cleanMark is the file serve leaves in the data directory when it stopped
// cleanly with its store closed. The database's integrity check reads all
// of it (some 40 s at a million articles), so serve runs it at start only
// when the mark is missing: the first start, or after a crash, a kill or a
// failed close.
const cleanMark = "serve-stopped-cleanly"

// takeCleanMark reports whether the last serve on dir stopped cleanly, and
// removes the mark, so that this run must stop cleanly to leave it again.
func takeCleanMark(dir string) (bool, error) {
	err := os.Remove(filepath.Join(dir, cleanMark))
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, fs.ErrNotExist):
		return false, nil
	default:
		return false, fmt.Errorf("serve: %w", err)
	}
}

// leaveCleanMark records that serve stopped cleanly (see cleanMark).
func leaveCleanMark(dir string) error {
	f, err := os.OpenFile(filepath.Join(dir, cleanMark), os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(time.Now().UTC().Format(time.RFC3339) + "\n"); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
