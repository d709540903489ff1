package corpus

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// watching runs a Watcher over dir until the test ends and returns the
// batches it hands over, as they come.
func watching(t *testing.T, dir string, opt WatchOptions) <-chan Batch {
	t.Helper()
	w, err := NewWatcher(dir, opt)
	if err != nil {
		t.Skipf("no file events here: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	out := make(chan Batch, 100)
	var wg sync.WaitGroup
	wg.Go(func() {
		w.Run(ctx, func(ctx context.Context, b Batch) { out <- b })
	})
	t.Cleanup(func() { cancel(); wg.Wait() })
	return out
}

// collect gathers the batches' paths until want are all seen, or a batch
// asks for a rescan when rescan is set; the deadline only stops a broken
// test from hanging.
func collect(t *testing.T, batches <-chan Batch, want []string, rescan bool) []string {
	t.Helper()
	var got []string
	deadline := time.After(10 * time.Second)
	for {
		select {
		case b := <-batches:
			if b.Rescan != "" && !rescan {
				t.Fatalf("unexpected rescan: %s", b.Rescan)
			}
			if b.Rescan != "" && rescan {
				got = append(got, b.Paths...)
				if strings.Contains(b.Rescan, string(filepath.Separator)+"tmp") || filepath.IsAbs(b.Rescan) {
					t.Errorf("the reason names an OS path: %q", b.Rescan)
				}
				return append(got, "RESCAN")
			}
			if !slices.IsSorted(b.Paths) || len(slices.Compact(slices.Clone(b.Paths))) != len(b.Paths) {
				t.Errorf("a batch's paths are not sorted and unique: %q", b.Paths)
			}
			got = append(got, b.Paths...)
			if !rescan && containsAll(got, want) {
				return got
			}
		case <-deadline:
			t.Fatalf("batches so far %q; want %q (rescan %v)", got, want, rescan)
		}
	}
}

func containsAll(got, want []string) bool {
	for _, w := range want {
		if !slices.Contains(got, w) {
			return false
		}
	}
	return true
}

func write(t *testing.T, name, text string) {
	t.Helper()
	if err := os.WriteFile(name, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestWatcherReportsArticleChanges(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "sub", "deep"), 0o755)
	os.MkdirAll(filepath.Join(dir, ".git"), 0o755)
	write(t, filepath.Join(dir, "old.txt"), "old")
	write(t, filepath.Join(dir, "gone.md"), "gone")
	batches := watching(t, dir, WatchOptions{Quiet: 50 * time.Millisecond, Max: time.Second})

	// Ignored: hidden names, hidden folders, non-articles.
	write(t, filepath.Join(dir, ".draft.txt"), "x")
	write(t, filepath.Join(dir, ".git", "HEAD.txt"), "x")
	write(t, filepath.Join(dir, "notes.pdf"), "x")
	// Reported: new (in a folder watched from the start), written, removed,
	// renamed (both names).
	write(t, filepath.Join(dir, "sub", "deep", "new.html"), "<p>new</p>")
	write(t, filepath.Join(dir, "old.txt"), "edited")
	os.Remove(filepath.Join(dir, "gone.md"))
	os.Rename(filepath.Join(dir, "sub", "deep", "new.html"), filepath.Join(dir, "sub", "moved.htm"))
	want := []string{"gone.md", "old.txt", "sub/deep/new.html", "sub/moved.htm"}
	got := collect(t, batches, want, false)
	for _, p := range got {
		if !slices.Contains(want, p) {
			t.Errorf("reported %q, which is hidden or not an article", p)
		}
	}
	select {
	case b := <-batches:
		t.Errorf("an extra batch: %+v", b)
	case <-time.After(200 * time.Millisecond):
	}
}

func TestWatcherFollowsFolders(t *testing.T) {
	dir := t.TempDir()
	batches := watching(t, dir, WatchOptions{Quiet: 50 * time.Millisecond, Max: time.Second})

	// A new folder asks for a rescan, and is watched from then on.
	os.MkdirAll(filepath.Join(dir, "a", "b"), 0o755)
	collect(t, batches, nil, true)
	write(t, filepath.Join(dir, "a", "b", "x.txt"), "x")
	collect(t, batches, []string{"a/b/x.txt"}, false)

	// A folder renamed: rescan; its new name is watched.
	if err := os.Rename(filepath.Join(dir, "a"), filepath.Join(dir, "c")); err != nil {
		t.Fatal(err)
	}
	collect(t, batches, nil, true)
	write(t, filepath.Join(dir, "c", "b", "y.txt"), "y")
	collect(t, batches, []string{"c/b/y.txt"}, false)

	// A folder removed: rescan.
	if err := os.RemoveAll(filepath.Join(dir, "c")); err != nil {
		t.Fatal(err)
	}
	collect(t, batches, nil, true)
}

// A steady stream of writes is handed over within Max, not held until it
// stops; too many names at once make a rescan.
func TestWatcherBoundsTheWait(t *testing.T) {
	dir := t.TempDir()
	batches := watching(t, dir, WatchOptions{Quiet: 300 * time.Millisecond, Max: 600 * time.Millisecond, MaxPaths: 50})
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond): // faster than Quiet
			}
			os.WriteFile(filepath.Join(dir, "stream.txt"), []byte(strings.Repeat("x", i)), 0o644)
		}
	})
	got := collect(t, batches, []string{"stream.txt"}, false)
	close(stop)
	wg.Wait()
	if len(got) == 0 {
		t.Fatal("nothing handed over")
	}
	for i := range 60 {
		write(t, filepath.Join(dir, "many"+strings.Repeat("x", i)+".txt"), "x")
	}
	deadline := time.After(10 * time.Second) // only stops a broken test from hanging
	for {
		select {
		case b := <-batches:
			if b.Rescan == "" {
				continue
			}
			if !b.Lost || len(b.Paths) > 50 {
				t.Errorf("60 names, MaxPaths 50: %d paths, lost %v (%s)", len(b.Paths), b.Lost, b.Rescan)
			}
			return
		case <-deadline:
			t.Fatal("60 names, MaxPaths 50: no batch says names were lost")
		}
	}
}

// Once the corpus is quiet after a batch, a Settled batch follows, once.
func TestWatcherSettles(t *testing.T) {
	dir := t.TempDir()
	batches := watching(t, dir, WatchOptions{Quiet: 50 * time.Millisecond, Max: time.Second, Settle: time.Millisecond /* raised to 2.5s */})
	write(t, filepath.Join(dir, "a.txt"), "a")
	var saw []string
	deadline := time.After(20 * time.Second) // only stops a broken test from hanging
	for {
		select {
		case b := <-batches:
			if b.Settled {
				if len(b.Paths) != 0 || b.Rescan != "" || !slices.Contains(saw, "a.txt") {
					t.Errorf("settled batch %+v after %q", b, saw)
				}
				select {
				case b := <-batches:
					t.Errorf("another batch after settling, with nothing changed: %+v", b)
				case <-time.After(time.Second):
				}
				return
			}
			saw = append(saw, b.Paths...)
		case <-deadline:
			t.Fatalf("no settled batch after %q", saw)
		}
	}
}
