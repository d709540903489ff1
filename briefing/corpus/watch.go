package corpus

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/fsnotify/fsnotify"
)

// Batch is what a Watcher saw change since its last batch.
type Batch struct {
	// Paths are the article files (see IsArticle; hidden names skipped)
	// created, written, removed, renamed away or in, or whose permissions
	// changed: slash paths under the root, sorted, each once.
	Paths []string
	// Rescan, when not empty, says why Paths are not the whole story and
	// the caller should scan the folders: a folder appeared, vanished or
	// was renamed, events were lost (the kernel's queue overflowed, or too
	// much changed at once to keep each name), or a folder could not be
	// watched (the inotify watch limit). It names no path outside the root.
	// Paths are still the files seen changing: a scan of the folders does
	// not find a file edited in place.
	Rescan string
	// Lost: events were dropped (the kernel's queue overflowed, more than
	// MaxPaths names changed, the watcher failed), so Paths are not every
	// file that changed: one edited in place may be missing, which only a
	// full pass (stat every file) finds. Rescan says why.
	Lost bool
	// Settled: no event came for WatchOptions.Settle since the last batch
	// was handed over (and handled), and every folder under the root is
	// watched: every change made before then has been handed over. Paths
	// is empty. See briefing.Library.Settle.
	Settled bool
	// At is when the batch was cut: every change it does not report (and
	// no earlier batch did) came after.
	At time.Time
}

// WatchOptions tune a Watcher; the zero value is the default.
type WatchOptions struct {
	// Quiet is how long the corpus must see no event before a batch is
	// handed over (default 400ms): a copy writes a file many times.
	Quiet time.Duration
	// Max bounds how long a change waits under a steady stream of events
	// (default 3s).
	Max time.Duration
	// Settle is how long the corpus must see no event after a batch before
	// a Settled batch is handed over (default 3s; at least 2.5s: a folder's
	// time is trusted once 2s old).
	Settle time.Duration
	// MaxPaths bounds the names one batch collects (default 100000); past
	// it, names are dropped and the batch says so (Batch.Lost).
	MaxPaths int
}

// Watcher watches a corpus folder and every folder under it (but hidden
// ones) for changes to article files, and hands them over in batches (Run).
// New folders are watched as they appear and dropped as they go.
type Watcher struct {
	root string // the OS path of the corpus folder
	opt  WatchOptions
	fw   *fsnotify.Watcher
	dirs map[string]bool // the watched folders, slash paths under root ("." the root)
	lost string          // why a folder is not watched (reported by the first batch)
	// incomplete: a folder could not be watched once; no batch is Settled.
	incomplete bool
}

// NewWatcher starts watching the folder root (an OS path) and every folder
// under it. It fails when the platform offers no file events or the root
// cannot be watched; a subfolder that cannot be watched is reported by the
// first batch (Batch.Rescan).
func NewWatcher(root string, opt WatchOptions) (*Watcher, error) {
	if opt.Quiet <= 0 {
		opt.Quiet = 400 * time.Millisecond
	}
	if opt.Max <= 0 {
		opt.Max = 3 * time.Second
	}
	if opt.Max < opt.Quiet {
		opt.Max = opt.Quiet
	}
	if opt.Settle <= 0 {
		opt.Settle = 3 * time.Second
	}
	opt.Settle = max(opt.Settle, racyDir+racyDir/4)
	if opt.MaxPaths <= 0 {
		opt.MaxPaths = 100000
	}
	fw, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, fmt.Errorf("corpus: watch: %s", osReason(err))
	}
	w := &Watcher{root: filepath.Clean(root), opt: opt, fw: fw, dirs: map[string]bool{}}
	if err := fw.Add(w.root); err != nil {
		fw.Close()
		return nil, fmt.Errorf("corpus: watch the corpus folder: %s", osReason(err))
	}
	w.dirs["."] = true
	if reason := w.addTree("."); reason != "" {
		w.lost = reason
		w.incomplete = true
	}
	return w, nil
}

