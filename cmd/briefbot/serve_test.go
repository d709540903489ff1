package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack/slacktest"

	"briefbot/briefing/llm/llmtest"
	"briefbot/config"
)

const (
	slackSecret = "e2e-signing-secret-0123456789"
	slackToken  = "xoxb-e2e-SECRET-token"
	discordApp  = "111122223333"
)

// capture records request bodies by path, for the fakes.
type capture struct {
	mu   sync.Mutex
	hits map[string][]string
}

func (c *capture) add(path, body string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.hits == nil {
		c.hits = map[string][]string{}
	}
	c.hits[path] = append(c.hits[path], body)
}

// wait polls until some recorded path matching prefix has a body containing
// want, or fails after the deadline.
func (c *capture) wait(t *testing.T, prefix, want string, within time.Duration) string {
	t.Helper()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		c.mu.Lock()
		for p, bodies := range c.hits {
			if strings.HasPrefix(p, prefix) {
				for _, b := range bodies {
					if strings.Contains(b, want) {
						c.mu.Unlock()
						return b
					}
				}
			}
		}
		c.mu.Unlock()
		time.Sleep(20 * time.Millisecond)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	t.Fatalf("no request to %s containing %q within %s; got %v", prefix, want, within, c.hits)
	return ""
}

func (c *capture) count(prefix string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for p, bodies := range c.hits {
		if strings.HasPrefix(p, prefix) {
			n += len(bodies)
		}
	}
	return n
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
	deadline := time.Now().Add(10 * time.Second)
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

func signSlack(req *http.Request, body string, ts time.Time) {
	stamp := strconv.FormatInt(ts.Unix(), 10)
	mac := hmac.New(sha256.New, []byte(slackSecret))
	fmt.Fprintf(mac, "v0:%s:%s", stamp, body)
	req.Header.Set("X-Slack-Request-Timestamp", stamp)
	req.Header.Set("X-Slack-Signature", "v0="+hex.EncodeToString(mac.Sum(nil)))
}

func slackCommand(t *testing.T, base, text, responseURL string, ts time.Time, forge bool) *http.Response {
	t.Helper()
	form := url.Values{"command": {"/brief"}, "text": {text}, "response_url": {responseURL}, "channel_id": {"C0SERVE"},
		"user_id": {"U1"}, "team_id": {"T1"}, "trigger_id": {fmt.Sprint(time.Now().UnixNano())}}
	body := form.Encode()
	req, _ := http.NewRequest(http.MethodPost, base+"/slack/commands", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	signSlack(req, body, ts)
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
	var got capture
	responses := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got.add("response_url"+r.URL.Path, string(b))
	}))
	defer responses.Close()
	fake := slacktest.NewTestServer(func(c slacktest.Customize) {
		c.Handle("/chat.postMessage", func(w http.ResponseWriter, r *http.Request) {
			r.ParseForm()
			got.add("chat.postMessage/"+r.PostForm.Get("channel"), r.PostForm.Get("text")+"\n"+r.PostForm.Get("blocks"))
			fmt.Fprintf(w, `{"ok":true,"channel":%q,"ts":"1700000000.000100"}`, r.PostForm.Get("channel"))
		})
		c.Handle("/auth.test", func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, `{"ok":true,"user_id":"UBOT","bot_id":"B1","team_id":"T1"}`)
		})
	})
	fake.Start()
	defer fake.Stop()
	model := llmtest.NewServer(t)

	logs := &syncWriter{w: &bytes.Buffer{}}
	clock := &firstWaitClock{now: time.Now()}
	base, _ := startServe(t, map[string]string{
		"SLACK_SIGNING_SECRET": slackSecret, "SLACK_BOT_TOKEN": slackToken, "SLACK_API_URL": fake.GetAPIURL(),
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

	// A good command is acknowledged at once; the answer follows on response_url.
	start := time.Now()
	resp := slackCommand(t, base, "ask what did sources say about export controls?", responses.URL+"/r1", time.Now(), false)
	if resp.StatusCode != 200 {
		t.Fatalf("signed command: %s", resp.Status)
	}
	if ack := time.Since(start); ack > 3*time.Second {
		t.Errorf("ack took %s, Slack allows 3s", ack)
	}
	answer := got.wait(t, "response_url/r1", "export controls", 10*time.Second)
	for _, want := range []string{`"response_type":"in_channel"`, "The Example Ledger", "e2e-model"} {
		if !strings.Contains(answer, want) {
			t.Errorf("answer lacks %q:\n%s", want, answer)
		}
	}

	// Forged and stale requests get 401 and no answer.
	if resp := slackCommand(t, base, "ask export controls", responses.URL+"/forged", time.Now(), true); resp.StatusCode != 401 {
		t.Errorf("forged: %s, want 401", resp.Status)
	}
	if resp := slackCommand(t, base, "ask export controls", responses.URL+"/stale", time.Now().Add(-6*time.Minute), false); resp.StatusCode != 401 {
		t.Errorf("stale: %s, want 401", resp.Status)
	}

	// Bad input: usage, only to the asker.
	slackCommand(t, base, "", responses.URL+"/r2", time.Now(), false)
	usage := got.wait(t, "response_url/r2", "/brief ask", 10*time.Second)
	if !strings.Contains(usage, `"response_type":"ephemeral"`) {
		t.Errorf("usage should be ephemeral:\n%s", usage)
	}

	// The configured schedule posts a digest of what is new at its first
	// fire time, a minute later on the scheduler's clock.
	digest := got.wait(t, "chat.postMessage/CDIGEST", "Briefing for", 10*time.Second)
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
	if got.count("response_url/forged")+got.count("response_url/stale") != 0 {
		t.Error("a forged or stale command was answered")
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
	var got capture
	rest := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got.add(r.Method+" "+r.URL.Path, string(b))
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"id":"900","channel_id":"42","content":""}`)
	}))
	defer rest.Close()
	pub, priv, _ := ed25519.GenerateKey(nil)
	base, stop := startServe(t, map[string]string{
		"DISCORD_APP_ID": discordApp, "DISCORD_PUBLIC_KEY": hex.EncodeToString(pub), "DISCORD_API_URL": rest.URL,
	}, io.Discard, serveHooks{})

	send := func(body string, ts time.Time, key ed25519.PrivateKey) *http.Response {
		stamp := strconv.FormatInt(ts.Unix(), 10)
		req, _ := http.NewRequest(http.MethodPost, base+"/discord/interactions", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Signature-Timestamp", stamp)
		req.Header.Set("X-Signature-Ed25519", hex.EncodeToString(ed25519.Sign(key, []byte(stamp+body))))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	decode := func(resp *http.Response) map[string]any {
		defer resp.Body.Close()
		var m map[string]any
		json.NewDecoder(resp.Body).Decode(&m)
		return m
	}

	if resp := send(`{"type":1,"id":"1","application_id":"`+discordApp+`","token":"tok-ping"}`, time.Now(), priv); resp.StatusCode != 200 || decode(resp)["type"] != float64(1) {
		t.Fatalf("PING: %s", resp.Status)
	}
	cmd := `{"type":2,"id":"77","application_id":"` + discordApp + `","token":"tok-ask","channel_id":"42","guild_id":"5",` +
		`"member":{"user":{"id":"9","username":"ana"}},"data":{"id":"3","name":"brief","type":1,"options":[{"name":"ask","type":1,` +
		`"options":[{"name":"question","type":3,"value":"what did sources say about export controls?"}]}]}}`
	resp := send(cmd, time.Now(), priv)
	if resp.StatusCode != 200 || decode(resp)["type"] != float64(5) {
		t.Fatalf("command: %s, want 200 with a deferred response (type 5)", resp.Status)
	}
	answer := got.wait(t, "PATCH /api/v9/webhooks/"+discordApp+"/tok-ask", "export controls", 10*time.Second)
	if !strings.Contains(answer, "The Example Ledger") || !strings.Contains(answer, "[1]") {
		t.Errorf("answer through the webhook lacks the cited source:\n%s", answer)
	}

	_, other, _ := ed25519.GenerateKey(nil)
	forged := strings.Replace(cmd, "tok-ask", "tok-forged", 1)
	if resp := send(forged, time.Now(), other); resp.StatusCode != 401 {
		t.Errorf("forged: %s, want 401", resp.Status)
	}
	stale := strings.Replace(cmd, "tok-ask", "tok-stale", 1)
	if resp := send(stale, time.Now().Add(-6*time.Minute), priv); resp.StatusCode != 401 {
		t.Errorf("stale: %s, want 401", resp.Status)
	}
	// Once serve has stopped, every answer it started has been sent.
	stop()
	for _, tok := range []string{"tok-forged", "tok-stale"} {
		if n := got.count("PATCH /api/v9/webhooks/" + discordApp + "/" + tok); n != 0 {
			t.Errorf("a refused interaction (%s) was answered", tok)
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
// serve runs: the next re-scan (BRIEFBOT_REFRESH) makes it answerable.
func TestServeRefreshesTheCorpus(t *testing.T) {
	var got capture
	responses := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got.add("response_url"+r.URL.Path, string(b))
	}))
	defer responses.Close()
	fake := slacktest.NewTestServer(func(c slacktest.Customize) {
		c.Handle("/auth.test", func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, `{"ok":true,"user_id":"UBOT","bot_id":"B1","team_id":"T1"}`)
		})
	})
	fake.Start()
	defer fake.Stop()
	dir := t.TempDir()
	write := func(name, text string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("ferry.md", "---\ntitle: Electric ferry enters service\nsource: Harbour Example\n---\nThe city's first battery ferry began carrying passengers across the bay on Monday, cutting the crossing's fuel bill.\n")
	base, _ := startServe(t, map[string]string{
		"SLACK_SIGNING_SECRET": slackSecret, "SLACK_BOT_TOKEN": slackToken, "SLACK_API_URL": fake.GetAPIURL(),
		"BRIEFBOT_CORPUS_DIR": dir, "BRIEFBOT_REFRESH": "100ms",
	}, io.Discard, serveHooks{})

	write("glacier.md", "---\ntitle: Alpine glacier retreats a record distance\nsource: Mountain Example\n---\nSurveyors measured the glacier's tongue forty metres shorter than last autumn, the largest retreat since records began.\n")
	deadline := time.Now().Add(10 * time.Second)
	for i := 0; ; i++ {
		path := fmt.Sprintf("/q%d", i)
		slackCommand(t, base, "ask how far did the glacier retreat?", responses.URL+path, time.Now(), false)
		answer := got.wait(t, "response_url"+path, "", 10*time.Second)
		if strings.Contains(answer, "Alpine glacier retreats") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the new article was never answered from; last answer:\n%s", answer)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
