package briefing

import (
	"context"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"briefbot/briefing/corpus"
	"briefbot/briefing/store"
)

func feedDoc(id, title, text string) Incoming {
	return Incoming{Doc: corpus.Document{ID: id, Title: title, Source: "Test Wire", Text: text, Hash: "h-" + text[:10]}}
}

// TestFeedArticlesBesideTheFolder: articles put from outside the folder are
// answered from, survive re-scans and restarts (with or without the index
// saved), and are removed with their index entries.
func TestFeedArticlesBesideTheFolder(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	folder := fstest.MapFS{"local/mill.md": {Data: []byte("# Mill reopens\n\nThe old water mill on the river reopened on Saturday as a bakery, grinding flour from local wheat for the first time in fifty years.\n"), ModTime: time.Unix(1e9, 0)}}
	open := func() *Library {
		st, err := store.Open(ctx, dir)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		lib, _, err := Open(ctx, st, Options{Corpus: folder})
		if err != nil {
			t.Fatal(err)
		}
		return lib
	}
	found := func(lib *Library, q, want string) bool {
		ans, err := lib.Ask(ctx, q, AskOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range ans.Passages {
			if strings.Contains(p.Text, want) {
				return true
			}
		}
		return false
	}
	lib := open()
	put, err := lib.PutArticles(ctx, []Incoming{
		feedDoc("feed/1/aa", "Glacier walk closed", "The glacier walk above the valley closed for the season after an early snowfall blocked the upper path."),
		feedDoc("feed/1/bb", "Ferry strike ends", "Ferry crews ended their strike on Friday after the operator agreed to hire two more deckhands per crossing."),
	})
	if err != nil || put.Added != 2 {
		t.Fatalf("put %+v %v", put, err)
	}
	if ch, err := lib.Refresh(ctx); err != nil || ch.Deleted != 0 {
		t.Fatalf("refresh deleted feed articles: %+v %v", ch, err)
	}
	// Reopened without SaveIndex: the index is rebuilt from the store.
	lib = open()
	if !found(lib, "glacier walk closed snowfall", "glacier walk") || !found(lib, "water mill bakery flour", "water mill") {
		t.Fatal("an article is missing after reopening")
	}
	// Unchanged is unchanged; a new hash replaces the text.
	put, _ = lib.PutArticles(ctx, []Incoming{feedDoc("feed/1/aa", "Glacier walk closed", "The glacier walk above the valley closed for the season after an early snowfall blocked the upper path.")})
	if put.Unchanged != 1 {
		t.Errorf("same hash: %+v", put)
	}
	put, _ = lib.PutArticles(ctx, []Incoming{feedDoc("feed/1/aa", "Glacier walk reopened", "Rangers reopened the glacier walk on Monday once the snow had been cleared from the upper path by volunteers.")})
	if put.Changed != 1 || found(lib, "early snowfall blocked", "early snowfall") || !found(lib, "rangers reopened glacier walk", "Rangers reopened") {
		t.Errorf("update: %+v", put)
	}
	n, err := lib.DeleteArticles(ctx, "feed/1/", time.Time{})
	if err != nil || n != 2 {
		t.Fatalf("delete %d %v", n, err)
	}
	if err := lib.SaveIndex(ctx); err != nil {
		t.Fatal(err)
	}
	lib = open()
	if found(lib, "ferry strike deckhands", "deckhands") || !found(lib, "water mill bakery flour", "water mill") {
		t.Error("after delete and reopen: wrong articles")
	}
	if _, err := lib.DeleteArticles(ctx, "", time.Time{}); err == nil {
		t.Error("an empty prefix was accepted")
	}
}
