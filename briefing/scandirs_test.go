package briefing_test

import (
	. "briefbot/briefing"
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"briefbot/briefing/store"
)

// countFS counts the files stat-ed and the folders read through it.
type countFS struct {
	fs.FS
	stats, reads atomic.Int64
}

func (c *countFS) Stat(name string) (fs.FileInfo, error) {
	info, err := fs.Stat(c.FS, name)
	if err == nil && !info.IsDir() {
		c.stats.Add(1)
	}
	return info, err
}

func (c *countFS) ReadDir(name string) ([]fs.DirEntry, error) {
	c.reads.Add(1)
	es, err := fs.ReadDir(c.FS, name)
	for i, e := range es {
		es[i] = countEntry{e, c}
	}
	return es, err
}

// Open wraps folders, which ListSince reads in batches: a folder counts as
// read at its first batch (a probe of one entry, whether it can be read at
// all, does not count).
func (c *countFS) Open(name string) (fs.File, error) {
	f, err := c.FS.Open(name)
	if d, ok := f.(fs.ReadDirFile); ok && err == nil {
		return &countDir{ReadDirFile: d, c: c}, nil
	}
	return f, err
}

type countDir struct {
	fs.ReadDirFile
	c    *countFS
	read bool
}

func (d *countDir) ReadDir(n int) ([]fs.DirEntry, error) {
	if !d.read && n != 1 {
		d.read = true
		d.c.reads.Add(1)
	}
	es, err := d.ReadDirFile.ReadDir(n)
	for i, e := range es {
		es[i] = countEntry{e, d.c}
	}
	return es, err
}

type countEntry struct {
	fs.DirEntry
	c *countFS
}

func (e countEntry) Info() (fs.FileInfo, error) {
	info, err := e.DirEntry.Info()
	if err == nil && !info.IsDir() {
		e.c.stats.Add(1)
	}
	return info, err
}

// ageDir sets a folder's modification time in the past, as it is once the
// folder has been left alone for a while (a time within the last seconds
// is not trusted: see corpus.ListSince).
func ageDir(t *testing.T, dir string, ago time.Duration) {
	t.Helper()
	old := time.Now().Add(-ago)
	if err := os.Chtimes(dir, old, old); err != nil {
		t.Fatal(err)
	}
}

