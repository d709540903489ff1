package slack

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"briefbot/bot"
)

func TestPostSplitsALongDigestIntoAThread(t *testing.T) {
	f := newFakeSlack(t)
	a, _, _ := newTestAdapter(t, f, Config{})
	r := longReply(20, 5)
	if err := a.Post(context.Background(), bot.Destination{Channel: "C0DIGEST"}, r); err != nil {
		t.Fatal(err)
	}
	posts := f.accepted()
	if len(posts) < 2 {
		t.Fatalf("a long digest went out as %d message(s)", len(posts))
	}
	var all strings.Builder
	for i, p := range posts {
		if p.Channel != "C0DIGEST" {
			t.Errorf("message %d to %q", i+1, p.Channel)
		}
		wantThread := posts[0].TS
		if i == 0 {
			wantThread = ""
		}
		if p.ThreadTS != wantThread {
			t.Errorf("message %d thread_ts = %q, want %q", i+1, p.ThreadTS, wantThread)
		}
		if len(p.BlockTexts()) == 0 || len(p.BlockTexts()) > 50 || p.Text == "" {
			t.Errorf("message %d: %d blocks, text %d chars", i+1, len(p.BlockTexts()), len(p.Text))
		}
		n := 0
		for _, b := range p.BlockTexts() {
			if c := utf8.RuneCountInString(b); c > 3000 {
				t.Errorf("message %d has a %d-character block", i+1, c)
			}
			n += utf8.RuneCountInString(b)
			all.WriteString(b + "\n")
		}
		if n > 4000 {
			t.Errorf("message %d has %d characters", i+1, n)
		}
	}
	for i := 1; i <= 100; i++ {
		if marker := "|" + strconv.Itoa(i) + ">]"; !strings.Contains(all.String(), marker) {
			t.Errorf("citation [%d] missing from the posted digest", i)
		}
	}
}

func TestPostIntoAGivenThread(t *testing.T) {
	f := newFakeSlack(t)
	a, _, _ := newTestAdapter(t, f, Config{})
	if err := a.Post(context.Background(), bot.Destination{Channel: "C0DIGEST", Thread: "1699999999.000001"}, longReply(8, 5)); err != nil {
		t.Fatal(err)
	}
	for i, p := range f.accepted() {
		if p.ThreadTS != "1699999999.000001" {
			t.Errorf("message %d thread_ts = %q", i+1, p.ThreadTS)
		}
	}
}

func TestPostWaitsOutRateLimits(t *testing.T) {
	f := newFakeSlack(t)
	f.fail = func(method string, n int) (int, string, string) {
		if n == 1 {
			return http.StatusTooManyRequests, "7", ""
		}
		return 0, "", ""
	}
	a, logs, waits := newTestAdapter(t, f, Config{})
	a.sleep = func(ctx context.Context, d time.Duration) error { *waits = append(*waits, d); return nil }
	if err := a.Post(context.Background(), bot.Destination{Channel: "C0DIGEST"}, bot.Reply{Title: "Daily briefing"}); err != nil {
		t.Fatalf("Post = %v, want success after waiting", err)
	}
	if len(*waits) != 1 || (*waits)[0] != 7*time.Second {
		t.Errorf("waited %v, want [7s] (Retry-After)", *waits)
	}
	if n := len(f.accepted()); n != 1 {
		t.Errorf("%d messages accepted, want 1", n)
	}
	if !strings.Contains(logs.String(), "method=chat.postMessage") || !strings.Contains(logs.String(), "channel=C0DIGEST") {
		t.Errorf("rate limit log lacks method and channel:\n%s", logs.String())
	}
}

