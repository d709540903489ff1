package briefing_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"briefbot/briefing"
	"briefbot/briefing/corpus"
	"briefbot/briefing/llm"
	"briefbot/briefing/llm/llmtest"
	"briefbot/briefing/store"
)

// TestLibraryWithLLM runs the library's own answer and digest paths over a
// fake OpenAI-compatible server: a verified summary on top of the cited
// quotes, a verified overview on top of the digest, and the extractive
// answer when the model's reply cites passages it was never given.
func TestLibraryWithLLM(t *testing.T) {
	ctx := context.Background()
	srv := llmtest.NewServer(t)
	client, err := llm.New(llm.Config{BaseURL: srv.URL, Model: "lib-model"})
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	// The deadline and prompt budget have their defaults in config only.
	for _, opt := range []briefing.Options{{SummaryTimeout: 5 * time.Second}, {MaxPromptTokens: 3000}} {
		opt.Corpus, opt.Summarizer = corpus.Sample(), client
		if _, _, err := briefing.Open(ctx, st, opt); err == nil || !strings.Contains(err.Error(), "needs a positive SummaryTimeout and MaxPromptTokens") {
			t.Errorf("Open with a Summarizer and %s, %d: error = %v", opt.SummaryTimeout, opt.MaxPromptTokens, err)
		}
	}
	lib, _, err := briefing.Open(ctx, st, briefing.Options{Corpus: corpus.Sample(), Summarizer: client, SummaryTimeout: 5 * time.Second, MaxPromptTokens: 3000})
	if err != nil {
		t.Fatal(err)
	}

	ans, err := lib.Ask(ctx, "what did sources say about export controls?", briefing.AskOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if ans.SummarizedBy != "llm:lib-model" || !strings.Contains(ans.Summary, "[1]") {
		t.Fatalf("answer summary: %q by %q", ans.Summary, ans.SummarizedBy)
	}
	if len(ans.Groups) == 0 {
		t.Errorf("the summary comes with the cited quotes: %+v", ans)
	}
	// The model saw the cited passages, numbered as the answer cites them.
	reqs := srv.Requests()
	ps := llmtest.Passages(reqs[len(reqs)-1])
	if len(ps) != len(ans.Citations) || !strings.Contains(ps[1], ans.Passages[ans.Citations[0].Passage].Text[:40]) {
		t.Errorf("the model was sent %d passages for %d citations", len(ps), len(ans.Citations))
	}

	d, err := lib.Digest(ctx, briefing.DigestRequest{Since: time.Now().Add(-time.Hour), Until: time.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if d.SummarizedBy != "llm:lib-model" || d.Overview == "" || len(d.Items) == 0 {
		t.Errorf("digest overview: %q by %q", d.Overview, d.SummarizedBy)
	}

	// A reply citing only a passage it was not given is not used.
	srv.Respond(func(llmtest.Request) llmtest.Reply {
		return llmtest.Reply{Content: "According to the Ledger, chips were banned outright [9]."}
	})
	ans, err = lib.Ask(ctx, "what did sources say about Nvidia?", briefing.AskOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if ans.SummarizedBy != "extractive" || ans.Summary != "" || len(ans.Groups) == 0 {
		t.Errorf("an unverifiable summary was used: %q by %q", ans.Summary, ans.SummarizedBy)
	}
}
