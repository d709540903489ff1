package discord

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"briefbot/bot"
	"briefbot/bot/discord/discordfake"
)

var testNow = time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)

// interactionsServer is an Adapter in HTTP-interactions mode (no bot
// token) mounted at /discord/ as serve mounts it, talking to a fake Discord.
type interactionsServer struct {
	f    *fakeDiscord
	a    *Adapter
	srv  *httptest.Server
	key  ed25519.PrivateKey
	stop func() error
	logs *logs
}

func newInteractionsServer(t *testing.T, h bot.Handler) *interactionsServer {
	t.Helper()
	return newInteractionsServerWith(t, h, nil)
}

// newInteractionsServerWith is newInteractionsServer remembering deliveries
// in seen (nil: in memory).
func newInteractionsServerWith(t *testing.T, h bot.Handler, seen bot.Seen) *interactionsServer {
	t.Helper()
	f := newFakeDiscord(t)
	key := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, ed25519.SeedSize))
	logger, logged := captureLogs(t)
	a, err := New(Config{
		AppID: f.AppID(), PublicKey: hex.EncodeToString(key.Public().(ed25519.PublicKey)),
		APIURL: f.URL(), Log: logger, Now: func() time.Time { return testNow }, Seen: seen,
	})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/discord/", a.HTTPHandler(h))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return &interactionsServer{f: f, a: a, srv: srv, key: key, stop: listen(t, a, h), logs: logged}
}

// post sends a signed interaction; signer nil signs with the right key.
func (s *interactionsServer) post(t *testing.T, body any, at time.Time, signer ed25519.PrivateKey) (int, map[string]any) {
	t.Helper()
	if signer == nil {
		signer = s.key
	}
	status, raw := s.f.PostInteraction(t, s.srv.URL+"/discord/interactions", signer, at, body)
	var out map[string]any
	_ = json.Unmarshal(raw, &out)
	return status, out
}

func TestHTTPInteractions(t *testing.T) {
	h := &recorder{}
	s := newInteractionsServer(t, h)
	forger := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{9}, ed25519.SeedSize))
	ping := map[string]any{"id": "300000000000000010", "application_id": s.f.AppID(), "type": 1, "token": "ping-token", "version": 1}
	cmd := func(id, token string) map[string]any {
		return briefInteraction(id, token, s.f.AppID(), "digest", map[string]string{"topic": "wave farms"})
	}

	s.f.status["PATCH /api/v9/webhooks/"+s.f.AppID()+"/expired-token-SECRET/messages/@original"] = http.StatusNotFound

	tests := []struct {
		name       string
		body       any
		at         time.Time
		signer     ed25519.PrivateKey
		wantStatus int
		wantType   float64 // the interaction response type; 0: none
	}{
		{"ping gets pong", ping, testNow, nil, 200, 1},
		{"good command is deferred", cmd("300000000000000011", "good-token-SECRET"), testNow.Add(-4 * time.Minute), nil, 200, 5},
		{"command whose webhook has expired", cmd("300000000000000016", "expired-token-SECRET"), testNow, nil, 200, 5},
		{"forged signature", cmd("300000000000000012", "forged-token"), testNow, forger, 401, 0},
		{"stale timestamp", cmd("300000000000000013", "stale-token"), testNow.Add(-6 * time.Minute), nil, 401, 0},
		{"timestamp from the future", cmd("300000000000000014", "future-token"), testNow.Add(6 * time.Minute), nil, 401, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, resp := s.post(t, tt.body, tt.at, tt.signer)
			if status != tt.wantStatus {
				t.Fatalf("status %d, want %d", status, tt.wantStatus)
			}
			if tt.wantType != 0 && resp["type"] != tt.wantType {
				t.Errorf("response type %v, want %v", resp["type"], tt.wantType)
			}
		})
	}

	t.Run("tampered body", func(t *testing.T) {
		b, _ := json.Marshal(cmd("300000000000000015", "tampered-token"))
		ts := strconv.FormatInt(testNow.Unix(), 10)
		sig := ed25519.Sign(s.key, append([]byte(ts), b...))
		b = bytes.Replace(b, []byte("wave farms"), []byte("wave farmz"), 1)
		req, _ := http.NewRequest("POST", s.srv.URL+"/discord/interactions", bytes.NewReader(b))
		req.Header.Set("X-Signature-Timestamp", ts)
		req.Header.Set("X-Signature-Ed25519", hex.EncodeToString(sig))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 401 {
			t.Errorf("status %d, want 401", resp.StatusCode)
		}
	})

	t.Run("unsigned and wrong method", func(t *testing.T) {
		resp, err := http.Post(s.srv.URL+"/discord/interactions", "application/json", strings.NewReader(`{"type":1}`))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 401 {
			t.Errorf("unsigned: status %d, want 401", resp.StatusCode)
		}
		resp, err = http.Get(s.srv.URL + "/discord/interactions")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 405 {
			t.Errorf("GET: status %d, want 405", resp.StatusCode)
		}
	})

	if err := s.stop(); err != nil {
		t.Fatalf("Listen: %v", err)
	}
	cs := s.f.Calls()
	edit := "/api/v9/webhooks/" + s.f.AppID() + "/good-token-SECRET/messages/@original"
	if e := discordfake.Matching(cs, "PATCH", edit); len(e) != 1 || !strings.Contains(string(e[0].Body), "You said: digest wave farms") {
		t.Errorf("want one edit of @original with the answer; calls %v", cs)
	}
	for _, c := range cs {
		if c.Method == "POST" && strings.HasPrefix(c.Path, "/api/v9/interactions/") {
			t.Errorf("an HTTP interaction was answered through the callback endpoint too: %s", c)
		}
		for _, tok := range []string{"forged-token", "stale-token", "future-token", "tampered-token"} {
			if strings.Contains(c.Path, tok) {
				t.Errorf("a rejected interaction was answered: %s", c)
			}
		}
	}
	if reqs := h.requests(); len(reqs) != 2 || reqs[0].Text != "digest wave farms" || reqs[0].Kind != bot.Command {
		t.Errorf("handled %+v, want only the two signed commands", reqs)
	}
	for result, want := range map[string]float64{"ok": 1, "failed": 1, "unauthorized": 5} {
		if got := testutil.ToFloat64(s.a.requests.WithLabelValues("command", result)); got != want {
			t.Errorf("requests{kind=command,result=%s} = %v, want %v", result, got, want)
		}
	}
	out := s.logs.String()
	if !strings.Contains(out, "answer interaction") || !strings.Contains(out, "HTTP 404") {
		t.Errorf("the failed delivery was not logged:\n%s", out)
	}
	if strings.Contains(out, "SECRET") {
		t.Errorf("logs contain an interaction token:\n%s", out)
	}
}

