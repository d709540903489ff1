package briefing_test

import (
	. "briefbot/briefing"
	"context"
	"testing"
	"time"

	"briefbot/briefing/corpus"
	"briefbot/briefing/store"
)

// TestRefreshReparsesAfterParserChange checks that articles stored by an
// older version of the parser are parsed again, once, keeping when they
// were first seen.
func TestRefreshReparsesAfterParserChange(t *testing.T) {
	ctx := context.Background()
	c := &clock{time.Date(2025, 3, 10, 8, 0, 0, 0, time.UTC)}
	dir, data := copyCorpus(t), t.TempDir()
	if _, ch := openLib(t, dir, data, c); ch.Added != 4 {
		t.Fatalf("first open: %+v, want 4 added", ch)
	}
	st, err := store.Open(ctx, data)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if v, _ := st.Meta(ctx, ParserKey); v != corpus.ParserVersion {
		t.Fatalf("%s = %q after the first refresh, want %q", ParserKey, v, corpus.ParserVersion)
	}
	if err := st.SetMeta(ctx, ParserKey, "an older parser"); err != nil {
		t.Fatal(err)
	}
	c.t = c.t.Add(time.Hour)
	lib, ch := openLib(t, dir, data, c)
	if ch.Changed != 4 || ch.Added+ch.Deleted+ch.Unchanged != 0 {
		t.Fatalf("after a parser change: %+v, want 4 changed", ch)
	}
	arts, err := st.Articles(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range arts {
		if !a.FirstSeen.Before(c.t) {
			t.Errorf("%s: FirstSeen %v moved to the re-parse", a.ID, a.FirstSeen)
		}
	}
	if ans, _ := lib.Ask(ctx, "chips", AskOptions{}); len(ans.Passages) == 0 {
		t.Error("nothing searchable after the re-parse")
	}
	if _, ch := openLib(t, dir, data, c); ch.Unchanged != 4 || ch.Changed != 0 {
		t.Fatalf("reopen: %+v, want 4 unchanged", ch)
	}
}
