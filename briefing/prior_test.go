package briefing_test

import (
	. "briefbot/briefing"
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"briefbot/briefing/store"
)

// updateCorpus writes articles first..last-1 of g into dir.
func updateCorpus(t *testing.T, g *benchGen, dir string, first, last int) {
	t.Helper()
	for i := first; i < last; i++ {
		writeDoc(t, dir, fmt.Sprintf("doc%04d.txt", i), g.article(i))
	}
}

func writeDoc(t *testing.T, dir, name string, data []byte) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// indexOnce opens (briefbot index: a full scan) the library of dir over
// data at c, and closes it.
func indexOnce(t *testing.T, dir, data string, c *clock) (Changes, libAnswers) {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, data)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	lib, ch, err := Open(ctx, st, Options{Corpus: os.DirFS(dir), Now: c.now, FullScan: true})
	if err != nil {
		t.Fatal(err)
	}
	defer lib.Close()
	return ch, answers(t, lib)
}

// libAnswers is what a library answers: the passages (article, seq, text)
// of fixed questions, and its articles (without first-seen times, which
// are when each was indexed).
type libAnswers struct {
	passages [][]string
	articles []Article
	seen     map[string]time.Time
}

var updateQuestions = []string{
	"what did sources say about the government?",
	"market prices and trade",
	"what happened in the city council?",
	"energy and climate policy",
	"police investigation",
	"company shares fell",
}

func answers(t *testing.T, lib *Library) libAnswers {
	t.Helper()
	ctx := context.Background()
	var out libAnswers
	for _, q := range updateQuestions {
		ans, err := lib.Ask(ctx, q, AskOptions{})
		if err != nil {
			t.Fatal(err)
		}
		var ps []string
		for _, p := range ans.Passages {
			ps = append(ps, fmt.Sprintf("%s#%d %s", p.Article.ID, p.Seq, p.Text))
		}
		out.passages = append(out.passages, ps)
	}
	arts, err := lib.Articles(ctx)
	if err != nil {
		t.Fatal(err)
	}
	out.seen = map[string]time.Time{}
	for _, a := range arts {
		out.seen[a.ID] = a.FirstSeen
		a.FirstSeen = time.Time{}
		out.articles = append(out.articles, a)
	}
	return out
}

func sameAnswers(t *testing.T, what string, got, want libAnswers) {
	t.Helper()
	n := 0
	for _, ps := range want.passages {
		n += len(ps)
	}
	if n == 0 {
		t.Fatalf("%s: the questions find nothing; the test proves nothing", what)
	}
	if !reflect.DeepEqual(got.passages, want.passages) {
		t.Errorf("%s: answers differ from a fresh index's:\n got %q\nwant %q", what, got.passages, want.passages)
	}
	if !reflect.DeepEqual(got.articles, want.articles) {
		t.Errorf("%s: %d articles differ from a fresh index's %d", what, len(got.articles), len(want.articles))
	}
}

