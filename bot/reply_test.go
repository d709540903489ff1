package bot_test

import (
	"context"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"briefbot/bot"
	"briefbot/briefing"
	"briefbot/briefing/corpus"
	"briefbot/briefing/store"
)

var update = flag.Bool("update", false, "rewrite golden files")

// fixedNow is when the fixture libraries were indexed and their digests run.
var fixedNow = time.Date(2025, 3, 10, 8, 0, 0, 0, time.UTC)

// openLibrary indexes fsys at fixedNow, without an LLM.
func openLibrary(t *testing.T, fsys fs.FS) *briefing.Library {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	lib, _, err := briefing.Open(ctx, st, briefing.Options{Corpus: fsys, Now: func() time.Time { return fixedNow }})
	if err != nil {
		t.Fatal(err)
	}
	return lib
}

// The plain-text rendering of answers, over fixtures written for these
// tests and over the embedded sample corpus, is what the command line
// prints; the golden files are read by people reviewing a change.
func TestAnswerGolden(t *testing.T) {
	libs := map[string]*briefing.Library{
		"news":   openLibrary(t, os.DirFS("../briefing/testdata/news")),
		"quotes": openLibrary(t, os.DirFS("testdata/quotes")),
		"sample": openLibrary(t, corpus.Sample()),
	}
	tests := []struct {
		golden, corpus, question string
	}{
		{"answer_export_controls", "news", "what did sources say about export controls?"},
		{"answer_nothing", "news", "who won the FIFA World Cup?"},
		{"answer_question_heading", "news", "which chips did the startup use?"},
		{"quote_speaker", "quotes", "what did Tove Lind say?"},
		{"quote_amount", "quotes", "how much did the Nordhavn quay cost?"},
		{"quote_list", "quotes", "what ideas does the quay design rest on?"},
		{"sample_answer_export_controls", "sample", "what did sources say about export controls?"},
		{"sample_answer_nothing", "sample", "who won the FIFA World Cup?"},
	}
	for _, tt := range tests {
		t.Run(tt.golden, func(t *testing.T) {
			ans, err := libs[tt.corpus].Ask(context.Background(), tt.question, briefing.AskOptions{})
			if err != nil {
				t.Fatal(err)
			}
			golden(t, "testdata/"+tt.golden+".golden", bot.PlainText(bot.AnswerReply(ans)))
		})
	}
}

func TestDigestGolden(t *testing.T) {
	libs := map[string]*briefing.Library{
		"news":   openLibrary(t, os.DirFS("../briefing/testdata/news")),
		"quotes": openLibrary(t, os.DirFS("testdata/quotes")),
		"sample": openLibrary(t, corpus.Sample()),
	}
	tests := []struct {
		golden, corpus, topic string
		since                 time.Time
	}{
		{"digest", "news", "", fixedNow.Add(-24 * time.Hour)},
		{"digest_topic", "news", "export controls", fixedNow.Add(-24 * time.Hour)},
		{"digest_nothing", "news", "", fixedNow.Add(time.Minute)},
		{"digest_points", "quotes", "", fixedNow.Add(-24 * time.Hour)},
		{"sample_digest", "sample", "", fixedNow.Add(-24 * time.Hour)},
		{"sample_digest_topic", "sample", "Nvidia", fixedNow.Add(-24 * time.Hour)},
	}
	for _, tt := range tests {
		t.Run(tt.golden, func(t *testing.T) {
			d, err := libs[tt.corpus].Digest(context.Background(), briefing.DigestRequest{Since: tt.since, Until: fixedNow.Add(time.Minute), Topic: tt.topic})
			if err != nil {
				t.Fatal(err)
			}
			golden(t, "testdata/"+tt.golden+".golden", bot.PlainText(bot.DigestReply(d, time.UTC)))
		})
	}
}

func golden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs (go test -update rewrites it):\n--- got\n%s\n--- want\n%s", filepath.Base(path), got, want)
	}
}

// The footer of an LLM summary claims only what verification checks.
func TestFooterClaimsOnlyWhatIsChecked(t *testing.T) {
	a := briefing.Answer{
		Question: "what happened at the port?", Summary: "The port reopened [1].", SummarizedBy: "llm:model-x",
		Passages:  []briefing.Passage{{Article: briefing.Article{ID: "a", Title: "Port reopens"}, Text: "The port reopened."}},
		Groups:    []briefing.Group{{Article: briefing.Article{ID: "a", Title: "Port reopens"}, Quotes: []briefing.Quote{{Text: "The port reopened.", Cite: 1}}}},
		Citations: []briefing.Citation{{N: 1, Article: briefing.Article{ID: "a", Title: "Port reopens"}}},
	}
	footer := bot.AnswerReply(a).Footer
	if !strings.Contains(footer, "model-x") || !strings.Contains(footer, "paraphrase unchecked") || strings.Contains(footer, "every citation checked") {
		t.Errorf("footer = %q", footer)
	}
	if footer := bot.AnswerReply(briefing.Answer{Passages: a.Passages, Groups: a.Groups, Citations: a.Citations, SummarizedBy: "extractive"}).Footer; !strings.Contains(footer, "Extractive") {
		t.Errorf("extractive footer = %q", footer)
	}
}
