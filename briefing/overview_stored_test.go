package briefing_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	. "briefbot/briefing"
)

// A question with no answer carries the corpus overview. A process that
// computed it stores it with the corpus generation, so the next process
// (a one-shot `briefbot ask`) reads it instead of analysing the newest
// articles again, until the corpus changes.
func TestOverviewStoredForTheNextProcess(t *testing.T) {
	ctx := context.Background()
	c := &clock{time.Date(2025, 3, 10, 8, 0, 0, 0, time.UTC)}
	dir, data := t.TempDir(), t.TempDir()
	manyArticles(t, dir, 0, 5)
	const offTopic = "what did sources say about lunar volcanoes?"
	const overviewKey = "corpus_overview" // as the store holds it
	type storedOverview struct {
		Generation uint64   `json:"generation"`
		Overview   Overview `json:"overview"`
	}

	lib, st, _, _ := openSafe(t, dir, data, c, Options{})
	ans, err := lib.Ask(ctx, offTopic, AskOptions{})
	if err != nil || len(ans.Passages) != 0 || ans.Corpus.Articles != 5 {
		t.Fatalf("off-topic answer: %d passages, overview %+v, %v; want none and 5 articles", len(ans.Passages), ans.Corpus, err)
	}
	v, err := st.Meta(ctx, overviewKey)
	if err != nil || v == "" {
		t.Fatalf("no stored overview after the first empty answer: %q, %v", v, err)
	}
	var so storedOverview
	if err := json.Unmarshal([]byte(v), &so); err != nil {
		t.Fatal(err)
	}
	if so.Overview.Articles != 5 || !slices.Equal(so.Overview.Topics, ans.Corpus.Topics) {
		t.Errorf("stored overview %+v, answered %+v", so.Overview, ans.Corpus)
	}

	// Mark the stored overview: a new process answers with it, so it was
	// read, not computed.
	so.Overview.Topics = []string{"marked topic"}
	b, _ := json.Marshal(so)
	if err := st.SetMeta(ctx, overviewKey, string(b)); err != nil {
		t.Fatal(err)
	}
	lib2, _, _, _ := openSafe(t, dir, data, c, Options{})
	ans, err = lib2.Ask(ctx, offTopic, AskOptions{})
	if err != nil || !slices.Equal(ans.Corpus.Topics, []string{"marked topic"}) {
		t.Errorf("a new process computed the overview again (%+v, %v) instead of reading the stored one", ans.Corpus, err)
	}

	// Once the corpus changes, the stored one is stale and not used.
	manyArticles(t, dir, 5, 7)
	ageDir(t, dir, time.Hour)
	lib3, _, _, _ := openSafe(t, dir, data, c, Options{})
	ans, err = lib3.Ask(ctx, offTopic, AskOptions{})
	if err != nil || ans.Corpus.Articles != 7 || slices.Contains(ans.Corpus.Topics, "marked topic") {
		t.Errorf("after 2 articles were added: overview %+v, %v; want 7 articles and a new overview", ans.Corpus, err)
	}
}
