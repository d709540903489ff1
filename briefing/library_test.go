package briefing_test

import (
	. "briefbot/briefing"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"briefbot/briefing/corpus"
	"briefbot/briefing/store"
)

// clock is a settable time source.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

// copyCorpus copies testdata/news into a temp dir the test may change.
func copyCorpus(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	entries, err := os.ReadDir("testdata/news")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join("testdata/news", e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, e.Name()), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func openLib(t *testing.T, corpusDir, dataDir string, c *clock) (*Library, Changes) {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, dataDir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	lib, ch, err := Open(ctx, st, Options{Corpus: os.DirFS(corpusDir), Now: c.now})
	if err != nil {
		t.Fatal(err)
	}
	return lib, ch
}

func TestAskGroupsBySourceWithVerbatimQuotes(t *testing.T) {
	c := &clock{time.Date(2025, 3, 10, 8, 0, 0, 0, time.UTC)}
	lib, _ := openLib(t, copyCorpus(t), t.TempDir(), c)
	ans, err := lib.Ask(context.Background(), "what did sources say about export controls?", AskOptions{K: 5})
	if err != nil {
		t.Fatal(err)
	}
	if ans.Topic != "export controls" {
		t.Errorf("topic = %q, want export controls", ans.Topic)
	}
	docs := map[string]bool{}
	for _, p := range ans.Passages {
		docs[p.Article.ID] = true
	}
	for _, want := range []string{"chips-ledger", "chips-courier", "budget"} {
		if !docs[want] {
			t.Errorf("passages lack %s; got %v", want, docs)
		}
	}
	if docs["garden"] {
		t.Errorf("the garden story is not about export controls, got it among %v", docs)
	}
	seen := map[string]bool{}
	n := 0
	for _, g := range ans.Groups {
		if seen[g.Article.ID] {
			t.Errorf("article %s has two groups", g.Article.ID)
		}
		seen[g.Article.ID] = true
		if len(g.Quotes) == 0 || len(g.Quotes) > 2 {
			t.Errorf("%s: %d quotes, want 1 or 2", g.Article.ID, len(g.Quotes))
		}
		for _, q := range g.Quotes {
			n++
			if q.Cite != n {
				t.Errorf("citation %d out of order (want %d)", q.Cite, n)
			}
			p := ans.Passages[ans.Citations[q.Cite-1].Passage]
			if !strings.Contains(p.Text, q.Text) {
				t.Errorf("quote [%d] is not verbatim from its passage: %q", q.Cite, q.Text)
			}
		}
	}
	if ans.Subject != "export controls" {
		t.Errorf("subject = %q, want export controls", ans.Subject)
	}
}

// A question in the words of an article's title finds it, even when its
// text says the same thing in other words.
func TestAskFindsArticlesByTitle(t *testing.T) {
	c := &clock{time.Date(2025, 3, 10, 8, 0, 0, 0, time.UTC)}
	lib, _ := openLib(t, copyCorpus(t), t.TempDir(), c)
	ans, err := lib.Ask(context.Background(), "which startup trained a model on a small budget?", AskOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(ans.Passages) == 0 || ans.Passages[0].Article.ID != "budget" {
		t.Errorf("want the budget article first, got %+v", ans.Passages)
	}
}

func TestAskNothingRelevant(t *testing.T) {
	c := &clock{time.Date(2025, 3, 10, 8, 0, 0, 0, time.UTC)}
	lib, _ := openLib(t, copyCorpus(t), t.TempDir(), c)
	for _, q := range []string{"who won the FIFA World Cup?", "what did sources say about the Olympic marathon?"} {
		ans, err := lib.Ask(context.Background(), q, AskOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if len(ans.Passages) != 0 {
			t.Errorf("%q: got %d passages, want none", q, len(ans.Passages))
		}
		if ans.Corpus.Articles != 4 || len(ans.Corpus.Topics) == 0 || ans.Corpus.Earliest.IsZero() {
			t.Errorf("%q: the answer should say what the corpus covers: %+v", q, ans.Corpus)
		}
	}
}

func TestAskRejectsBadQuestions(t *testing.T) {
	c := &clock{time.Now()}
	lib, _ := openLib(t, copyCorpus(t), t.TempDir(), c)
	if _, err := lib.Ask(context.Background(), "   ", AskOptions{}); err != ErrEmptyQuestion {
		t.Errorf("empty question: err = %v", err)
	}
	if _, err := lib.Ask(context.Background(), strings.Repeat("a", MaxQuestion+1), AskOptions{}); err != ErrLongQuestion {
		t.Errorf("long question: err = %v", err)
	}
}

func TestRefreshPicksUpChangesWithoutReindexing(t *testing.T) {
	c := &clock{time.Date(2025, 3, 10, 8, 0, 0, 0, time.UTC)}
	dir, data := copyCorpus(t), t.TempDir()
	_, ch := openLib(t, dir, data, c)
	if ch.Added != 4 || ch.Unchanged != 0 {
		t.Fatalf("first open: %+v, want 4 added", ch)
	}
	// A restart with nothing changed parses nothing.
	_, ch = openLib(t, dir, data, c)
	if ch.Added+ch.Changed+ch.Deleted != 0 || ch.Unchanged != 4 {
		t.Fatalf("reopen: %+v, want 4 unchanged", ch)
	}
	// Add, change, delete.
	os.WriteFile(filepath.Join(dir, "quantum.md"), []byte("---\ntitle: Quantum sensors reach the field\n---\nEngineers tested quantum magnetometers on survey ships this winter, mapping the seabed faster than sonar crews could.\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "garden.txt"), []byte("Community gardens report record harvest\n\nVolunteers harvested more pumpkins than ever, organisers said, thanks to new irrigation.\n"), 0o644)
	os.Remove(filepath.Join(dir, "chips-courier.md"))
	c.t = c.t.Add(time.Hour)
	// briefbot index: a full scan, which also finds the file edited in place.
	lib, _, ch, _ := openSafe(t, dir, data, c, Options{FullScan: true})
	if ch.Added != 1 || ch.Changed != 1 || ch.Deleted != 1 || ch.Unchanged != 2 {
		t.Fatalf("after edits: %+v, want 1 added, 1 changed, 1 deleted, 2 unchanged", ch)
	}
	ctx := context.Background()
	ans, _ := lib.Ask(ctx, "quantum magnetometers", AskOptions{})
	if len(ans.Passages) == 0 || ans.Passages[0].Article.ID != "quantum" {
		t.Errorf("new file not searchable: %+v", ans.Passages)
	}
	ans, _ = lib.Ask(ctx, "pumpkins harvest", AskOptions{})
	if len(ans.Passages) == 0 || !strings.Contains(ans.Passages[0].Text, "pumpkins") {
		t.Errorf("changed file not re-indexed: %+v", ans.Passages)
	}
	ans, _ = lib.Ask(ctx, "tomatoes and squash", AskOptions{})
	for _, p := range ans.Passages {
		if strings.Contains(p.Text, "tomatoes") {
			t.Errorf("old text of a changed file is still found: %q", p.Text)
		}
	}
	ans, _ = lib.Ask(ctx, "trade associations cautioned", AskOptions{})
	for _, p := range ans.Passages {
		if p.Article.ID == "chips-courier" {
			t.Errorf("deleted file is still found")
		}
	}
	// Only the new file is new since the edit; the changed one keeps its first-seen time.
	d, err := lib.Digest(ctx, DigestRequest{Since: c.t.Add(-time.Minute), Until: c.t.Add(time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	if d.Articles != 1 || d.Items[0].Article.ID != "quantum" {
		t.Errorf("digest after edits: %d articles %+v, want only quantum", d.Articles, d.Items)
	}
}

// Renaming a file's extension keeps the article: same id, same first-seen
// time, still found, and settled after one refresh.
func TestRefreshFollowsAnExtensionRename(t *testing.T) {
	c := &clock{time.Date(2025, 3, 10, 8, 0, 0, 0, time.UTC)}
	dir, data := copyCorpus(t), t.TempDir()
	openLib(t, dir, data, c)
	if err := os.Rename(filepath.Join(dir, "garden.txt"), filepath.Join(dir, "garden.md")); err != nil {
		t.Fatal(err)
	}
	c.t = c.t.Add(time.Hour)
	lib, ch := openLib(t, dir, data, c)
	if ch.Added+ch.Changed+ch.Deleted != 0 || ch.Unchanged != 4 {
		t.Errorf("after the rename: %+v, want 4 unchanged", ch)
	}
	ans, _ := lib.Ask(context.Background(), "community gardens harvest", AskOptions{})
	if len(ans.Passages) == 0 || ans.Passages[0].Article.ID != "garden" {
		t.Fatalf("renamed article not found: %+v", ans.Passages)
	}
	if !ans.Passages[0].Article.FirstSeen.Before(c.t) {
		t.Errorf("the rename made the article new: first seen %v", ans.Passages[0].Article.FirstSeen)
	}
	if ch, _ := lib.Refresh(context.Background()); ch.Added+ch.Changed+ch.Deleted != 0 || ch.Unchanged != 4 {
		t.Errorf("the refresh after the rename: %+v, want nothing to do", ch)
	}
	// Renamed and edited at once: one change, no deletion.
	os.Rename(filepath.Join(dir, "garden.md"), filepath.Join(dir, "garden.txt"))
	os.WriteFile(filepath.Join(dir, "garden.txt"), []byte("Community gardens report record harvest\n\nVolunteers harvested more pumpkins than ever, organisers said.\n"), 0o644)
	ch, err := lib.Refresh(context.Background())
	if err != nil || ch.Changed != 1 || ch.Deleted != 0 || ch.Added != 0 {
		t.Errorf("rename and edit: %+v %v, want 1 changed", ch, err)
	}
	ans, _ = lib.Ask(context.Background(), "pumpkins", AskOptions{})
	if len(ans.Passages) != 1 || ans.Passages[0].Article.ID != "garden" {
		t.Errorf("edited article: %+v", ans.Passages)
	}
}

func TestIndexSurvivesCorruptionAndMismatch(t *testing.T) {
	c := &clock{time.Now()}
	dir, data := copyCorpus(t), t.TempDir()
	lib, _ := openLib(t, dir, data, c)
	want, _ := lib.Ask(context.Background(), "export controls", AskOptions{})
	if err := os.WriteFile(filepath.Join(data, IndexFile), []byte("garbage"), 0o644); err != nil {
		t.Fatal(err)
	}
	lib, _ = openLib(t, dir, data, c)
	got, _ := lib.Ask(context.Background(), "export controls", AskOptions{})
	if !reflect.DeepEqual(got, want) {
		t.Errorf("after a corrupt index file the answer changed:\n%+v\nwant\n%+v", got, want)
	}
}

func TestDigestFoldsDuplicatesAndFindsThemes(t *testing.T) {
	c := &clock{time.Date(2025, 3, 10, 8, 0, 0, 0, time.UTC)}
	lib, _ := openLib(t, copyCorpus(t), t.TempDir(), c)
	ctx := context.Background()
	d, err := lib.Digest(ctx, DigestRequest{Since: c.t.Add(-24 * time.Hour), Until: c.t.Add(time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	if d.Articles != 4 {
		t.Fatalf("digest has %d articles, want 4", d.Articles)
	}
	if len(d.Items) != 3 {
		t.Fatalf("digest has %d items, want 3 (the two chip-control reports folded): %+v", len(d.Items), d.Items)
	}
	first := d.Items[0]
	ids := []string{first.Article.ID}
	for _, a := range first.Also {
		ids = append(ids, a.ID)
	}
	if len(ids) != 2 || !strings.HasPrefix(ids[0], "chips-") || !strings.HasPrefix(ids[1], "chips-") {
		t.Errorf("first item = %v, want the two chips-* reports folded", ids)
	}
	for _, it := range d.Items {
		if len(it.Summary) == 0 || it.Summary[0].Text == "" {
			t.Errorf("%s has no summary", it.Article.ID)
		}
	}
	var themes []string
	for _, th := range d.Themes {
		themes = append(themes, th.Phrase)
	}
	if !strings.Contains(strings.ToLower(strings.Join(themes, "|")), "export control") {
		t.Errorf("themes %q lack export controls", themes)
	}

	for _, th := range d.Themes {
		if th.Quote.Text == "" || th.Quote.Cite < 1 || th.Quote.Cite > len(d.Items) {
			t.Errorf("theme %q has no quote citing an item: %+v", th.Phrase, th.Quote)
			continue
		}
		if !strings.Contains(strings.ToLower(th.Quote.Text), strings.ToLower(th.Phrase)) {
			t.Errorf("theme %q quotes %q, which does not use it", th.Phrase, th.Quote.Text)
		}
		if Possessive(th.Phrase) {
			t.Errorf("theme %q is a possessive fragment", th.Phrase)
		}
	}

	// A topic digest carries only material about the topic.
	d, err = lib.Digest(ctx, DigestRequest{Since: c.t.Add(-24 * time.Hour), Until: c.t.Add(time.Minute), Topic: "community gardens"})
	if err != nil {
		t.Fatal(err)
	}
	if d.Articles != 1 || d.Items[0].Article.ID != "garden" {
		t.Errorf("topic digest: %d articles %+v, want only garden", d.Articles, d.Items)
	}
	// ... and each article's passage on the topic, not its opening.
	d, err = lib.Digest(ctx, DigestRequest{Since: c.t.Add(-24 * time.Hour), Until: c.t.Add(time.Minute), Topic: "export controls"})
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range d.Items {
		if !strings.Contains(it.Summary[0].Text, "export controls") {
			t.Errorf("topic digest: %s is summarised by %q, not its passage on export controls", it.Article.ID, it.Summary[0].Text)
		}
	}
	// Nothing new.
	d, _ = lib.Digest(ctx, DigestRequest{Since: c.t.Add(time.Hour), Until: c.t.Add(2 * time.Hour)})
	if d.Articles != 0 || len(d.Items) != 0 {
		t.Errorf("empty window: %+v", d)
	}
}

// A digest over a freshly indexed large folder lists the newest articles
// and counts the rest, instead of growing without bound.
func TestDigestListsTheNewestAndCountsTheRest(t *testing.T) {
	dir := t.TempDir()
	c := &clock{time.Date(2025, 3, 10, 8, 0, 0, 0, time.UTC)}
	data := t.TempDir()
	var lib *Library
	total := MaxDigestArticles + 7
	for i := 0; i < total; i++ {
		text := fmt.Sprintf("---\ntitle: Harbour bulletin number %d\nsource: Outlet %d\n---\nThe harbour office published bulletin %d about berth %d, tide tables and dredging work on the quay number %d.\n", i, i%9, i, i, i)
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("b%03d.md", i)), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		if i == total-MaxDigestArticles-1 || i == total-1 { // two refreshes: the last MaxDigestArticles are newer
			lib, _ = openLib(t, dir, data, c)
			c.t = c.t.Add(time.Minute)
		}
	}
	d, err := lib.Digest(context.Background(), DigestRequest{Since: time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC), Until: c.t})
	if err != nil {
		t.Fatal(err)
	}
	listed := 0
	for _, it := range d.Items {
		listed += 1 + len(it.Also)
	}
	if d.Articles != total || d.More != total-MaxDigestArticles || listed != MaxDigestArticles || d.Sources != 9 {
		t.Fatalf("digest: %d articles, %d sources, %d listed, %d more; want %d, 9, %d, %d", d.Articles, d.Sources, listed, d.More, total, MaxDigestArticles, total-MaxDigestArticles)
	}
	for _, it := range d.Items {
		for _, a := range append([]Article{it.Article}, it.Also...) {
			var n int
			fmt.Sscanf(a.ID, "b%03d", &n)
			if n < total-MaxDigestArticles {
				t.Errorf("an older article is listed: %s", a.ID)
			}
		}
	}
}

func TestSampleCorpusAnswers(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	lib, ch, err := Open(ctx, st, Options{Corpus: corpus.Sample()})
	if err != nil {
		t.Fatal(err)
	}
	if ch.Added < 5 || len(ch.Skipped) > 0 {
		t.Fatalf("sample corpus: %+v", ch)
	}
	ans, err := lib.Ask(ctx, "what did sources say about export controls?", AskOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(ans.Groups) < 3 {
		t.Errorf("sample corpus answer cites %d sources, want at least 3:\n%+v", len(ans.Groups), ans.Groups)
	}
	// Two outlets reported the same sell-off on the same day in other
	// words: the digest folds them into one story.
	d, err := lib.Digest(ctx, DigestRequest{Since: time.Now().Add(-time.Hour), Until: time.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	folded := 0
	for _, it := range d.Items {
		folded += len(it.Also)
	}
	if d.Articles != ch.Added || folded != 1 || len(d.Items) != d.Articles-1 {
		t.Errorf("sample digest: %d articles in %d items with %d folded, want exactly one pair folded:\n%+v", d.Articles, len(d.Items), folded, d.Items)
	}
}

// Passages come best first even when retrieval spreads them over sources.
func TestAskPassagesBestFirst(t *testing.T) {
	dir := t.TempDir()
	para := func(seed string) string {
		return seed + " The tidal turbines off the headland turned for the first time this week, and engineers said the tidal turbines produced more power than forecast. Tidal turbines of this size have never run in such strong currents, and the operator will add more tidal turbines next year if the results hold."
	}
	a := "---\ntitle: Tidal turbines start turning\nsource: Outlet A\n---\n" + para("Morning.") + "\n\n" + para("Evening.") + "\n\n" + para("Night.") + "\n"
	b := "---\ntitle: Harbour budget approved\nsource: Outlet B\n---\nThe council approved the harbour budget on Monday after a long debate about dredging, berths and a small grant for a study of tidal turbines near the breakwater, where tidal power could one day light the quay.\n"
	for name, text := range map[string]string{"a.md": a, "b.md": b} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	lib, _ := openLib(t, dir, t.TempDir(), &clock{time.Now()})
	ans, err := lib.Ask(context.Background(), "what did sources say about tidal turbines and tidal power?", AskOptions{K: 4})
	if err != nil {
		t.Fatal(err)
	}
	if len(ans.Passages) < 3 {
		t.Fatalf("got %d passages, want at least 3", len(ans.Passages))
	}
	for i := 1; i < len(ans.Passages); i++ {
		if ans.Passages[i].Score > ans.Passages[i-1].Score {
			t.Errorf("passage %d (%s, %.3f) scores above passage %d (%s, %.3f)", i, ans.Passages[i].Article.ID, ans.Passages[i].Score, i-1, ans.Passages[i-1].Article.ID, ans.Passages[i-1].Score)
		}
	}
}
