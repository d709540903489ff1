package briefing_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"briefbot/briefing"
	"briefbot/briefing/llm"
	"briefbot/briefing/llm/llmtest"
	"briefbot/briefing/store"
)

// rewriteLib opens a library over denseCorpus whose questions are rewritten
// by the chat model srv.
func rewriteLib(t *testing.T, srv *llmtest.Server, reg prometheus.Registerer, log *slog.Logger, deadline time.Duration) *briefing.Library {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	c, err := llm.New(llm.Config{APIKey: denseKey, BaseURL: srv.URL, Model: "rewrite-model"})
	if err != nil {
		t.Fatal(err)
	}
	lib, _, err := briefing.Open(ctx, st, briefing.Options{Corpus: denseCorpus(), Rewriter: c, RewriteTimeout: deadline, Registerer: reg, Log: log})
	if err != nil {
		t.Fatal(err)
	}
	return lib
}

// TestRewriteAddsCandidates: the model's search words find what the
// question's own words do not, and never push out what they do find.
func TestRewriteAddsCandidates(t *testing.T) {
	srv := llmtest.NewServer(t)
	srv.Respond(func(r llmtest.Request) llmtest.Reply {
		switch q := r.Prompt("user"); {
		case strings.Contains(q, "locomotive"):
			return llmtest.Reply{Content: "train drivers walkout union strike commuter services"}
		default:
			return llmtest.Reply{Content: "home side cup final captain stadium"} // beside the point
		}
	})
	lib := rewriteLib(t, srv, nil, nil, 30*time.Second)
	if got := docs(ask(t, lib, paraphrase)); len(got) == 0 || got[0] != "rail" {
		t.Errorf("rewritten, %q found %v; want the rail article", paraphrase, got)
	}
	reqs := srv.Requests()
	if len(reqs) != 1 || !strings.Contains(reqs[0].Prompt("system"), "search words") || reqs[0].Prompt("user") != paraphrase {
		t.Errorf("rewrite request: %+v", reqs)
	}
	// A rewrite beside the point adds, but the question's own finds lead.
	got := docs(ask(t, lib, "what did sources say about the offshore wind farm?"))
	if len(got) == 0 || got[0] != "wind" {
		t.Errorf("direct question with a wayward rewrite: %v", got)
	}
}

// TestRewriteFailuresFallBackOffline: a slow, failing or empty rewrite
// leaves the question's own words to answer, counted by reason.
func TestRewriteFailuresFallBackOffline(t *testing.T) {
	for _, tc := range []struct {
		name, reason string
		reply        llmtest.Reply
	}{
		{"slow", "timeout", llmtest.Reply{Hang: true}},
		{"500", "server_error", llmtest.Reply{Status: 500, Content: "overloaded"}},
		{"401", "unauthorized", llmtest.Reply{Status: 401, Content: "bad key " + denseKey}},
		{"empty", "bad_reply", llmtest.Reply{Content: "  "}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := llmtest.NewServer(t, tc.reply)
			reg := prometheus.NewRegistry()
			var logs bytes.Buffer
			deadline := 30 * time.Second // only the slow model meets its deadline
			if tc.reason == "timeout" {
				deadline = 50 * time.Millisecond
			}
			lib := rewriteLib(t, srv, reg, slog.New(slog.NewTextHandler(&logs, nil)), deadline)
			if got := docs(ask(t, lib, paraphrase)); len(got) != 0 {
				t.Errorf("offline, %q found %v", paraphrase, got)
			}
			if got := docs(ask(t, lib, "what did sources say about the offshore wind farm?")); len(got) == 0 || got[0] != "wind" {
				t.Errorf("direct question: %v", got)
			}
			if n := counter(t, reg, "briefbot_rewrite_failures_total", map[string]string{"reason": tc.reason}); n != 2 {
				t.Errorf("rewrite failures{reason=%s} = %v, want 2", tc.reason, n)
			}
			if strings.Contains(logs.String(), denseKey) || strings.Count(logs.String(), "question rewrite unavailable") != 1 {
				t.Errorf("want one log line without the key:\n%s", logs.String())
			}
		})
	}
}