// Close stops watching. Run closes the Watcher when it returns.
func (w *Watcher) Close() error { return w.fw.Close() }

// osReason is err's system error text (ENOSPC: the watch limit), without
// the paths fsnotify and the os package put in their errors.
func osReason(err error) string {
	var errno syscall.Errno
	switch {
	case errors.Is(err, syscall.ENOSPC), errors.Is(err, syscall.EMFILE):
		return "the limit on watches or open files is reached (on Linux raise fs.inotify.max_user_watches or max_user_instances)"
	case errors.As(err, &errno):
		return errno.Error()
	case errors.Is(err, fs.ErrNotExist):
		return "no such folder"
	case errors.Is(err, fs.ErrPermission):
		return "permission denied"
	}
	return "file events are not available"
}

// addTree watches dir (a folder under the root, already watched) and
// every folder under it but hidden ones, and returns why one could not be
// watched, "" when all are. Entries are read in batches, never a whole
// folder of a million files at once.
func (w *Watcher) addTree(dir string) string {
	var reason string
	var walk func(dir string)
	walk = func(dir string) {
		var subs []string
		err := readDir(os.DirFS(w.root), dir, func(batch []fs.DirEntry) {
			for _, e := range batch {
				if e.IsDir() && !strings.HasPrefix(e.Name(), ".") {
					subs = append(subs, path.Join(dir, e.Name()))
				}
			}
		})
		if err != nil && reason == "" && !errors.Is(err, fs.ErrNotExist) {
			reason = fmt.Sprintf("folder %s could not be read: %s", dir, osReason(err))
		}
		for _, sub := range subs {
			if err := w.fw.Add(filepath.Join(w.root, filepath.FromSlash(sub))); err != nil {
				if !errors.Is(err, fs.ErrNotExist) {
					w.incomplete = true
					if reason == "" {
						reason = fmt.Sprintf("folder %s is not watched: %s", sub, osReason(err))
					}
				}
				continue
			}
			w.dirs[sub] = true
			walk(sub)
		}
	}
	walk(dir)
	return reason
}

// drop stops watching dir and the folders under it.
func (w *Watcher) drop(dir string) {
	for d := range w.dirs {
		if d == dir || strings.HasPrefix(d, dir+"/") {
			delete(w.dirs, d)
			w.fw.Remove(filepath.Join(w.root, filepath.FromSlash(d))) // gone already, most of the time
		}
	}
}

// rel is the slash path under the root of the OS path name, "" when it is
// outside the root or hidden (an element starts with '.').
func (w *Watcher) rel(name string) string {
	r, err := filepath.Rel(w.root, name)
	if err != nil || r == ".." || strings.HasPrefix(r, ".."+string(filepath.Separator)) {
		return ""
	}
	r = filepath.ToSlash(r)
	if r == "." {
		return r
	}
	if Hidden(r) {
		return ""
	}
	return r
}

// event adds what ev says to the pending batch: an article path, or a
// reason to rescan (and whether names were dropped).
func (w *Watcher) event(ev fsnotify.Event, pending map[string]bool, rescan *string, lost *bool) {
	r := w.rel(ev.Name)
	if r == "" {
		return
	}
	set := func(reason string) {
		if *rescan == "" {
			*rescan = reason
		}
	}
	if r == "." {
		if ev.Has(fsnotify.Remove) || ev.Has(fsnotify.Rename) {
			set("the corpus folder was removed or renamed")
		}
		return
	}
	if w.dirs[r] && (ev.Has(fsnotify.Remove) || ev.Has(fsnotify.Rename)) {
		w.drop(r)
		set(fmt.Sprintf("folder %s was removed or renamed", r))
		return
	}
	if ev.Has(fsnotify.Create) {
		if info, err := os.Lstat(ev.Name); err == nil && info.IsDir() {
			if !w.dirs[r] {
				if err := w.fw.Add(ev.Name); err != nil {
					w.incomplete = true
					set(fmt.Sprintf("folder %s is not watched: %s", r, osReason(err)))
					return
				}
				w.dirs[r] = true
			}
			reason := w.addTree(r)
			if reason == "" {
				reason = fmt.Sprintf("folder %s appeared", r)
			}
			set(reason)
			return
		}
	}
	if !IsArticle(r) {
		return
	}
	if len(pending) >= w.opt.MaxPaths && !pending[r] {
		set(fmt.Sprintf("more than %d files changed at once", w.opt.MaxPaths))
		*lost = true
		return
	}
	pending[r] = true
}