// An update of a few files (added, changed, deleted, renamed, copies of
// stored and of deleted content), which looks up only those files in the
// store, leaves the library a fresh index of the final corpus would be,
// with the first-seen times a full read of the store gives.
func TestSmallUpdateMatchesFreshIndex(t *testing.T) {
	g := newBenchGen(t)
	t0 := time.Date(2025, 3, 10, 8, 0, 0, 0, time.UTC)
	c := &clock{t0}
	dir, data := t.TempDir(), t.TempDir()
	const n = 600
	updateCorpus(t, g, dir, 0, n)
	if ch, _ := indexOnce(t, dir, data, c); ch.Added != n {
		t.Fatalf("first index: %+v, want %d added", ch, n)
	}

	// Round 1: more than one batch of files, less than a quarter of the
	// corpus (the files are looked up, not the store read whole).
	c.t = t0.Add(time.Hour)
	updateCorpus(t, g, dir, n, n+130)                                              // added
	writeDoc(t, dir, "doc0010.txt", g.article(5010))                               // changed
	writeDoc(t, dir, "doc0011.txt", g.article(5011))                               // changed
	writeDoc(t, dir, "doc9000.txt", g.article(10))                                 // doc0010's old content, in a later batch
	writeDoc(t, dir, "doc9001.txt", g.article(40))                                 // a copy of doc0040
	writeDoc(t, dir, "doc0002.txt", g.article(41))                                 // doc0002 becomes a copy of doc0041
	os.Rename(filepath.Join(dir, "doc0030.txt"), filepath.Join(dir, "doc0030.md")) // the same article
	for _, i := range []int{20, 21, 22} {
		os.Remove(filepath.Join(dir, fmt.Sprintf("doc%04d.txt", i)))
	}
	ch, got := indexOnce(t, dir, data, c)
	if ch.Added != 132 || ch.Changed != 3 || ch.Deleted != 3 || ch.Unchanged != n-6 {
		t.Errorf("round 1: %+v, want 132 added, 3 changed, 3 deleted, %d unchanged", ch, n-6)
	}
	for id, want := range map[string]time.Time{
		"doc0010": t0, "doc9000": t0, "doc9001": t0, "doc0030": t0, "doc0002": t0, "doc0600": c.t,
	} {
		if got.seen[id] != want {
			t.Errorf("round 1: %s first seen %v, want %v", id, got.seen[id], want)
		}
	}
	_, fresh := indexOnce(t, dir, t.TempDir(), c)
	sameAnswers(t, "round 1", got, fresh)

	// Round 2: deleted content comes back (its tombstone keeps its
	// first-seen time); nothing else changed.
	c.t = t0.Add(2 * time.Hour)
	writeDoc(t, dir, "doc9002.txt", g.article(20))
	ch, got = indexOnce(t, dir, data, c)
	if ch.Added != 1 || ch.Changed+ch.Deleted != 0 {
		t.Errorf("round 2: %+v, want 1 added", ch)
	}
	if got.seen["doc9002"] != t0 {
		t.Errorf("round 2: deleted content back, first seen %v, want %v", got.seen["doc9002"], t0)
	}
	_, fresh = indexOnce(t, dir, t.TempDir(), c)
	sameAnswers(t, "round 2", got, fresh)

	// Nothing changed: nothing to do.
	if ch, _ := indexOnce(t, dir, data, c); ch.Added+ch.Changed+ch.Deleted != 0 || ch.Unchanged != n+130 {
		t.Errorf("unchanged: %+v", ch)
	}
}

// A database made before the lookup indexes gets them when opened, and
// answers as it did.
func TestOldDatabaseUpgrades(t *testing.T) {
	g := newBenchGen(t)
	c := &clock{time.Date(2025, 3, 10, 8, 0, 0, 0, time.UTC)}
	dir, data := t.TempDir(), t.TempDir()
	updateCorpus(t, g, dir, 0, 80)
	_, before := indexOnce(t, dir, data, c)

	indexes := func() []string {
		db, err := sql.Open("sqlite", filepath.Join(data, store.FileName))
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		rows, err := db.Query(`SELECT name FROM sqlite_master WHERE type = 'index' AND name IN ('articles_dir', 'articles_path', 'articles_hash', 'tombstones_deleted') ORDER BY name`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var name string
			rows.Scan(&name)
			out = append(out, name)
		}
		return out
	}
	want := []string{"articles_dir", "articles_hash", "articles_path", "tombstones_deleted"}
	if got := indexes(); !reflect.DeepEqual(got, want) {
		t.Fatalf("indexes of a new database: %v, want %v", got, want)
	}
	db, err := sql.Open("sqlite", filepath.Join(data, store.FileName))
	if err != nil {
		t.Fatal(err)
	}
	for _, ix := range want {
		if _, err := db.Exec(`DROP INDEX ` + ix); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	if got := indexes(); len(got) != 0 {
		t.Fatalf("indexes not dropped: %v", got)
	}

	ch, after := indexOnce(t, dir, data, c)
	if ch.Added+ch.Changed+ch.Deleted != 0 {
		t.Errorf("reopen of the old database: %+v, want nothing to do", ch)
	}
	if got := indexes(); !reflect.DeepEqual(got, want) {
		t.Errorf("indexes after the upgrade: %v, want %v", got, want)
	}
	sameAnswers(t, "upgraded", after, before)

	// And a small update over it is the fresh index's.
	updateCorpus(t, g, dir, 80, 85)
	os.Remove(filepath.Join(dir, "doc0003.txt"))
	if ch, _ := indexOnce(t, dir, data, c); ch.Added != 5 || ch.Deleted != 1 {
		t.Errorf("update of the upgraded database: %+v", ch)
	}
	_, got := indexOnce(t, dir, data, c)
	_, fresh := indexOnce(t, dir, t.TempDir(), c)
	sameAnswers(t, "upgraded and updated", got, fresh)
}
