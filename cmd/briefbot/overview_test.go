package main

import (
	"context"
	"encoding/json"
	"testing"

	"briefbot/briefing/store"
)

// `briefbot index` leaves the corpus overview of what it indexed in the
// store, so the first question the corpus has nothing on, in the next
// process, does not analyse the newest articles first.
func TestIndexPreparesTheOverview(t *testing.T) {
	data := t.TempDir()
	if code, _, errOut := runCLI(t, nil, "", "index", "--corpus", newsDir(t), "--data", data); code != 0 {
		t.Fatalf("index: exit %d: %s", code, errOut)
	}
	ctx := context.Background()
	st, err := store.Open(ctx, data)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	gen, err := st.Generation(ctx)
	if err != nil {
		t.Fatal(err)
	}
	v, err := st.Meta(ctx, "corpus_overview")
	if err != nil || v == "" {
		t.Fatalf("no overview stored by index: %q, %v", v, err)
	}
	var so struct {
		Generation uint64 `json:"generation"`
		Overview   struct {
			Articles int      `json:"articles"`
			Topics   []string `json:"topics"`
		} `json:"overview"`
	}
	if err := json.Unmarshal([]byte(v), &so); err != nil {
		t.Fatal(err)
	}
	if so.Generation != gen || so.Overview.Articles == 0 || len(so.Overview.Topics) == 0 {
		t.Errorf("stored overview: generation %d (store %d), %d articles, topics %q; want the current generation, the articles and their topics",
			so.Generation, gen, so.Overview.Articles, so.Overview.Topics)
	}
}
