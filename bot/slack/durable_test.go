package slack

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"briefbot/bot"
	"briefbot/briefing/store"
)

// An event and a slash command Slack delivers again after briefbot
// restarted (the same event_id, the same trigger_id) are answered once:
// the ids are remembered in the store, not in the process.
func TestRepliesAfterRestartAreAnsweredOnce(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	f := newFakeSlack(t)
	rs := newResponseServer(t)
	rec := &recorder{}
	event := eventBody("EvReplay", dmEvent("U0USER1", "ask about tides", "1700000400.000100", ""))
	command := commandBody("ask about tides", rs.hookURL("replay"))

	for run := range 2 { // the first process, then the restarted one
		st, err := store.Open(ctx, dir)
		if err != nil {
			t.Fatal(err)
		}
		seen, err := store.OpenSeen(ctx, st, fixedNow)
		if err != nil {
			t.Fatal(err)
		}
		a, _, _ := newTestAdapter(t, f, Config{SigningSecret: testSecret, Now: fixedNow, Seen: seen})
		h := a.HTTPHandler(rec)
		for _, req := range []*http.Request{
			signed(t, "/slack/events", "application/json", event, testSecret, clock),
			signed(t, "/slack/commands", "application/x-www-form-urlencoded", command, testSecret, clock),
		} {
			if w := serve(h, req); w.Code != http.StatusOK {
				t.Fatalf("run %d: %s acknowledged with %d", run, req.URL.Path, w.Code)
			}
		}
		idle(t, a)
		st.Close()
	}
	if n := len(rec.requests()); n != 2 {
		t.Errorf("the handler got %d requests, want 2 (the event and the command, once each)", n)
	}
	if n := len(f.accepted()); n != 1 {
		t.Errorf("%d answers in the DM, want 1", n)
	}
	if n := len(rs.Posts()); n != 1 {
		t.Errorf("%d answers on response_url, want 1", n)
	}
}

