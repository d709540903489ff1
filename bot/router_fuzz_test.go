package bot

import (
	"context"
	"strings"
	"testing"
	"time"

	"briefbot/briefing"
	"briefbot/briefing/corpus"
	"briefbot/briefing/store"
)

// FuzzRouter sends arbitrary /brief text, as a command and as a mention,
// through the router over the embedded sample corpus. It must never panic
// and always reply with something to show.
func FuzzRouter(f *testing.F) {
	for _, s := range []string{
		"", "help", "ask", "ask what did sources say about export controls?", "export controls",
		"digest", "digest 7d", "digest 2w chips", "sources", "subscribe daily 08:00", "unsubscribe all",
		"subscriptions", "asj chips", "digset", "ASK\tchips\nplease", "digest -5d", "digest 99999999999h",
	} {
		f.Add(s)
	}
	ctx := context.Background()
	st, err := store.Open(ctx, f.TempDir())
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { st.Close() })
	lib, _, err := briefing.Open(ctx, st, briefing.Options{Corpus: corpus.Sample()})
	if err != nil {
		f.Fatal(err)
	}
	now := time.Date(2025, 3, 10, 8, 0, 0, 0, time.UTC)
	r := mustRouter(RouterOptions{Briefer: lib, Now: func() time.Time { return now }})
	f.Fuzz(func(t *testing.T, text string) {
		if len(text) > 2000 {
			return // chat platforms bound a command's text
		}
		for _, kind := range []Kind{Command, Mention} {
			reply := r.Handle(ctx, Request{Platform: "slack", Kind: kind, Channel: "C1", User: "U1", Text: text})
			if strings.TrimSpace(reply.Title) == "" && len(reply.Sections) == 0 {
				t.Fatalf("empty reply to %q (%v): %+v", text, kind, reply)
			}
		}
	})
}

// FuzzParseWindow checks digest windows: accepted ones are positive.
func FuzzParseWindow(f *testing.F) {
	for _, s := range []string{"30m", "12h", "7d", "2w", "0d", "-1h", "10001w", "h", "1y"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if d, ok := ParseWindow(s); ok && d <= 0 {
			t.Fatalf("ParseWindow(%q) = %v, accepted", s, d)
		}
	})
}
