package briefing_test

import (
	"context"
	"testing"

	"briefbot/briefing"
	"briefbot/briefing/llm/llmtest"
)

// BenchmarkAskDense measures what dense retrieval adds to a question: the
// same questions asked offline and with a local httptest embeddings
// endpoint (the question's embedding round trip, the brute-force cosine
// and the fusion) on the small dense test corpus.
func BenchmarkAskDense(b *testing.B) {
	ctx := context.Background()
	srv := llmtest.NewServer(b)
	srv.EmbedWith(denseConcepts())
	offline, _ := denseLib(b, b.TempDir(), "", nil, nil, briefing.EmbedOptions{})
	dense, _ := denseLib(b, b.TempDir(), srv.URL, nil, nil, briefing.EmbedOptions{Interval: -1})
	if _, err := dense.Embed(ctx); err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name string
		lib  *briefing.Library
	}{{"offline", offline}, {"dense", dense}} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				for _, q := range []string{"what did sources say about the offshore wind farm?", paraphrase} {
					if _, err := bc.lib.Ask(ctx, q, briefing.AskOptions{}); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}
