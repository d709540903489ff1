package slack

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack/slacktest"

	"briefbot/bot"
)

func slashEnvelope(id, text, responseURL string) string {
	payload, _ := json.Marshal(map[string]string{
		"token": "x", "team_id": "T0001", "channel_id": "C0001", "user_id": "U0USER1", "command": "/brief",
		"text": text, "response_url": responseURL, "trigger_id": "trig-" + id, "api_app_id": "A0001",
	})
	return fmt.Sprintf(`{"envelope_id":%q,"type":"slash_commands","accepts_response_payload":true,"payload":%s}`, id, payload)
}

func eventsEnvelope(id string, retry int, body string) string {
	return fmt.Sprintf(`{"envelope_id":%q,"type":"events_api","accepts_response_payload":false,"retry_attempt":%d,"retry_reason":"","payload":%s}`, id, retry, body)
}

func TestSocketModeRoundTrip(t *testing.T) {
	f := newFakeSlack(t)
	sock := socketOf(f)
	rs := newResponseServer(t)
	a, logs, _ := newTestAdapter(t, f, Config{AppToken: testAppToken, SigningSecret: testSecret, Now: fixedNow})
	rec := &recorder{}
	release := make(chan struct{})
	h := handlerFunc(func(ctx context.Context, req bot.Request) bot.Reply {
		if req.Kind == bot.Command {
			<-release // acks must not wait for answers
		}
		return rec.Handle(ctx, req)
	})

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- a.Listen(ctx, h) }()

	// A slash command: acknowledged at once, answered on response_url.
	sock.send(slashEnvelope("env-1", "ask what about chips?", rs.hookURL("s1")))
	sock.ack(t, "env-1")
	close(release)
	resp := rs.WaitResponses(t, 1)[0]
	if resp.ResponseType != "in_channel" || len(resp.BlockTexts()) != 1 || resp.BlockTexts()[0] != "*you said: ask what about chips?*" {
		t.Errorf("command answer = %+v", resp)
	}

	// An @mention: acknowledged, answered in its thread.
	mention := eventBody("EvS1", mentionEvent("U0USER1", "<@"+testBotUser+"> digest", "1700000100.000100", ""))
	sock.send(eventsEnvelope("env-2", 0, mention))
	sock.ack(t, "env-2")
	p := f.wait(t, 1)[0]
	if p.Channel != "C0001" || p.ThreadTS != "1700000100.000100" || p.BlockTexts()[0] != "*you said: digest*" {
		t.Errorf("mention answer = %+v", p)
	}

	// The same event again over Socket Mode (a retry) and over HTTP: acknowledged, not answered again.
	sock.send(eventsEnvelope("env-3", 1, mention))
	sock.ack(t, "env-3")
	if w := serve(a.HTTPHandler(nil), signed(t, "/slack/events", "application/json", mention, testSecret, clock)); w.Code != http.StatusOK {
		t.Errorf("HTTP delivery of the same event: status %d", w.Code)
	}

	// An envelope slack-go cannot parse is still acknowledged.
	sock.send(eventsEnvelope("env-4", 0, eventBody("EvS2", `{"type":"some_future_event","ts":"1.0"}`)))
	sock.ack(t, "env-4")

	idle(t, a)
	if n := len(f.accepted()); n != 1 {
		t.Errorf("chat.postMessage called %d times, want 1 (the mention, once)", n)
	}
	reqs := rec.requests()
	want := []bot.Request{
		{Platform: "slack", Kind: bot.Command, Channel: "C0001", User: "U0USER1", Text: "ask what about chips?"},
		{Platform: "slack", Kind: bot.Mention, Channel: "C0001", User: "U0USER1", Text: "digest"},
	}
	if fmt.Sprint(reqs) != fmt.Sprint(want) {
		t.Errorf("requests = %+v, want %+v", reqs, want)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Listen = %v, want nil after ctx is done", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Listen did not return after ctx was cancelled")
	}
	for _, secret := range []string{testBotToken, testAppToken, testSecret} {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("a token or secret reached the log")
		}
	}
}

