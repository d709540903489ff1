package discord

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"briefbot/bot"
)

// call is one REST request the fake Discord received.
type call struct {
	Method string
	Path   string
	Query  string
	Auth   string
	Body   []byte
}

func (c call) String() string { return c.Method + " " + c.Path }

// decode unmarshals the call's JSON body.
func (c call) decode(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(c.Body, &m); err != nil {
		t.Fatalf("%s: body is not a JSON object: %v\n%s", c, err, c.Body)
	}
	return m
}

// gatewayEvent is a dispatch (op 0) the fake gateway sends after READY.
type gatewayEvent struct {
	Type string
	Data any
}

// fakeDiscord speaks Discord's REST API (v9, as discordgo calls it) and, at
// /gw/, its gateway. It records every REST call.
type fakeDiscord struct {
	t   *testing.T
	srv *httptest.Server

	botID, appID string
	events       []gatewayEvent // sent after READY

	mu       sync.Mutex
	calls    []call
	limited  map[string]int // "METHOD /path" -> how many 429s to answer first
	status   map[string]int // "METHOD /path" -> an error status to answer
	identify map[string]any // the identify payload's "d"
	nextID   int
	changed  chan struct{}
}

func newFakeDiscord(t *testing.T) *fakeDiscord {
	t.Helper()
	f := &fakeDiscord{
		t: t, botID: "900000000000000001", appID: "900000000000000002",
		limited: map[string]int{}, status: map[string]int{}, changed: make(chan struct{}, 1),
	}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeDiscord) serve(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/gw") {
		f.gateway(w, r)
		return
	}
	body, _ := io.ReadAll(r.Body)
	c := call{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Auth: r.Header.Get("Authorization"), Body: body}
	key := c.String()
	f.mu.Lock()
	f.calls = append(f.calls, c)
	limited := f.limited[key] > 0
	if limited {
		f.limited[key]--
	}
	status := f.status[key]
	f.nextID++
	id := fmt.Sprint(1000 + f.nextID)
	f.mu.Unlock()
	select {
	case f.changed <- struct{}{}:
	default:
	}

	w.Header().Set("Content-Type", "application/json")
	switch {
	case limited:
		w.WriteHeader(http.StatusTooManyRequests)
		io.WriteString(w, `{"message": "You are being rate limited.", "retry_after": 1.5, "global": false}`)
		return
	case status != 0:
		w.WriteHeader(status)
		fmt.Fprintf(w, `{"message": "Unknown Webhook", "code": 10015}`)
		return
	}
	wsURL := "ws" + strings.TrimPrefix(f.srv.URL, "http") + "/gw"
	p := strings.Split(strings.TrimPrefix(r.URL.Path, "/api/v9/"), "/")
	switch {
	case r.Method == "GET" && r.URL.Path == "/api/v9/gateway":
		fmt.Fprintf(w, `{"url": %q}`, wsURL)
	case r.Method == "GET" && r.URL.Path == "/api/v9/gateway/bot":
		if c.Auth != "Bot test-token-SECRET" {
			w.WriteHeader(http.StatusUnauthorized)
			io.WriteString(w, `{"message": "401: Unauthorized", "code": 0}`)
			return
		}
		fmt.Fprintf(w, `{"url": %q, "shards": 1, "session_start_limit": {"total": 1000, "remaining": 999, "reset_after": 1, "max_concurrency": 1}}`, wsURL)
	case r.Method == "PUT" && p[0] == "applications":
		w.Write(body) // the overwritten commands
	case r.Method == "POST" && p[0] == "interactions":
		w.WriteHeader(http.StatusNoContent)
	case r.Method == "POST" && p[0] == "channels" && len(p) == 3 && p[2] == "typing":
		w.WriteHeader(http.StatusNoContent)
	case r.Method == "DELETE" && p[0] == "webhooks":
		w.WriteHeader(http.StatusNoContent)
	case (r.Method == "POST" || r.Method == "PATCH") && (p[0] == "webhooks" || p[0] == "channels"):
		fmt.Fprintf(w, `{"id": %q, "channel_id": "1", "content": ""}`, id)
	default:
		w.WriteHeader(http.StatusNotFound)
		io.WriteString(w, `{"message": "404: Not Found", "code": 0}`)
	}
}

