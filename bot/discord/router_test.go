package discord

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"briefbot/bot"
	"briefbot/bot/discord/discordfake"
	"briefbot/briefing"
	"briefbot/briefing/store"
)

// TestRouterOverInteractions drives the real /brief router over a real
// briefing library (testdata/corpus) through signed HTTP interactions and
// checks what Discord receives.
func TestRouterOverInteractions(t *testing.T) {
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
	s := newInteractionsServer(t, router)

	send := func(id, token, sub string, opts map[string]string) {
		t.Helper()
		if status, resp := s.post(t, briefInteraction(id, token, s.f.AppID(), sub, opts), testNow, nil); status != 200 || resp["type"] != float64(5) {
			t.Fatalf("%s: status %d, response %v; want 200 type 5", sub, status, resp)
		}
	}
	send("300000000000000031", "ask-token", "ask", map[string]string{"question": "what did sources say about turbine maintenance costs?"})
	send("300000000000000032", "bad-token", "ask", map[string]string{"question": " "})
	send("300000000000000033", "digest-token", "digest", map[string]string{"topic": "30d"})
	if err := s.stop(); err != nil {
		t.Fatal(err)
	}
	cs := s.f.Calls()
	base := "/api/v9/webhooks/" + s.f.AppID() + "/"

	t.Run("ask: cited quotes", func(t *testing.T) {
		edits := discordfake.Matching(cs, "PATCH", base+"ask-token/messages/@original")
		if len(edits) != 1 {
			t.Fatalf("%d edits of @original, want 1; calls %v", len(edits), cs)
		}
		var m message
		if err := json.Unmarshal(edits[0].Body, &m); err != nil {
			t.Fatal(err)
		}
		checkLimits(t, []message{m})
		desc := m.Embeds[0].Description
		if !strings.Contains(desc, "> ") || !strings.Contains(desc, "](https://coast.example.org/energy/tidal-strait)") {
			t.Errorf("the answer lacks a quote cited to the tidal article:\n%s", desc)
		}
		if !strings.Contains(desc, "Maintenance costs fell by roughly a third") {
			t.Errorf("the answer does not quote the passage on maintenance costs:\n%s", desc)
		}
	})

	t.Run("bad input: private usage", func(t *testing.T) {
		follows := discordfake.Matching(cs, "POST", base+"bad-token")
		if len(follows) != 1 {
			t.Fatalf("%d follow-ups, want 1 ephemeral usage message; calls %v", len(follows), cs)
		}
		m := follows[0].Decode(t)
		if m["flags"] != float64(64) || !strings.Contains(string(follows[0].Body), "/brief ask") {
			t.Errorf("usage follow-up: %s", follows[0].Body)
		}
		if len(discordfake.Matching(cs, "DELETE", base+"bad-token/messages/@original")) != 1 {
			t.Error("the public placeholder of a private answer was not deleted")
		}
	})

	t.Run("digest", func(t *testing.T) {
		edits := discordfake.Matching(cs, "PATCH", base+"digest-token/messages/@original")
		if len(edits) != 1 {
			t.Fatalf("%d edits of @original, want 1", len(edits))
		}
		var m message
		if err := json.Unmarshal(edits[0].Body, &m); err != nil {
			t.Fatal(err)
		}
		checkLimits(t, []message{m})
		body := m.Embeds[0].Title + m.Embeds[0].Description
		for _, want := range []string{"Tidal turbines in the strait", "Wave farm trial", "Island grid"} {
			if !strings.Contains(body, want) {
				t.Errorf("the digest lacks %q:\n%s", want, body)
			}
		}
	})
}
