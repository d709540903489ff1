package slack

import (
	"bytes"
	"context"
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
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack/slacktest"

	"briefbot/bot"
)

const (
	testBotToken = "xoxb-test-0000-SECRET-bot-token"
	testAppToken = "xapp-1-test-SECRET-app-token"
	testSecret   = "8f742231b10e8888abcd99yyyzzz85a5"
	testBotUser  = "UBOT0001"
)

// handlerFunc is a test double for the bot's router.
type handlerFunc func(ctx context.Context, req bot.Request) bot.Reply

func (f handlerFunc) Handle(ctx context.Context, req bot.Request) bot.Reply { return f(ctx, req) }

// recorder is a Handler that records requests and answers "you said: TEXT".
type recorder struct {
	mu   sync.Mutex
	reqs []bot.Request
}

func (r *recorder) Handle(_ context.Context, req bot.Request) bot.Reply {
	r.mu.Lock()
	r.reqs = append(r.reqs, req)
	r.mu.Unlock()
	return bot.Reply{Title: "you said: " + req.Text}
}

func (r *recorder) requests() []bot.Request {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]bot.Request(nil), r.reqs...)
}

// post is one message the fake Slack accepted (or refused).
type post struct {
	Method   string
	Channel  string
	User     string
	ThreadTS string
	TS       string
	Text     string
	Blocks   []string // each block's mrkdwn
	Token    string   // the token the call was made with
}

// fakeSlack is slacktest's server with chat.postMessage, chat.postEphemeral
// and auth.test answered by the test.
type fakeSlack struct {
	srv *slacktest.Server

	mu    sync.Mutex
	posts []post
	n     int            // calls to any method
	calls map[string]int // calls by method
	// fail, when set, decides the response to the nth call of a method
	// (1-based): status, Retry-After, and Slack error ("" = ok).
	fail func(method string, n int) (status int, retryAfter string, slackErr string)
	got  chan post
}

func newFakeSlack(t *testing.T, extra ...slacktest.Binder) *fakeSlack {
	t.Helper()
	f := &fakeSlack{got: make(chan post, 100), calls: map[string]int{}}
	binders := append([]slacktest.Binder{func(c slacktest.Customize) {
		c.Handle("/chat.postMessage", f.chat("chat.postMessage"))
		c.Handle("/chat.postEphemeral", f.chat("chat.postEphemeral"))
		c.Handle("/auth.test", func(w http.ResponseWriter, _ *http.Request) {
			fmt.Fprintf(w, `{"ok":true,"url":"https://example.slack.com/","team":"Example","user":"briefbot","team_id":"T0001","user_id":%q,"bot_id":"B0001"}`, testBotUser)
		})
	}}, extra...)
	f.srv = slacktest.NewTestServer(binders...)
	f.srv.Start()
	t.Cleanup(f.srv.Stop)
	return f
}

func (f *fakeSlack) chat(method string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		f.mu.Lock()
		token := r.PostForm.Get("token")
		f.n++
		f.calls[method]++
		status, retryAfter, slackErr := 0, "", ""
		if f.fail != nil {
			status, retryAfter, slackErr = f.fail(method, f.calls[method])
		}
		p := post{
			Method:   method,
			Channel:  r.PostForm.Get("channel"),
			User:     r.PostForm.Get("user"),
			ThreadTS: r.PostForm.Get("thread_ts"),
			TS:       fmt.Sprintf("1700000000.%06d", f.n),
			Text:     r.PostForm.Get("text"),
			Blocks:   blockTexts([]byte(r.PostForm.Get("blocks"))),
			Token:    strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "),
		}
		if token != "" {
			p.Token = token
		}
		ok := status == 0 && slackErr == ""
		if ok {
			f.posts = append(f.posts, p)
		}
		f.mu.Unlock()
		switch {
		case status == http.StatusTooManyRequests:
			w.Header().Set("Retry-After", retryAfter)
			w.WriteHeader(status)
			return
		case status != 0:
			http.Error(w, "internal error", status)
			return
		case slackErr != "":
			fmt.Fprintf(w, `{"ok":false,"error":%q}`, slackErr)
			return
		}
		f.got <- p
		fmt.Fprintf(w, `{"ok":true,"channel":%q,"ts":%q}`, p.Channel, p.TS)
	}
}

// blockTexts returns the mrkdwn of each block in a Block Kit JSON array.
func blockTexts(raw []byte) []string {
	var blocks []struct {
		Type string `json:"type"`
		Text *struct {
			Text string `json:"text"`
		} `json:"text"`
		Elements []struct {
			Text string `json:"text"`
		} `json:"elements"`
	}
	if len(raw) == 0 || json.Unmarshal(raw, &blocks) != nil {
		return nil
	}
	var out []string
	for _, b := range blocks {
		switch {
		case b.Text != nil:
			out = append(out, b.Text.Text)
		case len(b.Elements) > 0:
			out = append(out, b.Elements[0].Text)
		}
	}
	return out
}

func (f *fakeSlack) accepted() []post {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]post(nil), f.posts...)
}

// wait returns the next n accepted posts, failing the test after a deadline.
func (f *fakeSlack) wait(t *testing.T, n int) []post {
	t.Helper()
	return waitN(t, f.got, n)
}

