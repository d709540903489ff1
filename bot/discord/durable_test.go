package discord

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"briefbot/bot"
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

// An interaction token goes into REST paths escaped: whatever it holds,
// the answer edits that interaction's response and calls nothing else.
func TestInteractionTokenIsEscapedInPaths(t *testing.T) {
	h := &recorder{}
	s := newInteractionsServer(t, h)
	token := "tok/../../../channels/700000000000000001/messages?x=SECRET#y"
	body := briefInteraction("300000000000000050", token, s.f.AppID(), "ask", map[string]string{"question": "tides?"})
	if status, resp := s.post(t, body, testNow, nil); status != http.StatusOK || resp["type"] != float64(5) {
		t.Fatalf("status %d, response %v", status, resp)
	}
	if err := s.stop(); err != nil {
		t.Fatal(err)
	}
	for _, p := range append(s.f.Problems(), s.f.Unanswered()...) {
		t.Error(p)
	}
	for _, c := range s.f.Calls() {
		if c.Method != "PATCH" || !strings.HasSuffix(c.Path, "/messages/@original") || !strings.HasPrefix(c.Path, "/api/v9/webhooks/"+s.f.AppID()+"/tok/") {
			t.Errorf("unexpected call %s", c)
		}
	}
	if n := len(s.f.Calls()); n != 1 {
		t.Errorf("%d calls, want 1 (the edit of @original)", n)
	}
}

// A retry_after up to bot.MaxRetryAfter is waited out in full; a longer
// one is not waited for.
func TestLongRetryAfterIsHonouredUpToTheCap(t *testing.T) {
	for _, tt := range []struct {
		retryAfter float64
		wantWaits  []time.Duration
		wantErr    bool
	}{
		{90, []time.Duration{90 * time.Second}, false},
		{301, nil, true},
	} {
		f := discordfake.New(t, discordfake.Options{Token: testToken})
		f.Fail(func(route string, n int) *discordfake.Failure {
			if n == 1 {
				return &discordfake.Failure{Status: http.StatusTooManyRequests, RetryAfter: tt.retryAfter}
			}
			return nil
		})
		a, err := New(Config{BotToken: testToken, APIURL: f.URL()})
		if err != nil {
			t.Fatal(err)
		}
		var waits []time.Duration
		a.sleep = func(_ context.Context, d time.Duration) error { waits = append(waits, d); return nil }
		err = a.Post(context.Background(), bot.Destination{Channel: "700000000000000005"}, bot.Reply{Title: "Briefing"})
		if (err != nil) != tt.wantErr || (tt.wantErr && !errors.Is(err, bot.ErrRetryTooLong)) {
			t.Errorf("retry_after %v: Post = %v, want error %v", tt.retryAfter, err, tt.wantErr)
		}
		if fmt.Sprint(waits) != fmt.Sprint(tt.wantWaits) {
			t.Errorf("retry_after %v: waited %v, want %v", tt.retryAfter, waits, tt.wantWaits)
		}
	}
}
