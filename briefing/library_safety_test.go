package briefing

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"briefbot/briefing/store"
)

// safeArticle is a small article of its own about topic, written for these
// tests.
func safeArticle(name, topic string) string {
	return fmt.Sprintf("---\ntitle: %s report %s\nsource: %s Gazette\n---\n"+
		"Inspectors examined the %s %s programme this week and said the %s work would continue through spring. "+
		"Officials in the %s office described the schedule as demanding but achievable.\n", strings.ToUpper(name[:1])+name[1:], topic, name, name, topic, topic, name)
}

// writeSafe writes articles name.md about name's topic into dir.
func writeSafe(t *testing.T, dir string, names ...string) {
	t.Helper()
	for _, n := range names {
		if err := os.WriteFile(filepath.Join(dir, n+".md"), []byte(safeArticle(n, "q"+n)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func removeSafe(t *testing.T, dir string, names ...string) {
	t.Helper()
	for _, n := range names {
		if err := os.Remove(filepath.Join(dir, n+".md")); err != nil {
			t.Fatal(err)
		}
	}
}

// logBuffer is a slog destination safe for concurrent use.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func openSafe(t *testing.T, corpusDir, dataDir string, c *clock, opt Options) (*Library, *store.Store, Changes, *logBuffer) {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, dataDir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	logs := &logBuffer{}
	opt.Corpus, opt.Now = os.DirFS(corpusDir), c.now
	opt.Log = slog.New(slog.NewTextHandler(logs, nil))
	lib, ch, err := Open(ctx, st, opt)
	if err != nil {
		t.Fatal(err)
	}
	return lib, st, ch, logs
}

// newIDs returns the ids of the articles a digest over [since, until) lists.
func newIDs(t *testing.T, lib *Library, since, until time.Time) []string {
	t.Helper()
	d, err := lib.Digest(context.Background(), DigestRequest{Since: since, Until: until})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, it := range d.Items {
		ids = append(ids, it.Article.ID)
		for _, o := range it.Also {
			ids = append(ids, o.ID)
		}
	}
	slices.Sort(ids)
	return ids
}

func found(t *testing.T, lib *Library, question, id string) bool {
	t.Helper()
	ans, err := lib.Ask(context.Background(), question, AskOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ans.Passages {
		if p.Article.ID == id {
			return true
		}
	}
	return false
}

// A running library (serve) learns what another process (briefbot index)
// committed to the same data directory, without a restart.
func TestLibraryFollowsAnotherWriter(t *testing.T) {
	c := &clock{time.Date(2025, 3, 10, 8, 0, 0, 0, time.UTC)}
	dir, data := t.TempDir(), t.TempDir()
	writeSafe(t, dir, "harbour", "orchard")
	serving, _, _, logs := openSafe(t, dir, data, c, Options{})

	writeSafe(t, dir, "lighthouse")
	removeSafe(t, dir, "orchard")
	_, _, ch, _ := openSafe(t, dir, data, c, Options{}) // briefbot index
	if ch.Added != 1 || ch.Deleted != 1 {
		t.Fatalf("index: %+v, want 1 added, 1 deleted", ch)
	}
	if !found(t, serving, "lighthouse qlighthouse programme", "lighthouse") {
		t.Errorf("the article indexed by another process is not found without a restart")
	}
	if found(t, serving, "orchard qorchard programme", "orchard") {
		t.Errorf("the article deleted by another process is still found")
	}
	if !strings.Contains(logs.String(), "another process changed the store") {
		t.Errorf("the reload is not logged:\n%s", logs)
	}
	// Its own refresh then has nothing to do.
	if ch, err := serving.Refresh(context.Background()); err != nil || ch.Added+ch.Changed+ch.Deleted != 0 {
		t.Errorf("refresh after following: %+v %v, want nothing to do", ch, err)
	}
}

// Writers of one data directory take turns: a refresh waits while another
// process holds the write lock (and gives up when its context ends).
func TestRefreshWaitsForAnotherWriter(t *testing.T) {
	c := &clock{time.Date(2025, 3, 10, 8, 0, 0, 0, time.UTC)}
	dir, data := t.TempDir(), t.TempDir()
	writeSafe(t, dir, "harbour")
	lib, _, _, _ := openSafe(t, dir, data, c, Options{})
	other, err := store.Open(context.Background(), data)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	unlock, err := other.LockWrites(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	writeSafe(t, dir, "lighthouse")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := lib.Refresh(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("refresh while another process writes: %v, want it to wait until cancelled", err)
	}
	unlock()
	if ch, err := lib.Refresh(context.Background()); err != nil || ch.Added != 1 {
		t.Errorf("refresh once the lock is free: %+v %v, want 1 added", ch, err)
	}
}

// An emptied corpus folder (an unmounted volume) keeps its articles, with a
// warning, until the files come back or an operator confirms with Prune.
func TestEmptiedFolderKeepsArticles(t *testing.T) {
	c := &clock{time.Date(2025, 3, 10, 8, 0, 0, 0, time.UTC)}
	dir, data := t.TempDir(), t.TempDir()
	names := []string{"harbour", "orchard", "lighthouse", "quarry"}
	writeSafe(t, dir, names...)
	lib, _, _, logs := openSafe(t, dir, data, c, Options{})
	removeSafe(t, dir, names...)
	ch, err := lib.Refresh(context.Background())
	if err != nil || ch.Deleted != 0 || ch.Kept != 4 {
		t.Fatalf("emptied folder: %+v %v, want 4 kept, none deleted", ch, err)
	}
	if !strings.Contains(logs.String(), "most of the corpus folder vanished") || !strings.Contains(logs.String(), "--prune") {
		t.Errorf("no warning naming the way out:\n%s", logs)
	}
	if !found(t, lib, "quarry qquarry programme", "quarry") {
		t.Errorf("a kept article is not answered from")
	}
	// One file of four gone is an ordinary deletion.
	writeSafe(t, dir, names...)
	removeSafe(t, dir, "quarry")
	if ch, err := lib.Refresh(context.Background()); err != nil || ch.Deleted != 1 || ch.Kept != 0 {
		t.Errorf("one file gone: %+v %v, want 1 deleted", ch, err)
	}
	// An operator confirms.
	removeSafe(t, dir, "harbour", "orchard", "lighthouse")
	_, _, ch, _ = openSafe(t, dir, data, c, Options{Prune: true})
	if ch.Deleted != 3 || ch.Kept != 0 {
		t.Errorf("pruned: %+v, want 3 deleted", ch)
	}
}

// News is news once: articles that leave the folder and come back (emptied
// and restored, swapped for another corpus and back, deleted and re-added,
// copied) do not reach a digest again.
func TestReturningArticlesAreNotNewAgain(t *testing.T) {
	a := []string{"harbour", "orchard", "lighthouse", "quarry"}
	b := []string{"glacier", "vineyard", "foundry"}
	type step struct {
		do   func(t *testing.T, dir string)
		want []string // the articles this step makes new
	}
	emptied := step{func(t *testing.T, dir string) { removeSafe(t, dir, a...) }, nil}
	restored := step{func(t *testing.T, dir string) { writeSafe(t, dir, a...) }, nil}
	toB := step{func(t *testing.T, dir string) { removeSafe(t, dir, a...); writeSafe(t, dir, b...) }, []string{"foundry", "glacier", "vineyard"}}
	backToA := step{func(t *testing.T, dir string) { removeSafe(t, dir, b...); writeSafe(t, dir, a...) }, nil}
	cases := []struct {
		name  string
		prune bool
		steps []step
	}{
		{"emptied and restored", false, []step{emptied, restored}},
		{"emptied, pruned and restored", true, []step{emptied, restored}},
		{"re-synced to another corpus and back", false, []step{toB, backToA}},
		{"re-synced to another corpus and back, pruned", true, []step{toB, backToA}},
		{"one deleted and re-added", false, []step{
			{func(t *testing.T, dir string) { removeSafe(t, dir, "quarry") }, nil},
			{func(t *testing.T, dir string) { writeSafe(t, dir, "quarry") }, nil},
		}},
		{"copied under another name", false, []step{
			{func(t *testing.T, dir string) {
				os.WriteFile(filepath.Join(dir, "quarry-copy.md"), []byte(safeArticle("quarry", "qquarry")), 0o644)
			}, nil},
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := &clock{time.Date(2025, 3, 10, 8, 0, 0, 0, time.UTC)}
			dir, data := t.TempDir(), t.TempDir()
			writeSafe(t, dir, a...)
			lib, _, _, _ := openSafe(t, dir, data, c, Options{Prune: tc.prune})
			for i, s := range tc.steps {
				c.t = c.t.Add(time.Hour)
				s.do(t, dir)
				if _, err := lib.Refresh(context.Background()); err != nil {
					t.Fatal(err)
				}
				if got := newIDs(t, lib, c.t.Add(-time.Minute), c.t.Add(time.Minute)); !slices.Equal(got, s.want) {
					t.Errorf("step %d: new %v, want %v", i+1, got, s.want)
				}
			}
		})
	}
}

// A deleted article's content is remembered for 30 days: back later, it is
// news again.
func TestTombstonesExpire(t *testing.T) {
	start := time.Date(2025, 3, 10, 8, 0, 0, 0, time.UTC)
	c := &clock{start}
	dir, data := t.TempDir(), t.TempDir()
	writeSafe(t, dir, "harbour", "orchard", "lighthouse", "quarry")
	lib, _, _, _ := openSafe(t, dir, data, c, Options{})
	removeSafe(t, dir, "quarry")
	c.t = c.t.Add(time.Hour)
	lib.Refresh(context.Background())
	c.t = c.t.Add(31 * 24 * time.Hour)
	writeSafe(t, dir, "quarry")
	lib.Refresh(context.Background())
	if got := newIDs(t, lib, c.t.Add(-time.Minute), c.t.Add(time.Minute)); !slices.Equal(got, []string{"quarry"}) {
		t.Errorf("back after 31 days: new %v, want [quarry]", got)
	}
}

// The database removed or replaced under a running library is detected,
// said loudly, and neither refreshed nor used for a digest.
func TestLostStoreIsRefused(t *testing.T) {
	cases := []struct {
		name string
		lose func(t *testing.T, data string)
	}{
		{"removed", func(t *testing.T, data string) {
			for _, suffix := range []string{"", "-wal", "-shm"} {
				os.Remove(filepath.Join(data, store.FileName+suffix))
			}
		}},
		{"replaced by a fresh store", func(t *testing.T, data string) {
			fresh := t.TempDir()
			st, err := store.Open(context.Background(), fresh)
			if err != nil {
				t.Fatal(err)
			}
			st.Close()
			for _, suffix := range []string{"-wal", "-shm"} {
				os.Remove(filepath.Join(data, store.FileName+suffix))
			}
			if err := os.Rename(filepath.Join(fresh, store.FileName), filepath.Join(data, store.FileName)); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Date(2025, 3, 10, 8, 0, 0, 0, time.UTC)
			c := &clock{start}
			dir, data := t.TempDir(), t.TempDir()
			writeSafe(t, dir, "harbour", "orchard")
			lib, _, _, logs := openSafe(t, dir, data, c, Options{})
			tc.lose(t, data)
			writeSafe(t, dir, "lighthouse")
			c.t = c.t.Add(time.Hour)
			if _, err := lib.Refresh(context.Background()); !errors.Is(err, store.ErrLost) {
				t.Errorf("refresh on a lost store: %v, want ErrLost", err)
			}
			if _, err := lib.Digest(context.Background(), DigestRequest{Since: start.Add(-time.Hour), Until: c.t}); !errors.Is(err, store.ErrLost) {
				t.Errorf("digest from a lost store: %v, want ErrLost", err)
			}
			if n := strings.Count(logs.String(), "THE DATABASE CHANGED UNDER BRIEFBOT"); n != 1 {
				t.Errorf("the loss is reported %d times, want once:\n%s", n, logs)
			}
		})
	}
}

// An article too large for the space left is skipped with a warning; the
// others arrive, a restart works, and the article arrives once there is
// room.
func TestFullDiskSkipsOnlyWhatDoesNotFit(t *testing.T) {
	ctx := context.Background()
	c := &clock{time.Date(2025, 3, 10, 8, 0, 0, 0, time.UTC)}
	dir, data := t.TempDir(), t.TempDir()
	writeSafe(t, dir, "harbour", "orchard", "lighthouse")
	var big strings.Builder
	big.WriteString("---\ntitle: Almanac of everything\n---\n")
	for i := 0; big.Len() < 3<<20; i++ {
		fmt.Fprintf(&big, "Entry %d of the almanac records tide %d and wind %d at station %d.\n\n", i, i*7%101, i*13%59, i%97)
	}
	if err := os.WriteFile(filepath.Join(dir, "almanac.md"), []byte(big.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	open := func(maxBytes int64) (*Library, Changes, string) {
		t.Helper()
		st, err := store.OpenWith(ctx, data, store.Options{MaxBytes: maxBytes})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		logs := &logBuffer{}
		lib, ch, err := Open(ctx, st, Options{Corpus: os.DirFS(dir), Now: c.now, Log: slog.New(slog.NewTextHandler(logs, nil))})
		if err != nil {
			t.Fatalf("open with %d bytes: %v", maxBytes, err)
		}
		return lib, ch, logs.String()
	}
	lib, ch, logs := open(1 << 20)
	if ch.Added != 3 || ch.Full != 1 {
		t.Fatalf("on a small volume: %+v, want 3 added, 1 that does not fit", ch)
	}
	if !strings.Contains(logs, "almanac.md: not stored, the disk or database is full") || !strings.Contains(logs, "read-only") {
		t.Errorf("no warning naming the file and the full disk:\n%s", logs)
	}
	if !found(t, lib, "lighthouse qlighthouse programme", "lighthouse") {
		t.Errorf("an article that fits is not found")
	}
	if fi, err := os.Stat(filepath.Join(data, store.FileName+"-wal")); err == nil && fi.Size() > 1<<20 {
		t.Errorf("the write-ahead log keeps %d bytes after the failure", fi.Size())
	}
	// A restart on the same full volume works.
	lib, ch, _ = open(1 << 20)
	if ch.Added != 0 || ch.Full != 1 || !found(t, lib, "orchard qorchard programme", "orchard") {
		t.Errorf("restart on a full volume: %+v", ch)
	}
	// Room again: the article arrives.
	lib, ch, _ = open(0)
	if ch.Added != 1 || ch.Full != 0 || !found(t, lib, "almanac tide station", "almanac") {
		t.Errorf("with room: %+v, want the almanac added and found", ch)
	}
}

// denyFS is a folder whose files named in deny cannot be opened, as after
// a chmod 000 (which does not stop root, who runs the tests in CI).
type denyFS struct {
	fs.FS
	mu   sync.Mutex
	deny map[string]bool
}

func (d *denyFS) Open(name string) (fs.File, error) {
	d.mu.Lock()
	denied := d.deny[name]
	d.mu.Unlock()
	if denied {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrPermission}
	}
	return d.FS.Open(name)
}

func (d *denyFS) set(name string, denied bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.deny[name] = denied
}

// A file that cannot be read any more is re-checked at every refresh: its
// article is not served while it cannot be read, and comes back, not as
// news, once it can.
func TestUnreadableFileIsWithdrawnUntilReadable(t *testing.T) {
	ctx := context.Background()
	c := &clock{time.Date(2025, 3, 10, 8, 0, 0, 0, time.UTC)}
	dir := t.TempDir()
	writeSafe(t, dir, "harbour", "orchard", "lighthouse", "quarry")
	fsys := &denyFS{FS: os.DirFS(dir), deny: map[string]bool{}}
	st, err := store.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	logs := &logBuffer{}
	lib, _, err := Open(ctx, st, Options{Corpus: fsys, Now: c.now, Log: slog.New(slog.NewTextHandler(logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	fsys.set("quarry.md", true)
	c.t = c.t.Add(time.Hour)
	ch, err := lib.Refresh(ctx)
	if err != nil || ch.Deleted != 1 {
		t.Fatalf("refresh with an unreadable file: %+v %v, want its article withdrawn", ch, err)
	}
	if !strings.Contains(logs.String(), "quarry.md: cannot be read") {
		t.Errorf("no warning naming the unreadable file:\n%s", logs)
	}
	if found(t, lib, "quarry qquarry programme", "quarry") {
		t.Errorf("the unreadable file's article is still served")
	}
	fsys.set("quarry.md", false)
	c.t = c.t.Add(time.Hour)
	if ch, err := lib.Refresh(ctx); err != nil || ch.Added != 1 {
		t.Fatalf("refresh once readable: %+v %v, want it back", ch, err)
	}
	if !found(t, lib, "quarry qquarry programme", "quarry") {
		t.Errorf("the article is not served once its file is readable again")
	}
	if got := newIDs(t, lib, c.t.Add(-time.Minute), c.t.Add(time.Minute)); len(got) != 0 {
		t.Errorf("back from unreadable it is news again: %v", got)
	}
}

// Another corpus folder chosen on purpose (ask --corpus OTHER over the same
// data dir) is followed, not held back as a mass deletion; its articles are
// answered and the first folder's are not. Coming back is no news.
func TestAnotherCorpusFolderIsFollowed(t *testing.T) {
	c := &clock{time.Date(2025, 3, 10, 8, 0, 0, 0, time.UTC)}
	first, second, data := t.TempDir(), t.TempDir(), t.TempDir()
	writeSafe(t, first, "harbour", "orchard", "lighthouse", "quarry")
	writeSafe(t, second, "glacier")
	_, st, _, _ := openSafe(t, first, data, c, Options{CorpusID: first})
	st.Close()
	lib, _, ch, logs := openSafe(t, second, data, c, Options{CorpusID: second})
	if ch.Kept != 0 || ch.Deleted != 4 || ch.Added != 1 {
		t.Fatalf("switch to another folder: %+v, want 4 deleted, 1 added, none kept\n%s", ch, logs)
	}
	if found(t, lib, "quarry qquarry programme", "quarry") {
		t.Errorf("an article of the folder left behind is still answered")
	}
	if !found(t, lib, "glacier qglacier programme", "glacier") {
		t.Errorf("the chosen folder's article is not answered")
	}
	// The same folder emptied is still held back.
	removeSafe(t, second, "glacier")
	writeSafe(t, second, "a1", "a2", "a3")
	lib.Refresh(context.Background())
	removeSafe(t, second, "a1", "a2", "a3")
	if ch, _ := lib.Refresh(context.Background()); ch.Kept != 3 {
		t.Errorf("the same folder emptied: %+v, want 3 kept", ch)
	}
}
