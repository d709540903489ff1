package briefing_test

import (
	. "briefbot/briefing"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"briefbot/briefing/corpus"
	"briefbot/briefing/store"
)

// narrowStore is the real store, failing the test when a refresh reads
// every article or every stamp: what RefreshPaths must not do.
type narrowStore struct {
	*store.Store
	t    *testing.T
	wide bool // reads of the whole table are allowed (Open)
}

func (s *narrowStore) Stamps(ctx context.Context) ([]Stamp, error) {
	if !s.wide {
		s.t.Error("Stamps (every stored stamp) read by a refresh of a few paths")
	}
	return s.Store.Stamps(ctx)
}

func (s *narrowStore) Articles(ctx context.Context) ([]StoredArticle, error) {
	if !s.wide {
		s.t.Error("Articles (every stored article) read by a refresh of a few paths")
	}
	return s.Store.Articles(ctx)
}

// openNarrow opens the library of dir over data, whose refreshes after
// Open may not read whole tables.
func openNarrow(t *testing.T, dir, data string, c *clock, opt Options) (*Library, *narrowStore) {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, data)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	ns := &narrowStore{Store: st, t: t, wide: true}
	opt.Corpus, opt.Now = os.DirFS(dir), c.now
	lib, _, err := Open(ctx, ns, opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lib.Close() })
	return lib, ns
}

// refreshPaths is lib.RefreshPaths, during which ns allows no whole-table read.
func refreshPaths(lib *Library, ns *narrowStore, paths []string) (Changes, error) {
	ns.wide = false
	defer func() { ns.wide = true }()
	return lib.RefreshPaths(context.Background(), paths)
}

// RefreshPaths of the changed files (added, changed in place, deleted,
// renamed, copies of stored and of deleted content) leaves the library as
// a fresh index of the final corpus, with the first-seen times a full scan
// gives, reading neither every article nor every stamp.
func TestRefreshPathsMatchesFreshIndex(t *testing.T) {
	g := newBenchGen(t)
	t0 := time.Date(2025, 3, 10, 8, 0, 0, 0, time.UTC)
	c := &clock{t0}
	dir, data := t.TempDir(), t.TempDir()
	const n = 300
	updateCorpus(t, g, dir, 0, n)
	lib, ns := openNarrow(t, dir, data, c, Options{})
	ctx := context.Background()

	c.t = t0.Add(time.Hour)
	var paths []string
	for i := n; i < n+40; i++ {
		paths = append(paths, fmt.Sprintf("doc%04d.txt", i))
	}
	updateCorpus(t, g, dir, n, n+40)                 // added
	writeDoc(t, dir, "doc0010.txt", g.article(5010)) // changed in place
	writeDoc(t, dir, "doc9000.txt", g.article(10))   // doc0010's old content
	writeDoc(t, dir, "doc9001.txt", g.article(40))   // a copy of doc0040
	os.Rename(filepath.Join(dir, "doc0030.txt"), filepath.Join(dir, "doc0030.md"))
	os.Rename(filepath.Join(dir, "doc0031.txt"), filepath.Join(dir, "renamed.txt"))
	os.Remove(filepath.Join(dir, "doc0020.txt"))
	paths = append(paths, "doc0010.txt", "doc9000.txt", "doc9001.txt", "doc0030.txt", "doc0030.md",
		"doc0031.txt", "renamed.txt", "doc0020.txt", "doc0050.txt" /* unchanged */)
	ch, err := refreshPaths(lib, ns, paths)
	if err != nil {
		t.Fatal(err)
	}
	// doc0030.md is doc0030 renamed (touched: unchanged); renamed.txt a new
	// article (another id) with doc0031's first-seen time.
	if ch.Added != 43 || ch.Changed != 1 || ch.Deleted != 2 || ch.Unchanged != 2 || ch.Kept != 0 {
		t.Errorf("refresh of the paths: %+v, want 43 added, 1 changed, 2 deleted, 2 unchanged", ch)
	}
	got := answers(t, lib)
	for id, want := range map[string]time.Time{
		"doc0010": t0, "doc9000": t0, "doc9001": t0, "doc0030": t0, "renamed": t0, "doc0300": c.t,
	} {
		if got.seen[id] != want {
			t.Errorf("%s first seen %v, want %v", id, got.seen[id], want)
		}
	}
	if _, ok := got.seen["doc0020"]; ok {
		t.Error("doc0020 was deleted but is still served")
	}
	_, fresh := indexOnce(t, dir, t.TempDir(), c)
	sameAnswers(t, "after RefreshPaths", got, fresh)

	// A full scan after it finds nothing left to do.
	if ch, err = lib.Refresh(ctx); err != nil || ch.Added+ch.Changed+ch.Deleted != 0 {
		t.Errorf("a full refresh after RefreshPaths: %+v, want nothing to do", ch)
	}
}

