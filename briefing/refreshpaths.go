package briefing

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"path"
	"slices"
	"strings"
	"syscall"
	"time"

	"briefbot/briefing/corpus"
)

// RefreshChanged is the cheap pass of Refresh: it trusts the folders'
// modification times recorded by the last scan, as Open does, so it stats
// the folders, reads only those whose time changed, and stats only the
// names the store does not know. It finds every file added, removed or
// renamed, but not a file edited in place (that changes no folder's time):
// Refresh, the full pass, does. When no folder changed it reads no stamp
// and costs the folders' stats.
func (l *Library) RefreshChanged(ctx context.Context) (Changes, error) {
	done, err := l.writing(ctx)
	if err != nil {
		return Changes{}, err
	}
	defer done()
	start := time.Now()
	sc, err := l.scan(ctx, false, false)
	if err != nil {
		l.watched.failed = true
		return sc.ch, err
	}
	ch, err := l.apply(ctx, sc)
	if err == nil {
		l.watched.scanned, l.watched.failed = start, false
	} else {
		l.watched.failed = true
	}
	return ch, err
}

// RefreshPaths brings the articles of the given files up to date, and
// nothing else: paths are slash paths under the corpus root, as a file
// watcher reports them (corpus.Watcher). Each is stat-ed: a new or changed
// article file is parsed and indexed; the stored article of a path that is
// missing, not a regular file or cannot be opened any more is withdrawn; an
// unchanged one is left alone. Hidden names (an element starting with '.'),
// names that are not articles (corpus.IsArticle) and paths that are not
// valid (fs.ValidPath) are ignored. A path that names a folder stands for
// every article under it, as List finds them, and every stored article
// whose path is under it.
//
// It reads the stored stamps of those paths only and counts the corpus's
// articles only as far as the mass-deletion hold needs (see Changes.Kept),
// so its cost is that of the paths, not of the corpus. Deletions made by
// RefreshPaths in the last pathsGoneWindow count towards that hold with the
// batch's: a folder emptied in many batches is held as one emptied at once
// would be, once more than half of it is gone.
//
// It changes no folder time recorded by the last scan, but to mark as
// untrusted the folders of files that were skipped (as scans do), so that
// the next RefreshChanged or Open reads every folder whose entries changed
// since. It serialises with Refresh and takes the store's write lock.
func (l *Library) RefreshPaths(ctx context.Context, paths []string) (Changes, error) {
	done, err := l.writing(ctx)
	if err != nil {
		return Changes{}, err
	}
	defer done()
	sc, err := l.scanPaths(ctx, paths)
	if err != nil {
		l.watched.failed = true
		return sc.ch, err
	}
	now := l.now()
	ch, err := l.apply(ctx, sc)
	if ch.Deleted > 0 {
		l.pathsGone = append(l.pathsGone, goneAt{now, ch.Deleted})
	}
	if err != nil {
		l.watched.failed = true
	}
	for _, p := range paths {
		if l.watched.touched == nil {
			l.watched.touched = map[string]bool{}
		}
		l.watched.touched[path.Dir(p)] = true
	}
	return ch, err
}

// racyDir is how old a folder's time must be to be trusted: corpus's
// racyDir, which ListSince applies to the times it records.
const racyDir = 2 * time.Second

// settling is what Settle needs to know of the refreshes since the watch
// began; guarded by refreshMu.
type settling struct {
	scanned time.Time       // when the last RefreshChanged that succeeded began
	failed  bool            // a RefreshPaths failed since
	touched map[string]bool // folders whose files RefreshPaths was given
}

