package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"briefbot/bot/discord/discordfake"
	"briefbot/bot/slack/slackfake"
	"briefbot/briefing/llm/llmtest"
	"briefbot/config"
)

const (
	slackSecret = "e2e-signing-secret-0123456789"
	slackToken  = "xoxb-e2e-SECRET-token"
	discordApp  = "111122223333"
)

// waitPost waits until the fake Slack has accepted a message that match
// accepts and returns its text and blocks; the deadline only stops a broken
// test from hanging.
func waitPost(t *testing.T, f *slackfake.Server, what string, match func(slackfake.Post) bool) string {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		for _, p := range f.Posts() {
			if match(p) {
				return p.ResponseType + "\n" + p.Text + "\n" + p.Blocks
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %s; posts: %+v", what, f.Posts())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// response waits for the reply posted to response_url id.
func response(t *testing.T, f *slackfake.Server, id string) string {
	t.Helper()
	return waitPost(t, f, "reply on response_url "+id, func(p slackfake.Post) bool { return p.Hook == id })
}

// startServe runs serve with env and hooks (hooks.ready is set here) until
// the test ends. It returns serve's base URL and a stop function that
// cancels serve and waits for it to return, once in-flight answers are
// drained.
func startServe(t *testing.T, env map[string]string, logs io.Writer, hooks serveHooks) (string, func()) {
	t.Helper()
	env["BRIEFBOT_HTTP_ADDR"] = "127.0.0.1:0"
	if env["BRIEFBOT_CORPUS_DIR"] == "" {
		env["BRIEFBOT_CORPUS_DIR"] = newsDir(t)
	}
	if env["BRIEFBOT_DATA_DIR"] == "" {
		env["BRIEFBOT_DATA_DIR"] = t.TempDir()
	}
	cfg, err := config.Load(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	hooks.ready = ready
	go func() { done <- serve(ctx, cfg, log, hooks) }()
	var base string
	select {
	case addr := <-ready:
		base = "http://" + addr
	case err := <-done:
		t.Fatalf("serve stopped: %v", err)
	}
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("serve returned %v", err)
			}
		})
	}
	t.Cleanup(stop)
	deadline := time.Now().Add(60 * time.Second) // only stops a broken test from hanging
	for {
		resp, err := http.Get(base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("serve never became healthy")
		}
		time.Sleep(20 * time.Millisecond)
	}
	return base, stop
}

// firstWaitClock is the scheduler's injected clock for serve: it starts at
// the real time, and the scheduler's first wait (for the first fire time
// of a schedule firing each minute) passes at once, moving the clock on;
// later waits never pass.
type firstWaitClock struct {
	mu     sync.Mutex
	now    time.Time
	waited bool
}

func (c *firstWaitClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *firstWaitClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan time.Time, 1)
	if !c.waited {
		c.waited = true
		c.now = c.now.Add(d)
		ch <- c.now
	}
	return ch
}

