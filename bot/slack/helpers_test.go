package slack

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack/slacktest"

	"briefbot/bot/slack/slackfake"

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

// fakeSlack is slackfake's Slack with the bot user these tests use, and a
// failure rule the tests set as a field before requests arrive.
type fakeSlack struct {
	*slackfake.Server
	// fail, when set, decides the response to the nth call of a method
	// (1-based): status, Retry-After, and Slack error (all zero: accept).
	fail func(method string, n int) (status int, retryAfter string, slackErr string)
}

func newFakeSlack(t *testing.T, binders ...slacktest.Binder) *fakeSlack {
	t.Helper()
	f := &fakeSlack{}
	f.Server = slackfake.New(t, slackfake.Options{BotUser: testBotUser, Binders: binders})
	f.Fail(func(method string, n int) *slackfake.Failure {
		if f.fail == nil {
			return nil
		}
		status, retryAfter, slackErr := f.fail(method, n)
		if status == 0 && slackErr == "" {
			return nil
		}
		return &slackfake.Failure{Status: status, RetryAfter: retryAfter, Error: slackErr}
	})
	return f
}

// accepted returns the messages accepted on the Web API.
func (f *fakeSlack) accepted() []slackfake.Post {
	var out []slackfake.Post
	for _, p := range f.Posts() {
		if p.Method != "response_url" {
			out = append(out, p)
		}
	}
	return out
}

// wait returns the next n messages accepted on the Web API.
func (f *fakeSlack) wait(t *testing.T, n int) []slackfake.Post {
	t.Helper()
	return f.WaitPosts(t, n)
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

// responseServer is a fake Slack used for its response_urls only.
type responseServer struct{ *slackfake.Server }

func newResponseServer(t *testing.T) *responseServer {
	t.Helper()
	return &responseServer{slackfake.New(t, slackfake.Options{})}
}

// hookURL is a response_url on rs.
func (rs *responseServer) hookURL(id string) string { return rs.ResponseURL(id) }

// refuse makes every response_url post get status.
func (rs *responseServer) refuse(status int) {
	rs.Fail(func(method string, _ int) *slackfake.Failure {
		if method == "response_url" {
			return &slackfake.Failure{Status: status}
		}
		return nil
	})
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
		cfg.APIURL = f.APIURL()
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
		case <-a.rt.Idle():
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
	case <-a.rt.Idle():
	case <-time.After(5 * time.Second):
		t.Fatal("answers still in flight after 5s")
	}
}

// signed returns a request signed as Slack signs it, at time at.
func signed(t *testing.T, path, contentType, body, secret string, at time.Time) *http.Request {
	t.Helper()
	return slackfake.SignedRequest(path, contentType, body, secret, at)
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

// shortDrain returns a runtime like a's whose shutdown waits 10ms.
func shortDrain(t *testing.T, a *Adapter) *bot.Runtime {
	t.Helper()
	rt, err := bot.NewRuntime(bot.RuntimeOptions{Platform: platform, Timeout: answerTimeout, Reserve: answerReserve, Workers: workers, Queue: queue, Drain: 10 * time.Millisecond, Log: a.log})
	if err != nil {
		t.Fatal(err)
	}
	return rt
}