// gateway plays Discord's gateway: hello, identify, READY, the events, then
// heartbeat acks until the client goes away.
func (f *fakeDiscord) gateway(w http.ResponseWriter, r *http.Request) {
	up := websocket.Upgrader{}
	conn, err := up.Upgrade(w, r, nil)
	if err != nil {
		f.t.Errorf("gateway upgrade: %v", err)
		return
	}
	defer conn.Close()
	seq := 0
	send := func(op int, typ string, d any) {
		m := map[string]any{"op": op, "d": d}
		if op == 0 {
			seq++
			m["s"], m["t"] = seq, typ
		}
		if err := conn.WriteJSON(m); err != nil {
			f.t.Errorf("gateway write: %v", err)
		}
	}
	send(10, "", map[string]any{"heartbeat_interval": 45000})
	for {
		var msg struct {
			Op int            `json:"op"`
			D  map[string]any `json:"d"`
		}
		if err := conn.ReadJSON(&msg); err != nil {
			f.t.Errorf("gateway: no identify: %v", err)
			return
		}
		if msg.Op == 2 {
			f.mu.Lock()
			f.identify = msg.D
			f.mu.Unlock()
			break
		}
	}
	send(0, "READY", map[string]any{
		"v": 9, "session_id": "session-1",
		"user":        map[string]any{"id": f.botID, "username": "briefbot", "bot": true},
		"application": map[string]any{"id": f.appID, "flags": 0},
		"guilds":      []any{},
	})
	for _, e := range f.events {
		send(0, e.Type, e.Data)
	}
	for {
		var msg struct {
			Op int `json:"op"`
		}
		if err := conn.ReadJSON(&msg); err != nil {
			return // the client closed
		}
		if msg.Op == 1 {
			send(11, "", nil)
		}
	}
}

// snapshot returns the calls so far.
func (f *fakeDiscord) snapshot() []call {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]call(nil), f.calls...)
}

// waitFor waits until done reports true about the calls so far. The
// deadline only stops a broken test from hanging; nothing is timed.
func (f *fakeDiscord) waitFor(t *testing.T, what string, done func([]call) bool) []call {
	t.Helper()
	deadline := time.NewTimer(20 * time.Second)
	defer deadline.Stop()
	for {
		cs := f.snapshot()
		if done(cs) {
			return cs
		}
		select {
		case <-f.changed:
		case <-deadline.C:
			t.Fatalf("gave up waiting for %s; calls: %v", what, cs)
		}
	}
}

// matching returns the calls with this method and path.
func matching(cs []call, method, path string) []call {
	var out []call
	for _, c := range cs {
		if c.Method == method && c.Path == path {
			out = append(out, c)
		}
	}
	return out
}

// indexOf returns the position of the first call with method and path, -1
// when there is none.
func indexOf(cs []call, method, path string) int {
	for i, c := range cs {
		if c.Method == method && c.Path == path {
			return i
		}
	}
	return -1
}

// recorder is a bot.Handler that records requests and answers with reply.
type recorder struct {
	mu    sync.Mutex
	reqs  []bot.Request
	reply func(bot.Request) bot.Reply
}

func (h *recorder) Handle(_ context.Context, req bot.Request) bot.Reply {
	h.mu.Lock()
	h.reqs = append(h.reqs, req)
	h.mu.Unlock()
	if h.reply != nil {
		return h.reply(req)
	}
	return bot.Reply{Title: "Answer", Sections: []bot.Section{{Lines: []bot.Line{{Text: "You said: " + req.Text}}}}}
}

func (h *recorder) requests() []bot.Request {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]bot.Request(nil), h.reqs...)
}

// logs captures slog output and the standard logger (discordgo logs there)
// for the rest of the test.
type logs struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logs) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logs) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func captureLogs(t *testing.T) (*slog.Logger, *logs) {
	t.Helper()
	l := &logs{}
	prev, flags := log.Writer(), log.Flags()
	log.SetOutput(l)
	t.Cleanup(func() { log.SetOutput(prev); log.SetFlags(flags) })
	return slog.New(slog.NewTextHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug})), l
}

// listen runs a.Listen in the background; the returned stop cancels it and
// waits for it to return (after in-flight answers are delivered).
func listen(t *testing.T, a *Adapter, h bot.Handler) (stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- a.Listen(ctx, h) }()
	var once sync.Once
	var err error
	stop = func() error {
		once.Do(func() { cancel(); err = <-errc })
		return err
	}
	t.Cleanup(func() { stop() })
	return stop
}
