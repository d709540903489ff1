package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"briefbot/briefing"
)

func TestArticlesAndPassagesRoundTrip(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	seen := time.Date(2025, 2, 1, 9, 0, 0, 0, time.UTC)
	a := Article{ID: "a/one", Path: "a/one.md", Title: "One", Source: "Ledger", Published: time.Date(2025, 1, 30, 0, 0, 0, 0, time.UTC),
		Hash: "h1", Size: 10, ModTime: seen, FirstSeen: seen}
	ps := []Passage{{Seq: 0, Start: 0, End: 5, Text: "Hello"}, {Seq: 1, Start: 6, End: 11, Text: "world"}}
	if err := s.Update(ctx, func(tx briefing.Tx) error { return tx.PutArticle(ctx, &a, ps) }); err != nil {
		t.Fatal(err)
	}
	if a.Ord == 0 || ps[0].ID == 0 || ps[1].ID <= ps[0].ID {
		t.Fatalf("ids not assigned: ord %d, passages %d %d", a.Ord, ps[0].ID, ps[1].ID)
	}
	s.Close()

	// Reopen: everything is still there.
	s, err = Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	list, err := s.Articles(ctx)
	if err != nil || len(list) != 1 {
		t.Fatalf("articles = %v, %v", list, err)
	}
	got := list[0]
	if got.ID != "a/one" || got.Title != "One" || !got.Published.Equal(a.Published) || !got.FirstSeen.Equal(seen) || !got.ModTime.Equal(seen) {
		t.Errorf("article round trip: %+v", got)
	}
	byID, err := s.Passages(ctx, []int64{ps[1].ID})
	if err != nil || byID[ps[1].ID].Text != "world" {
		t.Errorf("passage round trip: %+v %v", byID, err)
	}

	// Replacing keeps ord and first-seen, renews passages.
	a.Hash, a.FirstSeen = "h2", seen.Add(time.Hour)
	repl := []Passage{{Seq: 0, Start: 0, End: 3, Text: "New"}}
	if err := s.Update(ctx, func(tx briefing.Tx) error { return tx.PutArticle(ctx, &a, repl) }); err != nil {
		t.Fatal(err)
	}
	got2, _ := s.ArticlePassages(ctx, a.Ord)
	if len(got2) != 1 || got2[0].Text != "New" || got2[0].ID <= ps[1].ID {
		t.Errorf("replaced passages: %+v", got2)
	}
	if in, _ := s.ArticlesSeen(ctx, seen, seen.Add(time.Minute)); len(in) != 1 {
		t.Errorf("first-seen changed on replace: %+v", in)
	}

	// Delete.
	if err := s.Update(ctx, func(tx briefing.Tx) error { return tx.DeleteArticle(ctx, a.Ord) }); err != nil {
		t.Fatal(err)
	}
	if list, _ := s.Articles(ctx); len(list) != 0 {
		t.Errorf("after delete: %+v", list)
	}
	if left, _ := s.ArticlePassages(ctx, a.Ord); len(left) != 0 {
		t.Errorf("passages left after delete: %+v", left)
	}
}

func TestMeta(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if v, err := s.Meta(ctx, "k"); v != "" || err != nil {
		t.Errorf("absent meta = %q, %v", v, err)
	}
	s.SetMeta(ctx, "k", "1")
	s.SetMeta(ctx, "k", "2")
	if v, _ := s.Meta(ctx, "k"); v != "2" {
		t.Errorf("meta = %q, want 2", v)
	}
}