func waitN[T any](t *testing.T, ch <-chan T, n int) []T {
	t.Helper()
	var out []T
	deadline := time.After(5 * time.Second)
	for len(out) < n {
		select {
		case v := <-ch:
			out = append(out, v)
		case <-deadline:
			t.Fatalf("got %d of %d expected messages before the deadline", len(out), n)
		}
	}
	return out
}

// response is one POST to a response_url.
type response struct {
	Path         string
	ResponseType string   `json:"response_type"`
	Text         string   `json:"text"`
	Blocks       []string `json:"-"`
}

// responseServer receives response_url posts.
type responseServer struct {
	*httptest.Server
	got    chan response
	status int // when set, every post gets this status
}

func newResponseServer(t *testing.T) *responseServer {
	t.Helper()
	rs := &responseServer{got: make(chan response, 100)}
	rs.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var resp response
		var raw struct {
			Blocks json.RawMessage `json:"blocks"`
		}
		if err := json.Unmarshal(body, &resp); err != nil || json.Unmarshal(body, &raw) != nil {
			http.Error(w, "invalid_payload", http.StatusBadRequest)
			return
		}
		if rs.status != 0 {
			http.Error(w, "expired_url", rs.status)
			return
		}
		resp.Path = r.URL.Path
		resp.Blocks = blockTexts(raw.Blocks)
		rs.got <- resp
		fmt.Fprint(w, "ok")
	}))
	t.Cleanup(rs.Close)
	return rs
}

// hookURL is a response_url on rs.
func (rs *responseServer) hookURL(id string) string {
	return rs.URL + "/commands/T0001/" + id + "/SECRETHOOKPATH"
}

// syncBuffer is a goroutine-safe log sink.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// newTestAdapter returns an adapter on f (nil: no Web API; Slack's base URL,
// never called), logging into
// the returned buffer, with 429 waits recorded instead of slept.
func newTestAdapter(t *testing.T, f *fakeSlack, cfg Config) (*Adapter, *syncBuffer, *[]time.Duration) {
	t.Helper()
	logs := &syncBuffer{}
	cfg.Log = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	if f != nil {
		cfg.APIURL = f.srv.GetAPIURL()
		if cfg.BotToken == "" {
			cfg.BotToken = testBotToken
		}
	} else if cfg.APIURL == "" {
		cfg.APIURL = "https://slack.com/api/"
	}
	a, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	waits := &[]time.Duration{}
	a.sleep = func(ctx context.Context, d time.Duration) error {
		mu.Lock()
		*waits = append(*waits, d)
		mu.Unlock()
		return ctx.Err()
	}
	t.Cleanup(func() {
		select {
		case <-a.inflight.idle():
		case <-time.After(5 * time.Second):
			t.Error("answers still in flight at the end of the test")
		}
	})
	return a, logs, waits
}

// idle waits until a has no answer in flight.
func idle(t *testing.T, a *Adapter) {
	t.Helper()
	select {
	case <-a.inflight.idle():
	case <-time.After(5 * time.Second):
		t.Fatal("answers still in flight after 5s")
	}
}

// signed returns a request signed as Slack signs it, at time at.
func signed(t *testing.T, path, contentType, body, secret string, at time.Time) *http.Request {
	t.Helper()
	ts := strconv.FormatInt(at.Unix(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(mac, "v0:%s:%s", ts, body)
	r := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
	r.Header.Set("Content-Type", contentType)
	r.Header.Set("X-Slack-Request-Timestamp", ts)
	r.Header.Set("X-Slack-Signature", "v0="+hex.EncodeToString(mac.Sum(nil)))
	return r
}

// commandBody is a slash command's form body.
func commandBody(text, responseURL string) string {
	return url.Values{
		"token":        {"deprecated-verification-token"},
		"team_id":      {"T0001"},
		"channel_id":   {"C0001"},
		"channel_name": {"general"},
		"user_id":      {"U0USER1"},
		"user_name":    {"ada"},
		"command":      {"/brief"},
		"text":         {text},
		"response_url": {responseURL},
		"trigger_id":   {"trig-" + strconv.Itoa(len(text)) + "-" + text},
		"api_app_id":   {"A0001"},
	}.Encode()
}

// eventBody is an Events API callback wrapping inner.
func eventBody(eventID, inner string) string {
	return fmt.Sprintf(`{"token":"x","team_id":"T0001","api_app_id":"A0001","type":"event_callback","event_id":%q,"event_time":1700000000,
"authorizations":[{"team_id":"T0001","user_id":%q,"is_bot":true}],"event":%s}`, eventID, testBotUser, inner)
}

func mentionEvent(user, text, ts, threadTS string) string {
	thread := ""
	if threadTS != "" {
		thread = fmt.Sprintf(`,"thread_ts":%q`, threadTS)
	}
	return fmt.Sprintf(`{"type":"app_mention","user":%q,"text":%q,"ts":%q,"channel":"C0001","event_ts":%q%s}`, user, text, ts, ts, thread)
}

func dmEvent(user, text, ts, extra string) string {
	return fmt.Sprintf(`{"type":"message","channel":"D0001","user":%q,"text":%q,"ts":%q,"event_ts":%q,"channel_type":"im"%s}`, user, text, ts, ts, extra)
}