// A reopen stats only what the folders' times show may be new: nothing
// when no folder changed, the new names when one did. A file edited in
// place is found by the full scan of Refresh (and briefbot index).
func TestReopenStatsOnlyWhatChanged(t *testing.T) {
	c := &clock{time.Date(2025, 3, 10, 8, 0, 0, 0, time.UTC)}
	dir, data := t.TempDir(), t.TempDir()
	manyArticles(t, dir, 0, 30)
	if err := os.Mkdir(filepath.Join(dir, "world"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeSafe(t, filepath.Join(dir, "world"), "harbour", "orchard")
	ageDir(t, filepath.Join(dir, "world"), time.Hour)
	ageDir(t, dir, time.Hour)
	openSafe(t, dir, data, c, Options{})

	ctx := context.Background()
	st, err := store.Open(ctx, data)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	reopen := func() (*Library, Changes, *countFS) {
		t.Helper()
		cfs := &countFS{FS: os.DirFS(dir)}
		lib, ch, err := Open(ctx, st, Options{Corpus: cfs, Now: c.now})
		if err != nil {
			t.Fatal(err)
		}
		return lib, ch, cfs
	}

	_, ch, cfs := reopen()
	if !ch.Trusted || ch.Added+ch.Changed+ch.Deleted != 0 {
		t.Errorf("reopen, nothing changed: %+v; want the folders trusted and nothing changed", ch)
	}
	if n, r := cfs.stats.Load(), cfs.reads.Load(); n != 0 || r != 0 {
		t.Errorf("reopen, nothing changed: %d files stat-ed, %d folders read; want none", n, r)
	}

	manyArticles(t, dir, 30, 32)
	removeSafe(t, dir, "town003")
	ageDir(t, dir, 30*time.Minute)
	_, ch, cfs = reopen()
	if ch.Added != 2 || ch.Deleted != 1 || ch.Unchanged != 29 || ch.Trusted {
		t.Errorf("reopen after 2 added, 1 removed: %+v; want 2 added, 1 deleted, 29 unchanged (world's 2 not compared)", ch)
	}
	if n := cfs.stats.Load(); n != 2 {
		t.Errorf("reopen after 2 added: %d files stat-ed, want 2", n)
	}

	// Edited in place: no folder's time changes.
	path := filepath.Join(dir, "world", "orchard.md")
	if err := os.WriteFile(path, []byte("---\ntitle: Orchard closes\n---\nThe orchard closed its gates for the season after a late frost.\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ageDir(t, filepath.Join(dir, "world"), time.Hour)
	lib, ch, _ := reopen()
	if ch.Changed != 0 {
		t.Errorf("a reopen stat-ed the file edited in place: %+v", ch)
	}
	if ch, err = lib.Refresh(ctx); err != nil || ch.Changed != 1 {
		t.Errorf("Refresh after an edit in place: %+v, %v; want 1 changed", ch, err)
	}
	if !found(t, lib, "orchard frost gates", "world/orchard") {
		t.Errorf("the edit is not answered after Refresh")
	}
}

// A reopen that trusts the folders reads the stored paths, not every
// stamp; a path two stored articles share (a file renamed onto another's
// name) keeps its newest article only, as a full scan does.
func TestReopenWithASharedPath(t *testing.T) {
	c := &clock{time.Date(2025, 3, 10, 8, 0, 0, 0, time.UTC)}
	dir, data := t.TempDir(), t.TempDir()
	manyArticles(t, dir, 0, 10)
	ageDir(t, dir, time.Hour)
	_, st, _, _ := openSafe(t, dir, data, c, Options{})
	ctx := context.Background()
	if err := st.Update(ctx, func(tx Tx) error {
		a := StoredArticle{ID: "town003-again", Path: "town003.md", Title: "Town 3 again", Hash: "again", FirstSeen: c.now()}
		return tx.PutArticle(ctx, &a, []StoredPassage{{Text: "Town 3 again."}})
	}); err != nil {
		t.Fatal(err)
	}
	manyArticles(t, dir, 10, 11)
	ageDir(t, dir, 30*time.Minute)
	cfs := &countFS{FS: os.DirFS(dir)}
	lib, ch, err := Open(ctx, st, Options{Corpus: cfs, Now: c.now})
	if err != nil {
		t.Fatal(err)
	}
	if ch.Added != 1 || ch.Deleted != 1 || ch.Unchanged != 10 || ch.Trusted {
		t.Errorf("reopen after 1 added, with a path stored twice: %+v; want 1 added, 1 deleted, 10 unchanged", ch)
	}
	if n := cfs.stats.Load(); n != 1 {
		t.Errorf("%d files stat-ed, want 1 (the new one)", n)
	}
	paths, err := st.Paths(ctx, ".")
	if err != nil || len(paths) != 11 || len(slices.Compact(slices.Clone(paths))) != 11 {
		t.Errorf("stored paths after the reopen: %q, %v; want 11, none twice", paths, err)
	}
	if !found(t, lib, "town 3 again", "town003-again") {
		t.Errorf("the newest article of the shared path is not answered")
	}
}

// pathsAsked is the store, counting the folders whose known paths a scan
// reads.
type pathsAsked struct {
	*store.Store
	mu    sync.Mutex
	asked []string
}

func (p *pathsAsked) Paths(ctx context.Context, dir string) ([]string, error) {
	p.mu.Lock()
	p.asked = append(p.asked, dir)
	p.mu.Unlock()
	return p.Store.Paths(ctx, dir)
}

// A start after changes in some folders of a corpus kept in folders reads
// the known paths of those folders only (a folder added, one removed
// whole, one changed, one left alone), and ends where a full index of the
// corpus does.
func TestReopenReadsOnlyChangedFolders(t *testing.T) {
	g := newBenchGen(t)
	c := &clock{time.Date(2025, 3, 10, 8, 0, 0, 0, time.UTC)}
	dir, data := t.TempDir(), t.TempDir()
	doc := 0
	mk := func(folder string, n int) {
		t.Helper()
		if err := os.MkdirAll(filepath.Join(dir, folder), 0o755); err != nil {
			t.Fatal(err)
		}
		for range n {
			writeDoc(t, filepath.Join(dir, folder), fmt.Sprintf("doc%04d.txt", doc), g.article(doc))
			doc++
		}
	}
	// age sets the folders' times in the past, each time a different one.
	at := time.Now().Add(-time.Hour)
	age := func(folders ...string) {
		t.Helper()
		at = at.Add(time.Minute)
		for _, d := range folders {
			if err := os.Chtimes(filepath.Join(dir, d), at, at); err != nil {
				t.Fatal(err)
			}
		}
	}
	mk(".", 5)
	mk("jan", 20)
	mk("feb", 20)
	mk("feb/late", 10)
	age(".", "jan", "feb", "feb/late")
	openSafe(t, dir, data, c, Options{})

	mk("mar", 12)
	if err := os.RemoveAll(filepath.Join(dir, "jan")); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(dir, "feb/late/doc0050.txt")); err != nil {
		t.Fatal(err)
	}
	doc = 90
	mk("feb/late", 1)
	age(".", "mar", "feb/late")

	ctx := context.Background()
	st, err := store.Open(ctx, data)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ps := &pathsAsked{Store: st}
	lib, ch, err := Open(ctx, ps, Options{Corpus: os.DirFS(dir), Now: c.now})
	if err != nil {
		t.Fatal(err)
	}
	if ch.Added != 13 || ch.Deleted != 21 || ch.Trusted {
		t.Errorf("reopen: %+v; want 13 added (mar's 12, one in feb/late), 21 deleted (jan's 20, one in feb/late)", ch)
	}
	slices.Sort(ps.asked)
	if want := []string{".", "feb/late", "jan", "mar"}; !slices.Equal(ps.asked, want) {
		t.Errorf("known paths read for folders %q, want %q (feb is unchanged)", ps.asked, want)
	}
	// The same articles and answers as a fresh index of the corpus.
	got := answers(t, lib)
	lib.Close()
	_, fresh := indexOnce(t, dir, t.TempDir(), c)
	sameAnswers(t, "after folder changes", got, fresh)
}

// A start that finds the corpus folder gone (an unmounted volume, a folder
// renamed away) deletes nothing, in whichever folders the articles were.
func TestReopenWithTheFolderGoneDeletesNothing(t *testing.T) {
	c := &clock{time.Date(2025, 3, 10, 8, 0, 0, 0, time.UTC)}
	dir, data := t.TempDir(), t.TempDir()
	writeSafe(t, dir, "harbour")
	if err := os.Mkdir(filepath.Join(dir, "world"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeSafe(t, filepath.Join(dir, "world"), "orchard", "quarry")
	ageDir(t, filepath.Join(dir, "world"), time.Hour)
	ageDir(t, dir, time.Hour)
	_, st, _, _ := openSafe(t, dir, data, c, Options{})
	ctx := context.Background()
	gone := dir + ".away"
	if err := os.Rename(dir, gone); err != nil {
		t.Fatal(err)
	}
	ps := &pathsAsked{Store: st}
	lib, ch, err := Open(ctx, ps, Options{Corpus: os.DirFS(dir), Now: c.now})
	if err != nil {
		t.Fatal(err)
	}
	defer lib.Close()
	if ch.Deleted != 0 || len(ch.Skipped) == 0 {
		t.Errorf("start with the corpus folder gone: %+v; want nothing deleted and the folder reported", ch)
	}
	if len(ps.asked) != 0 {
		t.Errorf("known paths read for %q: nothing can be compared without the folder", ps.asked)
	}
	if !found(t, lib, "orchard programme", "world/orchard") {
		t.Errorf("an article of a subfolder is no longer answered")
	}
}