// Settle records the current modification times of the folders whose
// files RefreshPaths was given, so that the next RefreshChanged, or the
// next process's Open, does not read them again only because a watched
// file came in (at a million names, the folder's listing and every stamp).
// RefreshPaths itself leaves the record as the last scan wrote it, which
// is safe (a stale time only makes the folder read again) but not cheap.
//
// The caller vouches that it has watched every folder of the corpus since
// watchedSince, and that every change made before asOf was passed to
// RefreshPaths, which returned, and none since failed in its hands (a
// corpus.Watcher's Settled batch, cut at asOf, whose earlier batches were
// all refreshed). Settle checks the rest: a RefreshChanged began after
// watchedSince and succeeded (what changed before the watch began is in
// the store), no RefreshPaths or RefreshChanged failed since, the
// folder's recorded time is trusted (not zero: a file in it was skipped,
// or articles were kept, which only a scan settles), and its time is
// older than racyDir before asOf (so every change it shows was made before
// asOf, and a later change within the same clock tick is not possible). A
// folder it cannot settle yet stays for the next call.
func (l *Library) Settle(ctx context.Context, watchedSince, asOf time.Time) error {
	l.refreshMu.Lock()
	defer l.refreshMu.Unlock()
	if len(l.watched.touched) == 0 || l.watched.failed || l.watched.scanned.Before(watchedSince) {
		return nil
	}
	if err := l.checkStore(); err != nil {
		return err
	}
	unlock, err := l.st.LockWrites(ctx)
	if err != nil {
		return fmt.Errorf("briefing: %w", err)
	}
	defer unlock()
	was, err := l.st.Meta(ctx, dirsKey)
	if err != nil {
		return err
	}
	dirs := decodeDirs(was)
	changed := false
	for d := range l.watched.touched {
		rec, ok := dirs[d]
		if !ok || rec.IsZero() {
			delete(l.watched.touched, d) // only a scan trusts it again
			continue
		}
		info, err := fs.Stat(l.fsys, d)
		if err != nil || !info.IsDir() {
			delete(l.watched.touched, d)
			continue
		}
		mt := info.ModTime()
		if mt.IsZero() || !mt.Before(asOf.Add(-racyDir)) {
			continue // too recent to trust: later
		}
		delete(l.watched.touched, d)
		if !mt.Equal(rec) {
			dirs[d], changed = mt, true
		}
	}
	if !changed {
		return nil
	}
	raw := make(map[string]int64, len(dirs))
	for d, t := range dirs {
		raw[d] = Nanos(t)
	}
	b, err := json.Marshal(raw)
	if err != nil {
		return err
	}
	return l.st.SetMeta(ctx, dirsKey, string(b))
}

// pathsGoneWindow is how long the deletions RefreshPaths made count
// towards its mass-deletion hold.
const pathsGoneWindow = 10 * time.Minute

// goneAt is a number of articles RefreshPaths deleted, and when.
type goneAt struct {
	at time.Time
	n  int
}

// recentlyGone returns how many articles RefreshPaths deleted since
// pathsGoneWindow before now, forgetting older deletions. The caller holds
// refreshMu.
func (l *Library) recentlyGone(now time.Time) int {
	l.pathsGone = slices.DeleteFunc(l.pathsGone, func(g goneAt) bool { return g.at.Before(now.Add(-pathsGoneWindow)) })
	n := 0
	for _, g := range l.pathsGone {
		n += g.n
	}
	return n
}