func TestInteractionAnswers(t *testing.T) {
	long := longReply()
	tests := []struct {
		name  string
		reply bot.Reply
		want  func(t *testing.T, cs []discordfake.Call, base string)
	}{
		{"long answer split into follow-ups", long, func(t *testing.T, cs []discordfake.Call, base string) {
			msgs := render(long)
			edits, follows := discordfake.Matching(cs, "PATCH", base+"/messages/@original"), discordfake.Matching(cs, "POST", base)
			if len(edits) != 1 || len(follows) != len(msgs)-1 {
				t.Fatalf("%d edits and %d follow-ups, want 1 and %d", len(edits), len(follows), len(msgs)-1)
			}
			for i, c := range append(edits, follows...) {
				var got message
				if err := json.Unmarshal(c.Body, &got); err != nil {
					t.Fatal(err)
				}
				checkLimits(t, []message{got})
				if len(got.Embeds) != len(msgs[i].Embeds) || got.Embeds[0].Description != msgs[i].Embeds[0].Description {
					t.Errorf("message %d is not the rendered message %d", i, i)
				}
				if flags, _ := c.Decode(t)["flags"].(float64); flags != 0 {
					t.Errorf("message %d has flags %v; a public answer has none", i, flags)
				}
			}
			if discordfake.IndexOf(cs, "PATCH", base+"/messages/@original") > discordfake.IndexOf(cs, "POST", base) {
				t.Error("a follow-up went out before the edit of @original")
			}
		}},
		{"ephemeral answer", bot.Reply{Ephemeral: true, Title: "`ask` needs a question."}, func(t *testing.T, cs []discordfake.Call, base string) {
			edit, follow, del := discordfake.IndexOf(cs, "PATCH", base+"/messages/@original"), discordfake.IndexOf(cs, "POST", base), discordfake.IndexOf(cs, "DELETE", base+"/messages/@original")
			if edit < 0 || follow < 0 || del < 0 || !(edit < follow && follow < del) {
				t.Fatalf("want edit of the placeholder, ephemeral follow-up, delete of the placeholder; calls %v", cs)
			}
			if c := cs[edit].Decode(t)["content"]; c != privateNote {
				t.Errorf("placeholder edited to %q", c)
			}
			m := cs[follow].Decode(t)
			if m["flags"] != float64(discordgo.MessageFlagsEphemeral) {
				t.Errorf("follow-up flags = %v, want 64", m["flags"])
			}
			if !strings.Contains(string(cs[follow].Body), "needs a question") {
				t.Errorf("follow-up lacks the reply: %s", cs[follow].Body)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := &recorder{reply: func(bot.Request) bot.Reply { return tt.reply }}
			s := newInteractionsServer(t, h)
			status, resp := s.post(t, briefInteraction("300000000000000020", "tok-SECRET", s.f.AppID(), "ask", map[string]string{"question": "tides?"}), testNow, nil)
			if status != 200 || resp["type"] != float64(5) {
				t.Fatalf("status %d, response %v; want 200 type 5", status, resp)
			}
			if err := s.stop(); err != nil {
				t.Fatal(err)
			}
			tt.want(t, s.f.Calls(), "/api/v9/webhooks/"+s.f.AppID()+"/tok-SECRET")
		})
	}
}

func TestPostRateLimited(t *testing.T) {
	tests := []struct {
		name      string
		limited   int // 429s before success
		wantErr   bool
		wantPosts int // accepted messages
		wantWaits int
	}{
		{"one 429 then success", 1, false, 1, 1},
		{"always 429", 100, true, 0, maxRateLimitTries - 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeDiscord(t)
			path := "/api/v9/channels/700000000000000005/messages"
			f.limited["POST "+path] = tt.limited
			a, err := New(Config{BotToken: testToken, APIURL: f.URL()})
			if err != nil {
				t.Fatal(err)
			}
			var waits []time.Duration
			a.sleep = func(_ context.Context, d time.Duration) error { waits = append(waits, d); return nil }
			err = a.Post(context.Background(), bot.Destination{Channel: "700000000000000005"}, bot.Reply{Title: "Briefing for Monday"})
			if (err != nil) != tt.wantErr {
				t.Fatalf("Post = %v, want error %v", err, tt.wantErr)
			}
			posts := len(discordfake.Matching(f.Calls(), "POST", path))
			if got := posts - min(tt.limited, posts); got != tt.wantPosts {
				t.Errorf("%d messages accepted, want %d", got, tt.wantPosts)
			}
			if len(waits) != tt.wantWaits {
				t.Fatalf("waited %d times, want %d", len(waits), tt.wantWaits)
			}
			for _, w := range waits {
				if w != 1500*time.Millisecond {
					t.Errorf("waited %s, want the body's retry_after 1.5s", w)
				}
			}
		})
	}
}

