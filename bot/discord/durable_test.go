package discord

import (
	"context"
	"net/http"
	"testing"
	"time"

	"briefbot/bot/discord/discordfake"
	"briefbot/briefing/store"
)

// One interaction delivered three times (a replay within the signature's
// five minutes, or Discord sending it again) is answered once; so is one
// delivered again after a restart, since the ids are kept in the store.
func TestInteractionDeliveredAgainIsAnsweredOnce(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	seen, err := store.OpenSeen(ctx, st, func() time.Time { return testNow })
	if err != nil {
		t.Fatal(err)
	}
	h := &recorder{}
	var first *interactionsServer
	for run := range 2 { // the first process, then the restarted one
		s := newInteractionsServerWith(t, h, seen)
		if first == nil {
			first = s
		}
		body := briefInteraction("300000000000000040", "replayed-token-SECRET", s.f.AppID(), "ask", map[string]string{"question": "tides?"})
		for i := range 3 {
			status, resp := s.post(t, body, testNow, nil)
			switch {
			case run == 0 && i == 0:
				if status != http.StatusOK || resp["type"] != float64(5) {
					t.Fatalf("first delivery: %d %v, want 200 with a deferral", status, resp)
				}
			case status != http.StatusConflict:
				t.Errorf("run %d, delivery %d: status %d, want 409 (already taken)", run, i+1, status)
			}
		}
		if err := s.stop(); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(h.requests()); n != 1 {
		t.Errorf("the handler got %d requests, want 1", n)
	}
	edits := discordfake.Matching(first.f.Calls(), "PATCH", "/api/v9/webhooks/"+first.f.AppID()+"/replayed-token-SECRET/messages/@original")
	if len(edits) != 1 {
		t.Errorf("%d answers, want 1", len(edits))
	}
}