func slackCommand(t *testing.T, base, text, responseURL string, ts time.Time, forge bool) *http.Response {
	t.Helper()
	form := url.Values{"command": {"/brief"}, "text": {text}, "response_url": {responseURL}, "channel_id": {"C0SERVE"},
		"user_id": {"U1"}, "team_id": {"T1"}, "trigger_id": {fmt.Sprint(time.Now().UnixNano())}}
	body := form.Encode()
	req, _ := http.NewRequest(http.MethodPost, base+"/slack/commands", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	slackfake.Sign(req, body, slackSecret, ts)
	if forge {
		req.Header.Set("X-Slack-Signature", "v0="+strings.Repeat("0", 64))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

// TestServeSlackHTTPEndToEnd drives serve over HTTP: health, metrics, signed
// slash commands (good, forged, stale), the answer on response_url, with an
// LLM summary, and a schedule from config posting a digest to Slack.
func TestServeSlackHTTPEndToEnd(t *testing.T) {
	fake := slackfake.New(t, slackfake.Options{BotToken: slackToken})
	model := llmtest.NewServer(t)

	logs := &syncWriter{w: &bytes.Buffer{}}
	clock := &firstWaitClock{now: time.Now()}
	base, _ := startServe(t, map[string]string{
		"SLACK_SIGNING_SECRET": slackSecret, "SLACK_BOT_TOKEN": slackToken, "SLACK_API_URL": fake.APIURL(),
		"BRIEFBOT_DIGEST_SCHEDULE": "@every 1m", "BRIEFBOT_DIGEST_CHANNELS": "slack:CDIGEST",
		"OPENAI_BASE_URL": model.URL, "OPENAI_API_KEY": "sk-e2e-SECRET", "BRIEFBOT_LLM_MODEL": "e2e-model",
	}, logs, serveHooks{now: clock.Now, after: clock.After})

	for _, path := range []string{"/healthz", "/readyz"} {
		resp, err := http.Get(base + path)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("%s: %v %v", path, resp, err)
		}
		resp.Body.Close()
	}

	// A good command is acknowledged before it is answered: the model
	// replies only once the ack is in, so an ack that waited for the answer
	// would see the summary time out and the answer lack the model's name.
	acked := make(chan struct{})
	model.Respond(func(r llmtest.Request) llmtest.Reply { <-acked; return llmtest.Echo(r) })
	resp := slackCommand(t, base, "ask what did sources say about export controls?", fake.ResponseURL("r1"), time.Now(), false)
	close(acked)
	if resp.StatusCode != 200 {
		t.Fatalf("signed command: %s", resp.Status)
	}
	answer := response(t, fake, "r1")
	for _, want := range []string{"in_channel", "export controls", "The Example Ledger", "e2e-model"} {
		if !strings.Contains(answer, want) {
			t.Errorf("answer lacks %q:\n%s", want, answer)
		}
	}

	// Forged and stale requests get 401 and no answer.
	if resp := slackCommand(t, base, "ask export controls", fake.ResponseURL("forged"), time.Now(), true); resp.StatusCode != 401 {
		t.Errorf("forged: %s, want 401", resp.Status)
	}
	if resp := slackCommand(t, base, "ask export controls", fake.ResponseURL("stale"), time.Now().Add(-6*time.Minute), false); resp.StatusCode != 401 {
		t.Errorf("stale: %s, want 401", resp.Status)
	}

	// Bad input: usage, only to the asker.
	slackCommand(t, base, "", fake.ResponseURL("r2"), time.Now(), false)
	usage := response(t, fake, "r2")
	if !strings.Contains(usage, "/brief ask") || !strings.HasPrefix(usage, "ephemeral") {
		t.Errorf("usage should be ephemeral:\n%s", usage)
	}

	// The configured schedule posts a digest of what is new at its first
	// fire time, a minute later on the scheduler's clock.
	digest := waitPost(t, fake, "digest in CDIGEST", func(p slackfake.Post) bool {
		return p.Channel == "CDIGEST" && strings.Contains(p.Text+p.Blocks, "Briefing for")
	})
	if !strings.Contains(digest, "Washington tightens chip export controls again") {
		t.Errorf("digest lacks the corpus's articles:\n%s", digest)
	}

	// Metrics count what happened.
	mresp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(mresp.Body)
	mresp.Body.Close()
	for _, want := range []string{"briefbot_commands_total", "briefbot_command_seconds_bucket", "briefbot_digests_total", "briefbot_llm_calls_total", "briefbot_slack_requests_total"} {
		if !bytes.Contains(metrics, []byte(want)) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	for _, p := range fake.Posts() {
		if p.Hook == "forged" || p.Hook == "stale" {
			t.Error("a forged or stale command was answered")
		}
	}
	for _, secret := range []string{slackSecret, slackToken, "sk-e2e-SECRET"} {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("a secret reached the logs: %s", secret)
		}
	}
}

// TestServeDiscordInteractions drives signed Discord interactions through
// serve: PING, a good command answered through the interaction webhook, and
// forged and stale requests refused.
func TestServeDiscordInteractions(t *testing.T) {
	rest := discordfake.New(t, discordfake.Options{AppID: discordApp})
	pub, priv, _ := ed25519.GenerateKey(nil)
	base, stop := startServe(t, map[string]string{
		"DISCORD_APP_ID": discordApp, "DISCORD_PUBLIC_KEY": hex.EncodeToString(pub), "DISCORD_API_URL": rest.URL(),
	}, io.Discard, serveHooks{})

	send := func(body string, ts time.Time, key ed25519.PrivateKey) (int, map[string]any) {
		var v any
		if err := json.Unmarshal([]byte(body), &v); err != nil {
			t.Fatal(err)
		}
		status, raw := rest.PostInteraction(t, base+"/discord/interactions", key, ts, v)
		var m map[string]any
		json.Unmarshal(raw, &m)
		return status, m
	}

	if status, resp := send(`{"type":1,"id":"1","application_id":"`+discordApp+`","token":"tok-ping"}`, time.Now(), priv); status != 200 || resp["type"] != float64(1) {
		t.Fatalf("PING: %d %v", status, resp)
	}
	cmd := `{"type":2,"id":"77","application_id":"` + discordApp + `","token":"tok-ask","channel_id":"42","guild_id":"5",` +
		`"member":{"user":{"id":"9","username":"ana"}},"data":{"id":"3","name":"brief","type":1,"options":[{"name":"ask","type":1,` +
		`"options":[{"name":"question","type":3,"value":"what did sources say about export controls?"}]}]}}`
	if status, resp := send(cmd, time.Now(), priv); status != 200 || resp["type"] != float64(5) {
		t.Fatalf("command: %d %v, want 200 with a deferred response (type 5)", status, resp)
	}
	edit := "/api/v9/webhooks/" + discordApp + "/tok-ask/messages/@original"
	cs := rest.WaitFor(t, "the answer through the webhook", func(cs []discordfake.Call) bool {
		return len(discordfake.Matching(cs, "PATCH", edit)) > 0
	})
	answer := string(discordfake.Matching(cs, "PATCH", edit)[0].Body)
	if !strings.Contains(answer, "export controls") || !strings.Contains(answer, "The Example Ledger") || !strings.Contains(answer, "[1]") {
		t.Errorf("answer through the webhook lacks the cited source:\n%s", answer)
	}

	_, other, _ := ed25519.GenerateKey(nil)
	forged := strings.Replace(cmd, "tok-ask", "tok-forged", 1)
	if status, _ := send(forged, time.Now(), other); status != 401 {
		t.Errorf("forged: %d, want 401", status)
	}
	stale := strings.Replace(cmd, "tok-ask", "tok-stale", 1)
	if status, _ := send(stale, time.Now().Add(-6*time.Minute), priv); status != 401 {
		t.Errorf("stale: %d, want 401", status)
	}
	// Once serve has stopped, every answer it started has been sent.
	stop()
	for _, c := range rest.Calls() {
		if strings.Contains(c.Path, "tok-forged") || strings.Contains(c.Path, "tok-stale") {
			t.Errorf("a refused interaction was answered: %s", c)
		}
	}
}

// syncWriter serialises writes to a buffer read by the test.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

func (s *syncWriter) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return fmt.Sprint(s.w)
}

// TestServeRefreshesTheCorpus adds an article to the corpus folder while
// serve runs, unwatched: the next re-scan (BRIEFBOT_REFRESH) makes it
// answerable.
func TestServeRefreshesTheCorpus(t *testing.T) {
	fake := slackfake.New(t, slackfake.Options{BotToken: slackToken})
	dir := t.TempDir()
	write := func(name, text string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("ferry.md", "---\ntitle: Electric ferry enters service\nsource: Harbour Example\n---\nThe city's first battery ferry began carrying passengers across the bay on Monday, cutting the crossing's fuel bill.\n")
	base, _ := startServe(t, map[string]string{
		"SLACK_SIGNING_SECRET": slackSecret, "SLACK_BOT_TOKEN": slackToken, "SLACK_API_URL": fake.APIURL(),
		"BRIEFBOT_CORPUS_DIR": dir, "BRIEFBOT_REFRESH": "100ms", "BRIEFBOT_WATCH": "off",
	}, io.Discard, serveHooks{})

	write("glacier.md", "---\ntitle: Alpine glacier retreats a record distance\nsource: Mountain Example\n---\nSurveyors measured the glacier's tongue forty metres shorter than last autumn, the largest retreat since records began.\n")
	deadline := time.Now().Add(60 * time.Second)
	for i := 0; ; i++ {
		id := fmt.Sprintf("q%d", i)
		slackCommand(t, base, "ask how far did the glacier retreat?", fake.ResponseURL(id), time.Now(), false)
		answer := response(t, fake, id)
		if strings.Contains(answer, "Alpine glacier retreats") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the new article was never answered from; last answer:\n%s", answer)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