func TestPostGivesUpAfterRepeatedRateLimits(t *testing.T) {
	f := newFakeSlack(t)
	f.fail = func(string, int) (int, string, string) { return http.StatusTooManyRequests, "1", "" }
	a, _, waits := newTestAdapter(t, f, Config{})
	a.sleep = func(ctx context.Context, d time.Duration) error { *waits = append(*waits, d); return nil }
	err := a.Post(context.Background(), bot.Destination{Channel: "C0DIGEST"}, bot.Reply{Title: "Daily briefing"})
	if err == nil {
		t.Fatal("Post succeeded although Slack never accepted the message")
	}
	if len(*waits) != maxAttempts-1 {
		t.Errorf("waited %d times, want %d", len(*waits), maxAttempts-1)
	}
}

func TestPostReportsWhatSlackRefused(t *testing.T) {
	tests := []struct {
		name     string
		status   int
		slackErr string
		want     string
	}{
		{"unknown channel", 0, "channel_not_found", "channel_not_found"},
		{"revoked token", 0, "invalid_auth", "invalid_auth"},
		{"server error", http.StatusInternalServerError, "", "500"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeSlack(t)
			f.fail = func(string, int) (int, string, string) { return tt.status, "", tt.slackErr }
			a, logs, _ := newTestAdapter(t, f, Config{})
			err := a.Post(context.Background(), bot.Destination{Channel: "C0GONE"}, bot.Reply{Title: "Daily briefing"})
			if err == nil {
				t.Fatal("Post = nil, want an error the caller can retry on")
			}
			for _, want := range []string{tt.want, "chat.postMessage", "C0GONE"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q lacks %q", err, want)
				}
			}
			if strings.Contains(err.Error(), testBotToken) || strings.Contains(logs.String(), testBotToken) {
				t.Error("the bot token reached the error or the log")
			}
		})
	}
}

func TestPostWithoutBotToken(t *testing.T) {
	a, _, _ := newTestAdapter(t, nil, Config{SigningSecret: testSecret})
	if err := a.Post(context.Background(), bot.Destination{Channel: "C1"}, bot.Reply{Title: "x"}); err == nil {
		t.Error("Post without a bot token = nil, want an error")
	}
}

// TestSecretsNeverReachTheLog drives every failing path with debug logging
// on and looks for the tokens, the signing secret and the response_url.
func TestSecretsNeverReachTheLog(t *testing.T) {
	f := newFakeSlack(t)
	f.fail = func(string, int) (int, string, string) { return 0, "", "invalid_auth" }
	rs := newResponseServer(t)
	rs.refuse(http.StatusNotFound)
	a, logs, _ := newTestAdapter(t, f, Config{AppToken: testAppToken, SigningSecret: testSecret, Now: fixedNow})
	h := a.HTTPHandler(handlerFunc(func(context.Context, bot.Request) bot.Reply { return longReply(6, 5) }))

	// An answer whose chat.postMessage and response_url both fail.
	serve(h, signed(t, "/slack/commands", "application/x-www-form-urlencoded", commandBody("digest", rs.hookURL("x")), testSecret, clock))
	// A response_url nobody listens on.
	serve(h, signed(t, "/slack/commands", "application/x-www-form-urlencoded", commandBody("digest", "http://127.0.0.1:1/commands/T0001/1/SECRETHOOKPATH"), testSecret, clock))
	// A mention whose reply is refused.
	serve(h, signed(t, "/slack/events", "application/json", eventBody("EvLog", mentionEvent("U0USER1", "<@"+testBotUser+"> hi", "1.0", "")), testSecret, clock))
	// A forged request.
	serve(h, signed(t, "/slack/events", "application/json", `{"type":"url_verification","challenge":"c"}`, "forged", clock))
	idle(t, a)
	if err := a.Post(context.Background(), bot.Destination{Channel: "C1"}, bot.Reply{Title: "x"}); err == nil {
		t.Error("Post succeeded against a failing API")
	}

	out := logs.String()
	if !strings.Contains(out, "reply not delivered") || !strings.Contains(out, "refused") {
		t.Fatalf("the failures were not logged:\n%s", out)
	}
	for _, secret := range []string{testBotToken, testAppToken, testSecret, "SECRETHOOKPATH"} {
		if strings.Contains(out, secret) {
			t.Errorf("%q reached the log:\n%s", secret, out)
		}
	}
}
