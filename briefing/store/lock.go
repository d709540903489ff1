package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// ErrLocked is returned (as a *LockedError) by TryLock when another
// process holds the lock.
var ErrLocked = errors.New("locked by another process")

// LockedError is TryLock's error when the lock is held. It matches
// ErrLocked with errors.Is.
type LockedError struct {
	Path string // the lock file
	PID  int    // the holder's process id; 0 when unknown
}

func (e *LockedError) Error() string {
	if e.PID > 0 {
		return fmt.Sprintf("store: %s is held by process %d", e.Path, e.PID)
	}
	return fmt.Sprintf("store: %s is held by another process", e.Path)
}

// Is reports whether target is ErrLocked.
func (e *LockedError) Is(target error) bool { return target == ErrLocked }

// ServeLock is the lock file that a running `briefbot serve` holds in its
// data directory, so that a second serve on the same directory refuses to
// start.
const ServeLock = "serve.lock"

// writeLock is the lock file held while the corpus tables are written (a
// refresh, `briefbot index`), so that writers on one data directory take
// turns whatever process they run in.
const writeLock = "write.lock"

// Lock is an exclusive advisory lock (flock) on a file in a data directory,
// held until Unlock or the end of the process. The file holds the holder's
// process id, for the message of whoever is refused.
type Lock struct {
	f *os.File
}

// TryLock takes the lock file name in dir without waiting, creating dir and
// the file when needed. When another process (or another Lock of this
// process) holds it, the error is a *LockedError naming the holder's pid.
func TryLock(dir, name string) (*Lock, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("store: create data dir: %w", err)
	}
	path := filepath.Join(dir, name)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("store: lock %s: %w", path, err)
	}
	if err := tryFlock(f); err != nil {
		f.Close()
		if errors.Is(err, ErrLocked) {
			le := &LockedError{Path: path}
			if b, rerr := os.ReadFile(path); rerr == nil {
				le.PID, _ = strconv.Atoi(strings.TrimSpace(string(b)))
			}
			return nil, le
		}
		return nil, fmt.Errorf("store: lock %s: %w", path, err)
	}
	if err := f.Truncate(0); err == nil {
		f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return &Lock{f: f}, nil
}

// Unlock releases the lock. The file stays, empty of meaning.
func (l *Lock) Unlock() error {
	if l == nil || l.f == nil {
		return nil
	}
	unflock(l.f)
	err := l.f.Close()
	l.f = nil
	return err
}

// LockWrites waits until no other process writes the corpus tables of this
// data directory, then holds the write lock until unlock is called. It gives
// up when ctx is done. Writers in one process take turns by their own means.
func (s *Store) LockWrites(ctx context.Context) (unlock func(), err error) {
	const poll = 50 * time.Millisecond
	var t *time.Timer
	for {
		l, err := TryLock(s.dir, writeLock)
		if err == nil {
			return func() { l.Unlock() }, nil
		}
		if !errors.Is(err, ErrLocked) {
			return nil, err
		}
		if t == nil {
			t = time.NewTimer(poll)
			defer t.Stop()
		} else {
			t.Reset(poll)
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("store: wait for the write lock: %w", ctx.Err())
		case <-t.C:
		}
	}
}
