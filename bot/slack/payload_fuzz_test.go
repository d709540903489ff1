package slack

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"briefbot/bot"
)

// loopback sends every outgoing request (Web API calls and response_url
// posts, whatever their host) to one local server that accepts them all.
type loopback struct{ target *url.URL }

func (l loopback) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.URL.Scheme, r.URL.Host = l.target.Scheme, l.target.Host
	return http.DefaultTransport.RoundTrip(r)
}

// fuzzAdapter returns an HTTP-mode adapter whose answers all go to a local
// server, and its handler answering "you said: TEXT".
func fuzzAdapter(f *testing.F) (*Adapter, http.Handler) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"ok":true,"channel":"C1","ts":"1700000000.000100","user_id":"UBOT0001"}`)
	}))
	f.Cleanup(srv.Close)
	target, _ := url.Parse(srv.URL)
	a, err := New(Config{
		BotToken: testBotToken, SigningSecret: testSecret, APIURL: srv.URL + "/api/",
		HTTPClient: &http.Client{Transport: loopback{target}, Timeout: 10 * time.Second},
	})
	if err != nil {
		f.Fatal(err)
	}
	h := handlerFunc(func(_ context.Context, req bot.Request) bot.Reply { return bot.Reply{Title: "you said: " + req.Text} })
	return a, a.HTTPHandler(h)
}

// fuzzSlackPost signs body, serves it at path and waits for the answers it
// started. Whatever the body, the answer is 200 or 400, never a panic.
func fuzzSlackPost(t *testing.T, a *Adapter, h http.Handler, path, contentType, body string) {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, signed(t, path, contentType, body, testSecret, time.Now()))
	if w.Code != http.StatusOK && w.Code != http.StatusBadRequest {
		t.Fatalf("%s: status %d for %q", path, w.Code, body)
	}
	select {
	case <-a.rt.Idle():
	case <-time.After(30 * time.Second):
		t.Fatalf("%s: answers still in flight for %q", path, body)
	}
}

// FuzzSlashCommand fuzzes the slash-command form body.
func FuzzSlashCommand(f *testing.F) {
	f.Add(commandBody("ask what did sources say about tides?", "https://hooks.slack.com/commands/T1/2/3"))
	f.Add("ssl_check=1&token=x")
	f.Add("text=%E2%80%94&trigger_id=1&response_url=http%3A%2F%2F127.0.0.1%2Fx&channel_id=&user_id=U")
	f.Add("%zz&text=")
	a, h := fuzzAdapter(f)
	f.Fuzz(func(t *testing.T, body string) {
		fuzzSlackPost(t, a, h, "/slack/commands", "application/x-www-form-urlencoded", body)
	})
}

// FuzzSlackEvent fuzzes the Events API JSON body.
func FuzzSlackEvent(f *testing.F) {
	f.Add(`{"type":"url_verification","challenge":"abc"}`)
	f.Add(`{"type":"event_callback","event_id":"Ev1","team_id":"T1","api_app_id":"A1","authorizations":[{"user_id":"UBOT0001","is_bot":true}],"event":{"type":"app_mention","user":"U1","channel":"C1","ts":"1700000000.000100","text":"<@UBOT0001> ask about tides"}}`)
	f.Add(`{"type":"event_callback","event_id":"Ev2","event":{"type":"message","channel_type":"im","user":"U1","channel":"D1","ts":"1700000000.000200","text":"tides","thread_ts":"1"}}`)
	f.Add(`{"type":"event_callback","event":{"type":"message","subtype":"bot_message","bot_id":"B1"}}`)
	f.Add(`{"type":"app_rate_limited"}`)
	f.Add(`{"type":"event_callback","event":null}`)
	a, h := fuzzAdapter(f)
	f.Fuzz(func(t *testing.T, body string) {
		fuzzSlackPost(t, a, h, "/slack/events", "application/json", body)
	})
}