// Run hands the changes under the root to fn in batches until ctx is done,
// then closes the Watcher. A batch is handed over once the corpus has seen
// no event for Quiet, or its first change is Max old; fn runs on its own
// goroutine, one batch at a time, while events keep being collected for
// the next. Run returns when ctx is done and fn has returned.
func (w *Watcher) Run(ctx context.Context, fn func(context.Context, Batch)) error {
	defer w.fw.Close()
	batches := make(chan Batch)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for b := range batches {
			fn(ctx, b)
			select {
			case done <- struct{}{}:
			case <-ctx.Done():
			}
		}
	}()
	defer func() {
		close(batches)
		for range done {
		}
	}()

	pending := map[string]bool{}
	rescan, lost := w.lost, false
	var first, last time.Time
	if rescan != "" {
		first, last = time.Now().Add(-w.opt.Max), time.Now().Add(-w.opt.Quiet)
	}
	busy := false
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	// A Settled batch follows the last batch once nothing happened for
	// Settle; lastEvent is when the last event came, hidden names included.
	settle := time.NewTimer(time.Hour)
	settle.Stop()
	unsettled := false
	var lastEvent time.Time
	settleLater := func() {
		if !busy && unsettled && len(pending) == 0 && rescan == "" && !w.incomplete {
			if wait := time.Until(lastEvent.Add(w.opt.Settle)); wait > 0 {
				settle.Reset(wait)
				return
			}
			unsettled = false
			busy = true
			batches <- Batch{Settled: true, At: time.Now()}
		}
	}
	// send hands the pending batch over when it is due and fn is free, and
	// otherwise sets the timer for when it will be due.
	send := func() {
		if busy || (len(pending) == 0 && rescan == "") {
			return
		}
		now := time.Now()
		due := last.Add(w.opt.Quiet)
		if limit := first.Add(w.opt.Max); limit.Before(due) {
			due = limit
		}
		if now.Before(due) {
			timer.Reset(due.Sub(now))
			return
		}
		b := Batch{Rescan: rescan, Lost: lost, Paths: make([]string, 0, len(pending)), At: now}
		for p := range pending {
			b.Paths = append(b.Paths, p)
		}
		slices.Sort(b.Paths)
		clear(pending)
		rescan, lost = "", false
		busy = true
		unsettled = true
		batches <- b
	}
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case ev, ok := <-w.fw.Events:
			if !ok {
				return errors.New("corpus: watch: the watcher closed")
			}
			lastEvent = time.Now()
			had := len(pending) > 0 || rescan != ""
			w.event(ev, pending, &rescan, &lost)
			if now := time.Now(); len(pending) > 0 || rescan != "" {
				if !had {
					first = now
				}
				last = now
			}
			send()
		case err, ok := <-w.fw.Errors:
			if !ok {
				return errors.New("corpus: watch: the watcher closed")
			}
			lastEvent = time.Now()
			had := len(pending) > 0 || rescan != ""
			lost = true
			if errors.Is(err, fsnotify.ErrEventOverflow) {
				// Lost events may have been new folders: watch them all again.
				if reason := w.addTree("."); reason != "" && rescan == "" {
					rescan = reason
				}
				if rescan == "" {
					rescan = "events were lost (the kernel's event queue overflowed)"
				}
			} else if rescan == "" {
				rescan = "the file watcher reported an error"
			}
			if now := time.Now(); !had {
				first = now
				last = now
			}
			send()
		case <-timer.C:
			send()
		case <-done:
			busy = false
			send()
			settleLater()
		case <-settle.C:
			settleLater()
		}
	}
}