func TestSocketModeBadTokenStopsListen(t *testing.T) {
	f := newFakeSlack(t, func(c slacktest.Customize) {
		c.Handle("/apps.connections.open", func(w http.ResponseWriter, _ *http.Request) {
			fmt.Fprint(w, `{"ok":false,"error":"invalid_auth"}`)
		})
	})
	a, logs, _ := newTestAdapter(t, f, Config{AppToken: testAppToken})
	done := make(chan error, 1)
	go func() { done <- a.Listen(context.Background(), &recorder{}) }()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "invalid_auth") {
			t.Errorf("Listen = %v, want an invalid_auth error", err)
		}
		for _, secret := range []string{testBotToken, testAppToken} {
			if strings.Contains(err.Error(), secret) || strings.Contains(logs.String(), secret) {
				t.Errorf("a token reached the error or the log")
			}
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Listen kept going with a rejected token")
	}
}

func TestListenWaitsForAnswersInFlight(t *testing.T) {
	rs := newResponseServer(t)
	a, _, _ := newTestAdapter(t, newFakeSlack(t), Config{SigningSecret: testSecret, Now: fixedNow})
	started, release := make(chan struct{}, 1), make(chan struct{})
	h := handlerFunc(func(context.Context, bot.Request) bot.Reply {
		started <- struct{}{}
		<-release
		return bot.Reply{Title: "late but complete"}
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Listen(ctx, h) }()
	serve(a.HTTPHandler(h), signed(t, "/slack/commands", "application/x-www-form-urlencoded", commandBody("ask", rs.hookURL("w")), testSecret, clock))
	waitN(t, started, 1)
	cancel() // shutdown begins with an answer in flight
	close(release)
	if err := waitN(t, done, 1)[0]; err != nil {
		t.Fatal(err)
	}
	if rs.PendingResponses() == 0 {
		t.Fatal("Listen returned before the answer in flight was delivered")
	}
	if r := rs.WaitResponses(t, 1)[0]; r.BlockTexts()[0] != "*late but complete*" {
		t.Errorf("answer = %q", r.BlockTexts())
	}
}

func TestListenCancelsAnswersAfterTheDrainBound(t *testing.T) {
	rs := newResponseServer(t)
	a, logs, _ := newTestAdapter(t, newFakeSlack(t), Config{SigningSecret: testSecret, Now: fixedNow})
	a.rt = shortDrain(t, a)
	started := make(chan struct{}, 1)
	h := handlerFunc(func(ctx context.Context, _ bot.Request) bot.Reply {
		started <- struct{}{}
		<-ctx.Done() // a stuck answer; only cancellation ends it
		return bot.Reply{Title: "too late"}
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Listen(ctx, h) }()
	serve(a.HTTPHandler(h), signed(t, "/slack/commands", "application/x-www-form-urlencoded", commandBody("ask", rs.hookURL("d")), testSecret, clock))
	waitN(t, started, 1)
	cancel()
	if err := waitN(t, done, 1)[0]; err != nil {
		t.Fatal(err)
	}
	idle(t, a)
	if !strings.Contains(logs.String(), "cancelling answers still in flight") {
		t.Errorf("shutdown did not log the cancelled answer:\n%s", logs.String())
	}
}

// socket drives f's Socket Mode connection.
type socket struct{ f *fakeSlack }

func socketOf(f *fakeSlack) socket { return socket{f} }

func (s socket) send(envelope string) { s.f.SendEnvelope(envelope) }

// ack waits for the bot's acknowledgement of an envelope: exactly
// {"envelope_id": ID}.
func (s socket) ack(t *testing.T, envelopeID string) {
	t.Helper()
	msg := s.f.NextAck(t)
	var got map[string]any
	if err := json.Unmarshal(msg, &got); err != nil {
		t.Fatalf("ack %s is not JSON: %v", msg, err)
	}
	if got["envelope_id"] != envelopeID || len(got) != 1 {
		t.Fatalf("ack = %s, want {\"envelope_id\":%q}", msg, envelopeID)
	}
}