func TestPostThreadAndErrors(t *testing.T) {
	f := newFakeDiscord(t)
	f.status["POST /api/v9/channels/700000000000000006/messages"] = http.StatusForbidden
	a, err := New(Config{BotToken: testToken, APIURL: f.URL()})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := a.Post(ctx, bot.Destination{Channel: "700000000000000005", Thread: "700000000000000004"}, bot.Reply{Title: "x"}); err != nil {
		t.Fatal(err)
	}
	if n := len(discordfake.Matching(f.Calls(), "POST", "/api/v9/channels/700000000000000004/messages")); n != 1 {
		t.Errorf("%d posts to the thread, want 1", n)
	}
	err = a.Post(ctx, bot.Destination{Channel: "700000000000000006"}, bot.Reply{Title: "x"})
	var ae *apiError
	if !errors.As(err, &ae) || ae.Status != http.StatusForbidden {
		t.Errorf("Post to a forbidden channel = %v, want an HTTP 403 apiError", err)
	}
	if err := a.Post(ctx, bot.Destination{}, bot.Reply{Title: "x"}); err == nil {
		t.Error("Post without a channel succeeded")
	}
}

func TestScrub(t *testing.T) {
	secretURL := "https://discord.com/api/v9/webhooks/1/interaction-token-SECRET/messages/@original"
	tests := []error{
		&url.Error{Op: "Patch", URL: secretURL, Err: errors.New("connection refused")},
		&discordgo.RateLimitError{RateLimit: &discordgo.RateLimit{TooManyRequests: &discordgo.TooManyRequests{RetryAfter: time.Second}, URL: secretURL}},
	}
	for _, err := range tests {
		if got := scrub(err).Error(); strings.Contains(got, "SECRET") {
			t.Errorf("scrub(%T) = %q still holds the token", err, got)
		}
	}
	ctxErr := scrub(&url.Error{Op: "Post", URL: secretURL, Err: context.Canceled})
	if !errors.Is(ctxErr, context.Canceled) {
		t.Errorf("scrub lost context.Canceled: %v", ctxErr)
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
	}{
		{"short public key", Config{AppID: "1", PublicKey: "abcd"}},
		{"public key without app id", Config{PublicKey: strings.Repeat("ab", 32)}},
		{"API URL without scheme", Config{APIURL: "discord.example"}},
		{"no API URL", Config{BotToken: testToken}},
	}
	for _, tt := range tests {
		if _, err := New(tt.cfg); err == nil {
			t.Errorf("%s: New accepted it", tt.name)
		}
	}
}

func TestHTTPHandlerNotConfigured(t *testing.T) {
	a, err := New(Config{BotToken: testToken, APIURL: "https://discord.com"})
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	a.HTTPHandler(&recorder{}).ServeHTTP(rec, httptest.NewRequest("POST", "/discord/interactions", strings.NewReader("{}")))
	if rec.Code != http.StatusNotFound {
		t.Errorf("status %d, want 404 when DISCORD_PUBLIC_KEY is not set", rec.Code)
	}
}
