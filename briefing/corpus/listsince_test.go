package corpus

import (
	"fmt"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// TestListSince checks what ListSince reads after each kind of change,
// against what List finds.
func TestListSince(t *testing.T) {
	dir := t.TempDir()
	write := func(name string) {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("A title\n\nSome text.\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	age := func(names ...string) {
		t.Helper()
		old := time.Now().Add(-time.Hour)
		for _, n := range names {
			if err := os.Chtimes(filepath.Join(dir, n), old, old); err != nil {
				t.Fatal(err)
			}
		}
	}
	write("a.txt")
	write("b.md")
	write("world/c.txt")
	write(".hidden/d.txt")
	age(".", "world")
	fsys := os.DirFS(dir)

	first, errs := ListSince(fsys, nil, nil, time.Now())
	full, _ := List(fsys)
	if len(errs) > 0 || !slices.Equal(first.Files, full) || len(present(first, nil)) != 0 {
		t.Fatalf("first listing: %+v %v, want List's %+v", first, errs, full)
	}
	if len(first.Dirs) != 2 || first.Dirs["."].IsZero() || first.Dirs["world"].IsZero() {
		t.Fatalf("first listing recorded folders %v, want . and world with their times", first.Dirs)
	}
	known := []string{"a.txt", "b.md", "world/c.txt"}

	var asked []string
	again, _ := ListSince(fsys, first.Dirs, func(dir string) []string {
		asked = append(asked, dir)
		return knownIn(known)(dir)
	}, time.Now())
	if len(again.Files) != 0 || !slices.Equal(present(again, known), known) || len(asked) != 0 {
		t.Errorf("nothing changed: stat-ed %v, known %v, asked what is known in %q", again.Files, present(again, known), asked)
	}

	write("world/e.txt")
	if err := os.Remove(filepath.Join(dir, "a.txt")); err != nil {
		t.Fatal(err)
	}
	age(".", "world")
	changed, _ := ListSince(fsys, first.Dirs, knownIn(known), time.Now())
	if len(changed.Files) != 1 || changed.Files[0].Path != "world/e.txt" {
		t.Errorf("one added: stat-ed %v, want only world/e.txt", changed.Files)
	}
	if got := present(changed, known); !slices.Equal(got, []string{"b.md", "world/c.txt"}) {
		t.Errorf("one removed: known present %v", got)
	}

	write("x.txt") // the folder's time is now: listed, not trusted next time
	recent, _ := ListSince(fsys, changed.Dirs, knownIn([]string{"b.md", "world/c.txt", "world/e.txt"}), time.Now())
	if !recent.Dirs["."].IsZero() {
		t.Errorf("a folder changed just now was recorded as trusted")
	}
	if len(recent.Files) != 1 || recent.Files[0].Path != "x.txt" {
		t.Errorf("recent folder: stat-ed %v, want x.txt", recent.Files)
	}

	if _, errs := ListSince(os.DirFS(filepath.Join(dir, "missing")), nil, nil, time.Now()); len(errs) != 1 {
		t.Errorf("a missing root: %v, want one error", errs)
	}
}

// knownIn gives ListSince the paths of known in a folder.
func knownIn(known []string) func(string) []string {
	return func(dir string) []string {
		var in []string
		for _, p := range known {
			if path.Dir(p) == dir {
				in = append(in, p)
			}
		}
		return in
	}
}

// present returns, sorted, the known paths ls found present: those of the
// folders it trusted, and those found in the folders it read.
func present(ls Listing, known []string) []string {
	read := map[string]bool{}
	var out []string
	for _, f := range ls.Read {
		read[f.Dir] = true
		for i, p := range f.Known {
			if f.Present[i] {
				out = append(out, p)
			}
		}
	}
	for _, p := range known {
		if d := path.Dir(p); !read[d] && !ls.Dirs[d].IsZero() {
			out = append(out, p)
		}
	}
	slices.Sort(out)
	return out
}

// TestUnchanged checks when the recorded folder times alone say that
// nothing was added, removed or renamed.
func TestUnchanged(t *testing.T) {
	old := time.Date(2025, 2, 1, 12, 0, 0, 0, time.UTC)
	now := old.Add(time.Hour)
	dir := t.TempDir()
	world := filepath.Join(dir, "world")
	if err := os.Mkdir(world, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{filepath.Join(dir, "a.txt"), filepath.Join(world, "b.txt")} {
		if err := os.WriteFile(p, []byte("A\n\nOne.\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range []string{world, dir} {
		if err := os.Chtimes(d, old, old); err != nil {
			t.Fatal(err)
		}
	}
	fsys := os.DirFS(dir)
	ls, errs := ListSince(fsys, nil, nil, now)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if !Unchanged(fsys, ls.Dirs, now) {
		t.Fatalf("folders untouched since their listing are not Unchanged: %v", ls.Dirs)
	}
	without := func(d string) map[string]time.Time {
		m := maps.Clone(ls.Dirs)
		delete(m, d)
		return m
	}
	with := func(d string, at time.Time) map[string]time.Time {
		m := maps.Clone(ls.Dirs)
		m[d] = at
		return m
	}
	cases := []struct {
		name string
		dirs map[string]time.Time
		now  time.Time
	}{
		{"nothing recorded", nil, now},
		{"root not recorded", without("."), now},
		{"a folder untrusted", with("world", time.Time{}), now},
		{"a folder changed", with("world", old.Add(-time.Minute)), now},
		{"a folder gone", with("gone", old), now},
		{"too recent to trust", ls.Dirs, old.Add(time.Second)},
	}
	for _, c := range cases {
		if Unchanged(fsys, c.dirs, c.now) {
			t.Errorf("%s: Unchanged, want changed", c.name)
		}
	}
	if err := os.WriteFile(filepath.Join(world, "c.txt"), []byte("C\n\nTwo.\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if Unchanged(fsys, ls.Dirs, time.Now().Add(time.Hour)) {
		t.Errorf("a folder with a new file is still Unchanged")
	}
}

func TestNameSet(t *testing.T) {
	var names []string
	for i := range 1000 {
		names = append(names, fmt.Sprintf("news/doc%06d.txt", i))
	}
	s := newNameSet(names)
	for _, n := range names {
		if i := s.find(n); i < 0 || names[i] != n {
			t.Fatalf("%s: not found among the names it was made of", n)
		}
	}
	for _, n := range []string{"", "news/doc001000.txt", "news/doc00000.txt", "doc000001.txt", "news/doc000001.txt "} {
		if s.find(n) >= 0 {
			t.Errorf("%q: found, but it is not one of the names", n)
		}
	}
	if newNameSet(nil).find("a.txt") >= 0 {
		t.Error("an empty set has a name")
	}
}

// A folder of more files than a batch is stat-ed on every core: the same
// files as List finds, links followed, and the same broken links reported.
func TestListSinceStatsInParallel(t *testing.T) {
	dir := t.TempDir()
	for i := range 2*readDirBatch + 7 {
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("doc%05d.txt", i)), []byte(fmt.Sprintf("Title %d\n\nText.\n", i)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for i, target := range []string{"doc00001.txt", "missing.txt", "doc00002.txt", "gone.md"} {
		if err := os.Symlink(target, filepath.Join(dir, fmt.Sprintf("link%d.md", i))); err != nil {
			t.Fatal(err)
		}
	}
	fsys := os.DirFS(dir)
	want, wantErrs := List(fsys)
	got, errs := ListSince(fsys, nil, nil, time.Now())
	if !slices.Equal(got.Files, want) {
		t.Errorf("ListSince found %d files, List %d", len(got.Files), len(want))
	}
	if len(errs) != 2 || len(wantErrs) != 2 {
		t.Fatalf("broken links: ListSince reported %v, List %v; want the 2", errs, wantErrs)
	}
	texts := func(errs []error) []string {
		var out []string
		for _, e := range errs {
			out = append(out, e.Error())
		}
		slices.Sort(out) // ListSince reports in the folder's order, List in the names'
		return out
	}
	if a, b := texts(errs), texts(wantErrs); !slices.Equal(a, b) {
		t.Errorf("broken links: ListSince reported %q, List %q", a, b)
	}
}