// Paths that are not articles, hidden, missing, invalid or folders: each
// does what a scan of the corpus would, and only that.
func TestRefreshPathsOfOddPaths(t *testing.T) {
	g := newBenchGen(t)
	c := &clock{time.Date(2025, 3, 10, 8, 0, 0, 0, time.UTC)}
	dir, data := t.TempDir(), t.TempDir()
	updateCorpus(t, g, dir, 0, 20)
	for _, d := range []string{"old", "old/deeper", "new", ".hidden"} {
		os.MkdirAll(filepath.Join(dir, d), 0o755)
	}
	writeDoc(t, dir, "old/a.txt", g.article(100))
	writeDoc(t, dir, "old/deeper/b.md", g.article(101))
	lib, ns := openNarrow(t, dir, data, c, Options{})
	ctx := context.Background()
	ids := func() []string {
		arts, err := lib.Articles(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, a := range arts {
			out = append(out, a.ID)
		}
		slices.Sort(out)
		return out
	}
	if !slices.Contains(ids(), "old/deeper/b") {
		t.Fatalf("the folder's articles are not indexed: %v", ids())
	}

	writeDoc(t, dir, "notes.pdf", g.article(200))
	writeDoc(t, dir, ".draft.txt", g.article(201))
	writeDoc(t, dir, ".hidden/c.txt", g.article(202))
	writeDoc(t, dir, "new/d.txt", g.article(203))
	writeDoc(t, dir, "new/e.html", g.article(204))
	writeDoc(t, dir, "new/skip.csv", g.article(205))
	os.Mkdir(filepath.Join(dir, "folder.txt"), 0o755) // a folder with an article's name
	if err := os.RemoveAll(filepath.Join(dir, "old")); err != nil {
		t.Fatal(err)
	}
	ch, err := refreshPaths(lib, ns, []string{
		"notes.pdf", ".draft.txt", ".hidden/c.txt", ".hidden", "missing.txt", "doc0003.txt/x.txt",
		"../outside.txt", "/abs.txt", ".", "", "new", "new/d.txt", "old", "folder.txt",
	})
	if err != nil {
		t.Fatal(err)
	}
	if ch.Added != 2 || ch.Deleted != 2 || ch.Changed != 0 || ch.Kept != 0 || len(ch.Skipped) != 0 {
		t.Errorf("odd paths: %+v, want new/d and new/e added, old/a and old/deeper/b deleted, nothing skipped", ch)
	}
	want := []string{"new/d", "new/e"}
	for i := range 20 {
		want = append(want, fmt.Sprintf("doc%04d", i))
	}
	slices.Sort(want)
	if got := ids(); !slices.Equal(got, want) {
		t.Errorf("articles after the odd paths: %v, want %v", got, want)
	}
	// What a fresh full index of the folder gives.
	_, fresh := indexOnce(t, dir, t.TempDir(), c)
	sameAnswers(t, "odd paths", answers(t, lib), fresh)

	// Nothing to do: nothing done.
	if ch, err := refreshPaths(lib, ns, nil); err != nil || ch.Added+ch.Changed+ch.Deleted != 0 {
		t.Errorf("no paths: %+v, %v", ch, err)
	}
}

// Removals reported a few at a time are held, as a scan holds them, once
// more than half of the folder went within pathsGoneWindow; Prune lets
// them go.
func TestRefreshPathsHoldsAMassDeletion(t *testing.T) {
	g := newBenchGen(t)
	for _, prune := range []bool{false, true} {
		t.Run(fmt.Sprintf("prune=%v", prune), func(t *testing.T) {
			c := &clock{time.Date(2025, 3, 10, 8, 0, 0, 0, time.UTC)}
			dir, data := t.TempDir(), t.TempDir()
			updateCorpus(t, g, dir, 0, 10)
			lib, ns := openNarrow(t, dir, data, c, Options{Prune: prune})
			ctx := context.Background()
			var deleted, kept int
			for i := 0; i < 8; i += 2 { // 8 of 10 files, two at a time
				a, b := fmt.Sprintf("doc%04d.txt", i), fmt.Sprintf("doc%04d.txt", i+1)
				os.Remove(filepath.Join(dir, a))
				os.Remove(filepath.Join(dir, b))
				c.t = c.t.Add(time.Minute)
				ch, err := refreshPaths(lib, ns, []string{a, b})
				if err != nil {
					t.Fatal(err)
				}
				deleted += ch.Deleted
				kept += ch.Kept
			}
			arts, _ := lib.Articles(ctx)
			if prune {
				if deleted != 8 || kept != 0 || len(arts) != 2 {
					t.Errorf("with Prune: %d deleted, %d kept, %d served; want 8, 0, 2", deleted, kept, len(arts))
				}
				return
			}
			// 2 and 2 go (4 of 10); the third pair would make 6 of 10: held.
			if deleted != 4 || kept != 4 || len(arts) != 6 {
				t.Errorf("%d deleted, %d kept, %d served; want 4, 4 (held) and 6", deleted, kept, len(arts))
			}
			// The files come back: nothing was lost, nothing is news.
			updateCorpus(t, g, dir, 4, 8)
			// (4 files of 6 stored: the store is read whole, which costs less.)
			ch, err := lib.RefreshPaths(ctx, []string{"doc0004.txt", "doc0005.txt", "doc0006.txt", "doc0007.txt"})
			if err != nil || ch.Added != 0 || ch.Unchanged != 4 {
				t.Errorf("the held files back: %+v, %v; want 4 unchanged", ch, err)
			}
			// Long after, the deletions so far no longer count.
			c.t = c.t.Add(time.Hour)
			os.Remove(filepath.Join(dir, "doc0004.txt"))
			os.Remove(filepath.Join(dir, "doc0005.txt"))
			if ch, err := refreshPaths(lib, ns, []string{"doc0004.txt", "doc0005.txt"}); err != nil || ch.Deleted != 2 {
				t.Errorf("two of six files an hour later: %+v, %v; want 2 deleted", ch, err)
			}
		})
	}
}

// RefreshChanged finds what was added, removed and renamed without
// reading every stamp when no folder changed.
func TestRefreshChangedFindsNewFiles(t *testing.T) {
	g := newBenchGen(t)
	c := &clock{time.Date(2025, 3, 10, 8, 0, 0, 0, time.UTC)}
	dir, data := t.TempDir(), t.TempDir()
	updateCorpus(t, g, dir, 0, 30)
	// Folder times are trusted once older than racyDir.
	old := time.Now().Add(-time.Minute)
	os.Chtimes(dir, old, old)
	lib, ns := openNarrow(t, dir, data, c, Options{})
	ctx := context.Background()
	if ch, err := lib.RefreshChanged(ctx); err != nil || !ch.Trusted {
		t.Fatalf("nothing changed: %+v, %v; want the folders trusted", ch, err)
	}
	// Trusted: the stamps are not read.
	ns.wide = false
	if _, err := lib.RefreshChanged(ctx); err != nil {
		t.Fatal(err)
	}
	ns.wide = true
	updateCorpus(t, g, dir, 30, 33)
	os.Remove(filepath.Join(dir, "doc0001.txt"))
	ch, err := lib.RefreshChanged(ctx)
	if err != nil || ch.Added != 3 || ch.Deleted != 1 {
		t.Errorf("after 3 added and 1 removed: %+v, %v", ch, err)
	}
}

// A library kept up to date by a corpus.Watcher (batches through
// RefreshPaths, rescans through RefreshChanged) ends as a fresh full index
// of the folder: files added, edited in place, removed and renamed.
func TestWatchedLibraryMatchesFreshIndex(t *testing.T) {
	g := newBenchGen(t)
	t0 := time.Date(2025, 3, 10, 8, 0, 0, 0, time.UTC)
	c := &clock{t0}
	dir, data := t.TempDir(), t.TempDir()
	updateCorpus(t, g, dir, 0, 100)
	lib, _ := openNarrow(t, dir, data, c, Options{})
	w, err := corpus.NewWatcher(dir, corpus.WatchOptions{Quiet: 50 * time.Millisecond, Max: 500 * time.Millisecond})
	if err != nil {
		t.Skipf("no file events here: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() {
		w.Run(ctx, func(ctx context.Context, b corpus.Batch) {
			var err error
			switch {
			case b.Lost:
				_, err = lib.Refresh(ctx)
			case b.Rescan != "":
				_, err = lib.RefreshChanged(ctx)
			}
			if err == nil && !b.Lost {
				_, err = lib.RefreshPaths(ctx, b.Paths)
			}
			if err != nil && ctx.Err() == nil {
				t.Errorf("refresh of %+v: %v", b, err)
			}
		})
	})
	t.Cleanup(func() { cancel(); wg.Wait() })

	c.t = t0.Add(time.Hour)
	updateCorpus(t, g, dir, 100, 110)                // added
	writeDoc(t, dir, "doc0010.txt", g.article(5010)) // edited in place
	os.Rename(filepath.Join(dir, "doc0030.txt"), filepath.Join(dir, "doc0030.md"))
	os.Rename(filepath.Join(dir, "doc0031.txt"), filepath.Join(dir, "renamed.txt"))
	os.Remove(filepath.Join(dir, "doc0020.txt"))
	os.Mkdir(filepath.Join(dir, "later"), 0o755) // a new folder (a rescan), then a file in it
	writeDoc(t, dir, "later/doc0500.txt", g.article(500))

	_, fresh := indexOnce(t, dir, t.TempDir(), c)
	deadline := time.Now().Add(20 * time.Second) // only stops a broken test from hanging
	var got libAnswers
	for {
		got = answers(t, lib)
		if reflect.DeepEqual(got.passages, fresh.passages) && reflect.DeepEqual(got.articles, fresh.articles) {
			break
		}
		if time.Now().After(deadline) {
			sameAnswers(t, "watched", got, fresh)
			t.Fatal("the watched library never matched a fresh index")
		}
		time.Sleep(50 * time.Millisecond)
	}
	for id, want := range map[string]time.Time{"doc0010": t0, "doc0030": t0, "renamed": t0, "doc0105": c.t, "later/doc0500": c.t} {
		if got.seen[id] != want {
			t.Errorf("%s first seen %v, want %v", id, got.seen[id], want)
		}
	}
	cancel()
	wg.Wait()
	if ch, err := lib.Refresh(context.Background()); err != nil || ch.Added+ch.Changed+ch.Deleted != 0 {
		t.Errorf("a full refresh after the watcher: %+v, %v; want nothing to do", ch, err)
	}
}

// Settle records the time of a folder RefreshPaths changed, so the next
// cheap pass and the next Open trust it (read no stamp); it does not when
// the watch began after the last RefreshChanged, or a file in the folder
// was skipped.
func TestSettleRecordsTheFolderTime(t *testing.T) {
	g := newBenchGen(t)
	c := &clock{time.Date(2025, 3, 10, 8, 0, 0, 0, time.UTC)}
	dir, data := t.TempDir(), t.TempDir()
	updateCorpus(t, g, dir, 0, 20)
	aged := func() { // a folder time is trusted once older than racyDir
		old := time.Now().Add(-time.Minute)
		if err := os.Chtimes(dir, old, old); err != nil {
			t.Fatal(err)
		}
	}
	aged()
	lib, ns := openNarrow(t, dir, data, c, Options{})
	ctx := context.Background()
	cheapTrusted := func() bool {
		t.Helper()
		ch, err := lib.RefreshChanged(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return ch.Trusted
	}
	since := time.Now()
	if cheapTrusted() != true {
		t.Fatal("nothing changed, but the folder is not trusted")
	}
	add := func(i int) {
		t.Helper()
		updateCorpus(t, g, dir, i, i+1)
		aged()
		p := fmt.Sprintf("doc%04d.txt", i)
		if ch, err := refreshPaths(lib, ns, []string{p}); err != nil || ch.Added != 1 {
			t.Fatalf("refresh of %s: %+v, %v", p, ch, err)
		}
	}

	// Without Settle the cheap pass reads the folder again (and its stamps).
	add(20)
	if cheapTrusted() {
		t.Fatal("the folder changed, yet trusted without Settle")
	}
	// With Settle it does not, nor does the next Open.
	add(21)
	if err := lib.Settle(ctx, since, time.Now()); err != nil {
		t.Fatal(err)
	}
	ns.wide = false
	if !cheapTrusted() {
		t.Error("after Settle the cheap pass reads the folder again")
	}
	ns.wide = true
	lib.Close()
	st, err := store.Open(ctx, data)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	lib2, ch, err := Open(ctx, st, Options{Corpus: os.DirFS(dir), Now: c.now})
	if err != nil {
		t.Fatal(err)
	}
	lib2.Close()
	if !ch.Trusted {
		t.Errorf("the next Open after Settle: %+v, want the folders trusted", ch)
	}

	// A watch that began after the last RefreshChanged: not settled.
	lib, ns = openNarrow(t, dir, t.TempDir(), c, Options{})
	cheapTrusted()
	add(22)
	if err := lib.Settle(ctx, time.Now(), time.Now()); err != nil {
		t.Fatal(err)
	}
	if cheapTrusted() {
		t.Error("settled although the watch began after the last scan")
	}
	// A file that could not be parsed: its folder waits for a scan.
	since = time.Now()
	cheapTrusted()
	writeDoc(t, dir, "empty.txt", nil)
	aged()
	if ch, err := refreshPaths(lib, ns, []string{"empty.txt"}); err != nil || len(ch.Skipped) != 1 {
		t.Fatalf("an empty file: %+v, %v; want it skipped", ch, err)
	}
	if err := lib.Settle(ctx, since, time.Now()); err != nil {
		t.Fatal(err)
	}
	if cheapTrusted() {
		t.Error("settled although a file in the folder was skipped")
	}
}

// Renaming most of the folder to another extension is no mass deletion:
// the articles follow their files.
func TestRefreshPathsExtensionRenameIsNoDeletion(t *testing.T) {
	g := newBenchGen(t)
	t0 := time.Date(2025, 3, 10, 8, 0, 0, 0, time.UTC)
	c := &clock{t0}
	dir, data := t.TempDir(), t.TempDir()
	updateCorpus(t, g, dir, 0, 10)
	lib, _ := openNarrow(t, dir, data, c, Options{})
	c.t = t0.Add(time.Hour)
	var paths []string
	for i := range 8 {
		old := filepath.Join(dir, fmt.Sprintf("doc%04d.txt", i))
		if err := os.Rename(old, strings.TrimSuffix(old, ".txt")+".md"); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, fmt.Sprintf("doc%04d.txt", i), fmt.Sprintf("doc%04d.md", i))
	}
	ch, err := lib.RefreshPaths(context.Background(), paths) // 8 of 10: the store is read whole
	if err != nil || ch.Kept != 0 || ch.Deleted != 0 || ch.Added != 0 {
		t.Fatalf("8 of 10 renamed .txt -> .md: %+v, %v; want no hold, nothing deleted or added", ch, err)
	}
	got := answers(t, lib)
	if len(got.seen) != 10 || got.seen["doc0003"] != t0 {
		t.Errorf("after the rename: %d articles, doc0003 first seen %v; want 10 and %v", len(got.seen), got.seen["doc0003"], t0)
	}
	_, fresh := indexOnce(t, dir, t.TempDir(), c)
	sameAnswers(t, "renamed", got, fresh)
}