// After shutdown begins, a new command or event gets 503 (Slack delivers
// it again, to another instance or after the restart) while the answer in
// flight is still delivered.
func TestShutdownRefusesNewWorkAndFinishesWhatIsInFlight(t *testing.T) {
	rs := newResponseServer(t)
	a, _, _ := newTestAdapter(t, newFakeSlack(t), Config{SigningSecret: testSecret, Now: fixedNow})
	started, release := make(chan struct{}, 1), make(chan struct{})
	h := handlerFunc(func(_ context.Context, req bot.Request) bot.Reply {
		if req.Text == "ask one" {
			started <- struct{}{}
			<-release
		}
		return bot.Reply{Title: "finished after the signal"}
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Listen(ctx, h) }()
	web := a.HTTPHandler(h)
	serve(web, signed(t, "/slack/commands", "application/x-www-form-urlencoded", commandBody("ask one", rs.hookURL("inflight")), testSecret, clock))
	waitN(t, started, 1)
	cancel() // SIGTERM: shutdown begins with an answer in flight

	// Listen stops taking work before it waits; ask until it refuses.
	refused := false
	deadline := time.Now().Add(10 * time.Second) // stops a broken test from hanging
	for !refused && time.Now().Before(deadline) {
		w := serve(web, signed(t, "/slack/commands", "application/x-www-form-urlencoded", commandBody("ask two", rs.hookURL("late")), testSecret, clock))
		switch w.Code {
		case http.StatusServiceUnavailable:
			refused = true
			if w.Header().Get("Retry-After") == "" {
				t.Error("503 without Retry-After")
			}
		case http.StatusOK:
			// acknowledged before shutdown began: it is answered
		default:
			t.Fatalf("a command during shutdown got %d", w.Code)
		}
	}
	if !refused {
		t.Fatal("commands were still acknowledged after shutdown began")
	}
	close(release)
	if err := waitN(t, done, 1)[0]; err != nil {
		t.Fatal(err)
	}
	got := false
	for _, p := range rs.Posts() {
		got = got || p.Hook == "inflight"
	}
	if !got {
		t.Error("the answer in flight was not delivered")
	}
}

// A signed command whose response_url points away from Slack gets its
// answer in the channel; nothing is posted to the other host.
func TestResponseURLOnlyOnSlackHosts(t *testing.T) {
	var hits atomic.Int32
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer evil.Close()
	f := newFakeSlack(t)
	a, logs := httpAdapter(t, f)
	elsewhere := strings.Replace(evil.URL, "127.0.0.1", "localhost", 1) + "/commands/T0001/1/SECRETHOOKPATH"
	serve(a.HTTPHandler(&recorder{}), signed(t, "/slack/commands", "application/x-www-form-urlencoded", commandBody("ask tides", elsewhere), testSecret, clock))
	p := f.wait(t, 1)[0]
	if p.Channel != "C0001" || p.Method != "chat.postMessage" {
		t.Errorf("answer went to %s %s, want chat.postMessage in C0001", p.Method, p.Channel)
	}
	idle(t, a)
	if n := hits.Load(); n != 0 {
		t.Errorf("%d posts to a response_url off Slack's hosts", n)
	}
	if strings.Contains(logs.String(), "SECRETHOOKPATH") {
		t.Error("the response_url reached the log")
	}

	for raw, want := range map[string]bool{
		"https://hooks.slack.com/commands/T1/2/x":     true,
		"https://hooks.slack-gov.com/commands/T1/2/x": true,
		"http://hooks.slack.com/commands/T1/2/x":      false, // not https
		"https://hooks.slack.com.evil.example/x":      false,
		"https://evilslack.com/x":                     false,
		"https://user@hooks.slack.com/x":              false,
		f.ResponseURL("x"):                            true, // the configured API's host (a test's fake)
		elsewhere:                                     false,
	} {
		if got := a.slackHost(raw); got != want {
			t.Errorf("slackHost(%q) = %v, want %v", raw, got, want)
		}
	}
}

// A Retry-After up to bot.MaxRetryAfter is waited out in full; a longer
// one is not waited for, and the post fails at once for its caller to
// retry later.
func TestLongRetryAfterIsHonouredUpToTheCap(t *testing.T) {
	for _, tt := range []struct {
		retryAfter string
		wantWaits  []time.Duration
		wantErr    bool
	}{
		{"90", []time.Duration{90 * time.Second}, false},
		{"301", nil, true},
	} {
		t.Run(tt.retryAfter, func(t *testing.T) {
			f := newFakeSlack(t)
			f.fail = func(method string, n int) (int, string, string) {
				if n == 1 {
					return http.StatusTooManyRequests, tt.retryAfter, ""
				}
				return 0, "", ""
			}
			a, _, waits := newTestAdapter(t, f, Config{})
			a.sleep = func(ctx context.Context, d time.Duration) error { *waits = append(*waits, d); return nil }
			err := a.Post(context.Background(), bot.Destination{Channel: "C0DIGEST"}, bot.Reply{Title: "Daily briefing"})
			if (err != nil) != tt.wantErr {
				t.Fatalf("Post = %v, want error %v", err, tt.wantErr)
			}
			if tt.wantErr && !errors.Is(err, bot.ErrRetryTooLong) {
				t.Errorf("error %v does not say the wait was too long", err)
			}
			if fmt.Sprint(*waits) != fmt.Sprint(tt.wantWaits) {
				t.Errorf("waited %v, want %v", *waits, tt.wantWaits)
			}
		})
	}
}

// A burst of commands larger than the worker pool is answered in full:
// the pool's workers are all busy, the rest wait in the queue, and every
// command gets its own answer.
func TestBurstLargerThanThePoolIsAnswered(t *testing.T) {
	const burst = 5 * workers
	rs := newResponseServer(t)
	a, _ := httpAdapter(t, newFakeSlack(t))
	entered, release := make(chan struct{}, burst), make(chan struct{})
	h := handlerFunc(func(_ context.Context, req bot.Request) bot.Reply {
		entered <- struct{}{}
		<-release
		return bot.Reply{Title: "answer to " + req.Text}
	})
	web := a.HTTPHandler(h)
	for i := range burst {
		w := serve(web, signed(t, "/slack/commands", "application/x-www-form-urlencoded", commandBody(fmt.Sprintf("ask %d", i), rs.hookURL(fmt.Sprint(i))), testSecret, clock))
		if w.Code != http.StatusOK {
			t.Fatalf("command %d acknowledged with %d", i, w.Code)
		}
	}
	waitN(t, entered, workers) // every worker busy; the other commands wait
	close(release)
	idle(t, a)
	answered := map[string]bool{}
	for _, p := range rs.Posts() {
		if texts := p.BlockTexts(); len(texts) > 0 && strings.HasPrefix(texts[0], "*answer to ask ") {
			answered[p.Hook] = true
		}
	}
	if len(answered) != burst {
		t.Errorf("%d of %d commands got their answer", len(answered), burst)
	}
}
