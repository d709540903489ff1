package bot

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"briefbot/briefing"
	"briefbot/briefing/corpus"
	"briefbot/briefing/store"
)

// newRouter is a router over a real library of the embedded sample corpus,
// indexed at now, and its metrics; the store is returned so that a test can
// break it.
func newRouter(t *testing.T, now time.Time) (*Router, *Metrics, *store.Store) {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	clock := func() time.Time { return now }
	lib, _, err := briefing.Open(ctx, st, briefing.Options{Corpus: corpus.Sample(), Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	m := NewMetrics(nil)
	return mustRouter(RouterOptions{Briefer: lib, Metrics: m, Now: func() time.Time { return now.Add(time.Hour) }}), m, st
}

func TestRouter(t *testing.T) {
	r, m, _ := newRouter(t, time.Date(2025, 6, 2, 4, 0, 0, 0, time.UTC))
	tests := []struct {
		name      string
		kind      Kind
		text      string
		ephemeral bool
		want      []string // in the reply's text
		not       []string
		metric    string // the errors_total kind counted, if any
	}{
		{name: "empty command: help", text: "", ephemeral: true, want: []string{"How to use /brief", "/brief ask <question>"}},
		{name: "help in a mention is for everyone", kind: Mention, text: "help", want: []string{"How to use /brief"}},
		{name: "ask without a question", text: "ask", ephemeral: true, want: []string{"`ask` needs a question. How to use /brief:"}, metric: "bad_input"},
		{name: "a mistyped command", text: "hlep", ephemeral: true, want: []string{`"hlep" is not a command.`}, metric: "bad_input"},
		{name: "ask", text: "ask what did sources say about export controls?", want: []string{"export controls", "Sources"}, not: []string{"How to use"}},
		{name: "a bare question is ask", text: "what did sources say about export controls?", want: []string{"export controls", "Sources"}},
		{name: "digest", text: "digest", want: []string{"Briefing for Monday 2 June", "6 new articles"}},
		{name: "digest with a window and topic", text: "digest 7d DeepSeek", want: []string{"Briefing on DeepSeek"}},
		{name: "sources", text: "sources", want: []string{"6 articles in the corpus"}},
		{name: "subscriptions without a scheduler", text: "subscribe daily 08:00", ephemeral: true, want: []string{"Scheduled digests are not available on this bot."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := testutil.ToFloat64(m.errors.WithLabelValues(tt.metric))
			rep := r.Handle(context.Background(), Request{Platform: "slack", Kind: tt.kind, Channel: "C1", User: "U1", Text: tt.text})
			text := replyText(rep)
			if rep.Ephemeral != tt.ephemeral {
				t.Errorf("ephemeral = %v, want %v:\n%s", rep.Ephemeral, tt.ephemeral, text)
			}
			for _, w := range tt.want {
				if !strings.Contains(text, w) {
					t.Errorf("reply lacks %q:\n%s", w, text)
				}
			}
			for _, w := range tt.not {
				if strings.Contains(text, w) {
					t.Errorf("reply has %q:\n%s", w, text)
				}
			}
			if tt.metric != "" {
				if got := testutil.ToFloat64(m.errors.WithLabelValues(tt.metric)) - before; got != 1 {
					t.Errorf("errors_total{kind=%q} rose by %v, want 1", tt.metric, got)
				}
			}
		})
	}
}

// When the library fails, every command that uses it gets a short apology,
// not the error, and the failure is counted.
func TestRouterInternalError(t *testing.T) {
	r, m, st := newRouter(t, time.Date(2025, 6, 2, 4, 0, 0, 0, time.UTC))
	st.Close() // the database goes away under the library
	for _, text := range []string{"ask what did sources say about export controls?", "digest", "sources"} {
		t.Run(text, func(t *testing.T) {
			before := testutil.ToFloat64(m.errors.WithLabelValues("internal"))
			rep := r.Handle(context.Background(), Request{Platform: "discord", Kind: Command, Channel: "42", Text: text})
			if !rep.Ephemeral || !strings.HasPrefix(rep.Title, "Sorry, something went wrong on my side") || strings.Contains(replyText(rep), "sql") {
				t.Errorf("reply = %+v, want an ephemeral apology without the error", rep)
			}
			if got := testutil.ToFloat64(m.errors.WithLabelValues("internal")) - before; got != 1 {
				t.Errorf("errors_total{kind=internal} rose by %v, want 1", got)
			}
		})
	}
}

// NewRouter refuses the zero values config gives defaults to, instead of
// defaulting them a second time.
func TestNewRouterRefusesZeroValues(t *testing.T) {
	r, _, _ := newRouter(t, time.Now())
	lib := r.opt.Briefer
	for name, opt := range map[string]RouterOptions{
		"no briefer":       {Location: time.UTC, DigestWindow: time.Hour},
		"no location":      {Briefer: lib, DigestWindow: time.Hour},
		"no digest window": {Briefer: lib, Location: time.UTC},
	} {
		if _, err := NewRouter(opt); err == nil {
			t.Errorf("%s: NewRouter accepted it", name)
		}
	}
	if _, err := NewRouter(RouterOptions{Briefer: lib, Location: time.UTC, DigestWindow: time.Hour}); err != nil {
		t.Errorf("complete options refused: %v", err)
	}
}