// A mass delete or a question over a large corpus can ask for more rows by
// ord or id than SQLite takes parameters in one statement (32766).
func TestLookupsPastSQLiteParameterLimit(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var ords, pids []int64
	if err := s.Update(ctx, func(tx briefing.Tx) error {
		for i := range 3 {
			a := Article{ID: fmt.Sprintf("a/%d", i), Path: fmt.Sprintf("a/%d.txt", i), Title: "T", Hash: fmt.Sprintf("h%d", i)}
			ps := []Passage{{Text: "text"}}
			if err := tx.PutArticle(ctx, &a, ps); err != nil {
				return err
			}
			ords, pids = append(ords, a.Ord), append(pids, ps[0].ID)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	const many = 40000
	askOrds, askIDs := make([]int64, 0, many), make([]int64, 0, many)
	for i := range int64(many) {
		askOrds, askIDs = append(askOrds, 1000000+i), append(askIDs, 1000000+i)
	}
	askOrds, askIDs = append(askOrds, ords...), append(askIDs, pids...)
	arts, err := s.ArticlesByOrd(ctx, askOrds)
	if err != nil || len(arts) != 3 {
		t.Fatalf("ArticlesByOrd of %d ords: %d found, %v; want the 3 stored", len(askOrds), len(arts), err)
	}
	ps, err := s.Passages(ctx, askIDs)
	if err != nil || len(ps) != 3 {
		t.Fatalf("Passages of %d ids: %d found, %v; want the 3 stored", len(askIDs), len(ps), err)
	}
}

// Paths gives the paths directly in a folder, sorted, a shared path
// twice, through the folder index, and a path holding a newline (file
// names may) intact.
func TestPaths(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got, err := s.Paths(ctx, "."); err != nil || len(got) != 0 {
		t.Fatalf("empty store: %q, %v", got, err)
	}
	n := 0
	put := func(paths ...string) {
		t.Helper()
		if err := s.Update(ctx, func(tx briefing.Tx) error {
			for _, p := range paths {
				n++
				a := Article{ID: fmt.Sprint("id", n), Path: p, Title: "T", Hash: fmt.Sprint("h", n)}
				if err := tx.PutArticle(ctx, &a, []Passage{{Text: "text"}}); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	put("world/b.txt", "a.txt", "", "world/a.md", "world/deep/c.txt", "worlds/x.txt", "world0.txt")
	put("a.txt") // a second article on a path (a file renamed onto another's)
	for dir, want := range map[string][]string{
		".":          {"a.txt", "a.txt", "world0.txt"},
		"world":      {"world/a.md", "world/b.txt"},
		"world/deep": {"world/deep/c.txt"},
		"worlds":     {"worlds/x.txt"},
		"missing":    nil,
	} {
		if got, err := s.Paths(ctx, dir); err != nil || !slices.Equal(got, want) {
			t.Errorf("Paths(%q) = %q, %v; want %q", dir, got, err, want)
		}
	}
	if c, err := s.PathCount(ctx, 100); err != nil || c != 7 {
		t.Errorf("PathCount(100) = %d, %v; want the 7 articles with a path", c, err)
	}
	if c, err := s.PathCount(ctx, 3); err != nil || c != 3 {
		t.Errorf("PathCount(3) = %d, %v; want 3: the count stops there", c, err)
	}

	// Past a chunk of joined paths, with a path shared across its end.
	var want []string
	for i := range pathsChunk + 4 {
		want = append(want, fmt.Sprintf("z/%05d.txt", i))
	}
	put(want...)
	last := want[pathsChunk-1]
	put(last, last)
	want = append(want, last, last)
	slices.Sort(want)
	if got, err := s.Paths(ctx, "z"); err != nil || !slices.Equal(got, want) {
		t.Errorf("past a chunk: %d paths, %v; want %d, %q three times", len(got), err, len(want), last)
	}
	put("z/line\nbreak.txt")
	want = append(want, "z/line\nbreak.txt")
	slices.Sort(want)
	if got, err := s.Paths(ctx, "z"); err != nil || !slices.Equal(got, want) {
		t.Errorf("with a newline in a name: %d paths, %v; want %d", len(got), err, len(want))
	}

	// The folder is found through its index, not by reading every path.
	rows, err := s.db.QueryContext(ctx, `EXPLAIN QUERY PLAN SELECT path FROM articles WHERE `+folderOf+` = ? AND path > ? ORDER BY path LIMIT 10`, "z/", "z/")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	if len(plan) != 1 || !strings.Contains(plan[0], "USING COVERING INDEX articles_dir") {
		t.Errorf("query plan %q: want a search of the covering index articles_dir", plan)
	}
}