// scanPaths is scan restricted to paths (see RefreshPaths).
func (l *Library) scanPaths(ctx context.Context, paths []string) (scanned, error) {
	var sc scanned
	var err error
	if sc.dirsWas, err = l.st.Meta(ctx, dirsKey); err != nil {
		return sc, err
	}
	sc.dirs = decodeDirs(sc.dirsWas)    // saveDirs then only marks folders untrusted
	looked := map[string]bool{}         // article paths whose stored stamps are compared
	present := map[string]corpus.File{} // of those, the regular files found
	var files, folders, vanished []string
	for _, p := range paths {
		if p == "." || !fs.ValidPath(p) || corpus.Hidden(p) || looked[p] {
			continue
		}
		info, err := fs.Stat(l.fsys, p)
		if err == nil && info.IsDir() {
			if li, lerr := fs.Lstat(l.fsys, p); lerr == nil && li.Mode()&fs.ModeSymlink == 0 {
				folders = append(folders, p)
				continue
			} // a link to a folder is not followed, as List does not
		}
		missing := errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR)
		if missing {
			vanished = append(vanished, p) // it may have been a folder
		}
		if !corpus.IsArticle(p) {
			continue
		}
		looked[p] = true
		files = append(files, p)
		switch {
		case err == nil && info.Mode().IsRegular():
			present[p] = corpus.File{Path: p, Size: info.Size(), ModTime: info.ModTime()}
		case err != nil && !missing:
			sc.ch.Skipped = append(sc.ch.Skipped, fmt.Errorf("corpus: list %s: %w", p, err))
		}
	}
	known, err := l.st.StampsOf(ctx, files)
	if err != nil {
		return sc, err
	}
	// The stored articles under a path that is gone: a folder removed or
	// renamed away (one lookup of the path index each).
	for _, p := range vanished {
		under, err := l.st.StampsUnder(ctx, p)
		if err != nil {
			return sc, err
		}
		for _, a := range under {
			looked[a.Path] = true
			known = append(known, a)
		}
	}
	for _, dir := range folders {
		sub, err := fs.Sub(l.fsys, dir)
		if err != nil {
			return sc, err
		}
		list, errs := corpus.List(sub)
		for _, e := range errs {
			sc.ch.Skipped = append(sc.ch.Skipped, fmt.Errorf("%s: %w", dir, e))
		}
		if len(list) == 0 && len(errs) > 0 {
			continue // the folder cannot be listed: nothing is gone for that
		}
		for _, f := range list {
			f.Path = dir + "/" + f.Path
			looked[f.Path] = true
			present[f.Path] = f
		}
		under, err := l.st.StampsUnder(ctx, dir)
		if err != nil {
			return sc, err
		}
		for _, a := range under {
			if !corpus.Hidden(a.Path) {
				looked[a.Path] = true
				known = append(known, a)
			}
		}
	}
	// The stamps of each path, once each (a file and its folder may both
	// have been named); the highest Ord is the path's article, as in scan.
	slices.SortFunc(known, func(a, b Stamp) int {
		return cmp.Or(strings.Compare(a.Path, b.Path), cmp.Compare(b.Ord, a.Ord))
	})
	known = slices.CompactFunc(known, func(a, b Stamp) bool { return a.Ord == b.Ord })
	byPath := map[string][]Stamp{}
	for _, a := range known {
		byPath[a.Path] = append(byPath[a.Path], a)
	}
	for _, p := range slices.Sorted(maps.Keys(looked)) {
		stamps := byPath[p]
		f, ok := present[p]
		if !ok {
			for _, a := range stamps {
				sc.gone = append(sc.gone, a.Ord)
			}
			continue
		}
		if len(stamps) > 0 {
			a := stamps[0]
			for _, other := range stamps[1:] { // renamed onto a's path
				sc.gone = append(sc.gone, other.Ord)
			}
			if !f.ModTime.IsZero() && a.Size == f.Size && a.ModTime.Equal(f.ModTime) {
				if err := canOpen(l.fsys, f.Path); err != nil {
					sc.ch.Skipped = append(sc.ch.Skipped, skippedFile{
						fmt.Errorf("%s: cannot be read; its article is withdrawn until it can: %w", f.Path, err), f})
					sc.gone = append(sc.gone, a.Ord)
					continue
				}
				sc.ch.Unchanged++
				continue
			}
		}
		sc.todo = append(sc.todo, f)
	}
	slices.Sort(sc.gone)

	// The folder's articles are counted only as far as the decisions that
	// depend on them need (knownAtMost): loadPrior's choice and apply's
	// hold, and here the hold of this batch with the recent deletions.
	sc.known = -1
	recent := l.recentlyGone(l.now())
	// A gone article whose id a new file has (renamed to another
	// extension) is taken over, not deleted (see apply's claimed).
	ids := make(map[string]bool, len(sc.todo))
	for _, f := range sc.todo {
		ids[fileID(f)] = true
	}
	goneOrd := make(map[int64]bool, len(sc.gone))
	for _, o := range sc.gone {
		goneOrd[o] = true
	}
	n := 0
	for _, a := range known {
		if goneOrd[a.Ord] && !ids[fileID(corpus.File{Path: a.Path})] {
			n++
			delete(goneOrd, a.Ord)
		}
	}
	if l.prune || n == 0 || n+recent < massDeleteMin {
		return sc, nil
	}
	stored, err := l.knownAtMost(ctx, sc, 2*n+recent)
	if err != nil {
		return sc, err
	}
	if 2*n+recent > stored {
		// More than half of the folder (as it was before the recent
		// deletions) is gone: hold, as scan's apply does.
		sc.ch.Kept = n
		l.log.Warn("most of the corpus folder vanished at once: keeping its articles until the files come back or an operator confirms with `briefbot index --prune`",
			"gone", n, "gone_lately", recent, "articles", stored)
		sc.gone = nil
	}
	return sc, nil
}
