package slack

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"briefbot/bot"
	"briefbot/bot/slack/slackfake"
	"briefbot/briefing"
	"briefbot/briefing/store"
)

// newRouter is the real /brief router over a library of testdata/corpus.
func newRouter(t *testing.T) *bot.Router {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	lib, _, err := briefing.Open(ctx, st, briefing.Options{Corpus: os.DirFS("testdata/corpus")})
	if err != nil {
		t.Fatal(err)
	}
	router, err := bot.NewRouter(bot.RouterOptions{Briefer: lib, Location: time.UTC, DigestWindow: 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	return router
}

func TestRealRouterOverHTTP(t *testing.T) {
	router := newRouter(t)
	f := newFakeSlack(t)
	rs := newResponseServer(t)
	a, _ := httpAdapter(t, f)
	h := a.HTTPHandler(router)
	command := func(text, id string) slackfake.Post {
		t.Helper()
		w := serve(h, signed(t, "/slack/commands", "application/x-www-form-urlencoded", commandBody(text, rs.hookURL(id)), testSecret, clock))
		if w.Code != 200 || w.Body.Len() != 0 {
			t.Fatalf("%q: ack %d %q", text, w.Code, w.Body.String())
		}
		return rs.WaitResponses(t, 1)[0]
	}

	t.Run("ask answers in the channel with linked citations", func(t *testing.T) {
		r := command("ask what happened to the apple blossoms?", "r1")
		all := strings.Join(r.BlockTexts(), "\n")
		if r.ResponseType != "in_channel" {
			t.Errorf("response_type = %q", r.ResponseType)
		}
		for _, want := range []string{
			"<https://farm.example.org/tarn-frost-2025|Late frost damages apple blossoms across the Tarn valley>",
			"[<https://farm.example.org/tarn-frost-2025|1>]",
			"\n> ",
		} {
			if !strings.Contains(all, want) {
				t.Errorf("answer lacks %q:\n%s", want, all)
			}
		}
		if !strings.Contains(all, "frost") {
			t.Errorf("answer quotes nothing about frost:\n%s", all)
		}
	})

	t.Run("a bare question is an ask", func(t *testing.T) {
		r := command("electric cranes at the port", "r2")
		if all := strings.Join(r.BlockTexts(), "\n"); !strings.Contains(all, "freight.example.net/valmora-electric-cranes|") {
			t.Errorf("answer does not cite the crane article:\n%s", all)
		}
	})

	t.Run("empty and mistyped commands get ephemeral usage", func(t *testing.T) {
		for i, text := range []string{"", "digets"} {
			r := command(text, "r3"+string(rune('a'+i)))
			if r.ResponseType != "ephemeral" || !strings.Contains(r.Text, "/brief ask") {
				t.Errorf("%q: %s reply %q, want ephemeral usage", text, r.ResponseType, r.Text)
			}
		}
	})

	t.Run("sources lists the corpus", func(t *testing.T) {
		r := command("sources", "r4")
		all := strings.Join(r.BlockTexts(), "\n")
		for _, want := range []string{"Port of Valmora orders electric cranes", "Late frost damages apple blossoms"} {
			if !strings.Contains(all, want) {
				t.Errorf("sources lacks %q:\n%s", want, all)
			}
		}
	})

	t.Run("a mention is answered in its thread", func(t *testing.T) {
		body := eventBody("EvR1", mentionEvent("U0USER1", "<@"+testBotUser+"> ask who asked for frost fans?", "1700000200.000100", ""))
		serve(h, signed(t, "/slack/events", "application/json", body, testSecret, clock))
		p := f.wait(t, 1)[0]
		if p.ThreadTS != "1700000200.000100" {
			t.Errorf("thread_ts = %q", p.ThreadTS)
		}
		if all := strings.Join(p.BlockTexts(), "\n"); !strings.Contains(all, "tarn-frost-2025|1>]") {
			t.Errorf("mention answer lacks a citation:\n%s", all)
		}
	})
	idle(t, a)
}

var _ bot.Handler = (*bot.Router)(nil)
