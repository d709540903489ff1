// Package slackfake is a fake Slack for tests, speaking Slack's real wire
// protocols: the Web API (slack-go's slacktest server, with
// chat.postMessage, chat.postEphemeral and auth.test answered and recorded
// here, since slacktest's own handler records nothing), Socket Mode
// (slacktest's /ws: hello, then the envelopes a test delivers, and the
// bot's acknowledgements), slash commands' response_url endpoints, and
// requests signed as Slack signs them (v0 HMAC-SHA256).
//
// Use it as briefbot's adapter tests, the conformance suite and serve's
// end-to-end tests do:
//
//	f := slackfake.New(t, slackfake.Options{BotToken: token})
//	a, _ := slack.New(slack.Config{BotToken: token, APIURL: f.APIURL(), ...})
//	f.Deliver(t, "slash_commands", "env-1", payload, true) // Socket Mode
//	posts := f.WaitPosts(t, 1)
package slackfake

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/slack-go/slack/slacktest"
)

// Options configure a Server. Every field may be left zero.
type Options struct {
	// BotToken, when set, is the only token chat.* calls are accepted with
	// (others get invalid_auth).
	BotToken string
	// BotUser, BotID and Team are what auth.test reports (defaults UBOT0001,
	// B0001, T0001).
	BotUser, BotID, Team string
	// EphemeralUser, when set, is the only user chat.postEphemeral may show
	// a message to (others get user_not_in_channel).
	EphemeralUser string
	// Binders add or override Web API handlers.
	Binders []slacktest.Binder
}

// Failure is how the fake answers one Web API or response_url call instead
// of accepting it: an HTTP status (429 with RetryAfter seconds), or a
// Slack error such as "channel_not_found" in an HTTP 200.
type Failure struct {
	Status     int
	RetryAfter string
	Error      string
}

// Post is one message the fake accepted.
type Post struct {
	Method          string // chat.postMessage, chat.postEphemeral or response_url
	Channel         string // "" for response_url
	User            string // chat.postEphemeral's user
	ThreadTS        string
	TS              string // the ts the fake gave the message ("" for response_url)
	Hook            string // the response_url's id (see ResponseURL)
	ResponseType    string // response_url: in_channel or ephemeral
	ReplaceOriginal bool
	Ephemeral       bool
	Text            string
	Blocks          string // Block Kit JSON, "" when none
	Token           string // the token the call was made with
}

// BlockTexts returns the mrkdwn of each block: a section's text, or a
// context's first element.
func (p Post) BlockTexts() []string { return BlockTexts(p.Blocks) }

// Server is a fake Slack. Its methods may be called concurrently.
type Server struct {
	opt  Options
	api  *slacktest.Server
	resp *httptest.Server

	mu        sync.Mutex
	posts     []Post
	n         int            // accepted posts, for ts
	calls     map[string]int // calls by method
	fail      func(method string, n int) *Failure
	got       chan Post // accepted Web API posts
	responses chan Post // accepted response_url posts

	send chan []byte // envelopes for the Socket Mode connection
	acks chan []byte // what the bot wrote on it
}

// New starts a fake Slack; it stops when the test ends.
func New(t testing.TB, opt Options) *Server {
	t.Helper()
	if opt.BotUser == "" {
		opt.BotUser = "UBOT0001"
	}
	if opt.BotID == "" {
		opt.BotID = "B0001"
	}
	if opt.Team == "" {
		opt.Team = "T0001"
	}
	s := &Server{
		opt: opt, calls: map[string]int{},
		got: make(chan Post, 1000), responses: make(chan Post, 1000),
		send: make(chan []byte, 100), acks: make(chan []byte, 100),
	}
	binders := append([]slacktest.Binder{func(c slacktest.Customize) {
		c.Handle("/chat.postMessage", s.chat("chat.postMessage"))
		c.Handle("/chat.postEphemeral", s.chat("chat.postEphemeral"))
		c.Handle("/auth.test", func(w http.ResponseWriter, _ *http.Request) {
			fmt.Fprintf(w, `{"ok":true,"url":"https://example.slack.com/","team":"Example","user":"briefbot","team_id":%q,"user_id":%q,"bot_id":%q}`, s.opt.Team, s.opt.BotUser, s.opt.BotID)
		})
		c.Handle("/ws", slacktest.Websocket(s.socket))
	}}, opt.Binders...)
	s.api = slacktest.NewTestServer(binders...)
	s.api.Start()
	t.Cleanup(s.api.Stop)
	s.resp = httptest.NewServer(http.HandlerFunc(s.responseURL))
	t.Cleanup(s.resp.Close)
	return s
}

// APIURL is the Web API base to give the adapter (slack.Config.APIURL).
func (s *Server) APIURL() string { return s.api.GetAPIURL() }

// ResponseURL returns a slash command's response_url on the fake, for the
// command id.
func (s *Server) ResponseURL(id string) string {
	return s.resp.URL + "/commands/" + s.opt.Team + "/" + id + "/SECRETHOOKPATH"
}

// ResponseOrigin is the response_url server's origin (scheme://host:port).
func (s *Server) ResponseOrigin() string { return s.resp.URL }

// Fail makes the fake answer calls with what f returns for them (nil:
// accept). n counts the calls of method from 1.
func (s *Server) Fail(f func(method string, n int) *Failure) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fail = f
}

// Posts returns the accepted messages so far, in the order they arrived,
// response_url replacements applied.
func (s *Server) Posts() []Post {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Post(nil), s.posts...)
}

// Calls returns how many calls of method (including refused ones) arrived.
func (s *Server) Calls(method string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[method]
}

// WaitPosts returns the next n messages accepted on the Web API; it fails
// t when they do not arrive (the deadline stops a broken test from
// hanging; nothing is timed).
func (s *Server) WaitPosts(t testing.TB, n int) []Post {
	t.Helper()
	return waitN(t, s.got, n, "Web API posts")
}

// WaitResponses returns the next n messages accepted on response_urls.
func (s *Server) WaitResponses(t testing.TB, n int) []Post {
	t.Helper()
	return waitN(t, s.responses, n, "response_url posts")
}

// PendingResponses reports how many accepted response_url posts no
// WaitResponses has returned yet.
func (s *Server) PendingResponses() int { return len(s.responses) }

func waitN(t testing.TB, ch <-chan Post, n int, what string) []Post {
	t.Helper()
	var out []Post
	deadline := time.NewTimer(10 * time.Second)
	defer deadline.Stop()
	for len(out) < n {
		select {
		case p := <-ch:
			out = append(out, p)
		case <-deadline.C:
			t.Fatalf("slackfake: got %d of %d %s", len(out), n, what)
		}
	}
	return out
}

func (s *Server) failure(method string) *Failure {
	s.calls[method]++
	if s.fail == nil {
		return nil
	}
	return s.fail(method, s.calls[method])
}

func writeFailure(w http.ResponseWriter, f *Failure) {
	switch {
	case f.Status == http.StatusTooManyRequests:
		w.Header().Set("Retry-After", f.RetryAfter)
		w.WriteHeader(f.Status)
	case f.Status != 0:
		http.Error(w, "internal error", f.Status)
	default:
		fmt.Fprintf(w, `{"ok":false,"error":%q}`, f.Error)
	}
}

// chat answers chat.postMessage and chat.postEphemeral.
func (s *Server) chat(method string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			http.Error(w, "bad form", http.StatusBadRequest)
			return
		}
		token := r.PostForm.Get("token")
		if token == "" {
			token = strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		}
		p := Post{
			Method: method, Channel: r.PostForm.Get("channel"), User: r.PostForm.Get("user"),
			ThreadTS: r.PostForm.Get("thread_ts"), Ephemeral: method == "chat.postEphemeral",
			Text: r.PostForm.Get("text"), Blocks: r.PostForm.Get("blocks"), Token: token,
		}
		s.mu.Lock()
		f := s.failure(method)
		switch {
		case f != nil:
		case s.opt.BotToken != "" && token != s.opt.BotToken:
			f = &Failure{Error: "invalid_auth"}
		case p.Channel == "" || (p.Text == "" && p.Blocks == ""):
			f = &Failure{Error: "no_text"}
		case p.Ephemeral && s.opt.EphemeralUser != "" && p.User != s.opt.EphemeralUser:
			f = &Failure{Error: "user_not_in_channel"}
		}
		if f == nil {
			s.n++
			p.TS = fmt.Sprintf("1700000000.%06d", s.n)
			s.posts = append(s.posts, p)
		}
		s.mu.Unlock()
		if f != nil {
			writeFailure(w, f)
			return
		}
		notify(s.got, p)
		if p.Ephemeral {
			fmt.Fprintf(w, `{"ok":true,"message_ts":%q}`, p.TS)
			return
		}
		fmt.Fprintf(w, `{"ok":true,"channel":%q,"ts":%q}`, p.Channel, p.TS)
	}
}

// notify queues p for WaitPosts or WaitResponses; Posts has it whether
// or not anyone waits.
func notify(ch chan Post, p Post) {
	select {
	case ch <- p:
	default:
	}
}

// maxResponses is how many posts Slack accepts on one response_url.
const maxResponses = 5

// responseURL answers posts to /commands/TEAM/ID/SECRET.
func (s *Server) responseURL(w http.ResponseWriter, r *http.Request) {
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	if r.Method != http.MethodPost || len(parts) != 4 || parts[0] != "commands" {
		http.NotFound(w, r)
		return
	}
	body, _ := io.ReadAll(r.Body)
	var m struct {
		ResponseType    string          `json:"response_type"`
		Text            string          `json:"text"`
		Blocks          json.RawMessage `json:"blocks"`
		ReplaceOriginal bool            `json:"replace_original"`
	}
	if err := json.Unmarshal(body, &m); err != nil || (m.Text == "" && len(m.Blocks) == 0) {
		http.Error(w, "invalid_payload", http.StatusBadRequest)
		return
	}
	p := Post{
		Method: "response_url", Hook: parts[2], ResponseType: m.ResponseType, ReplaceOriginal: m.ReplaceOriginal,
		Ephemeral: m.ResponseType != "in_channel", Text: m.Text,
	}
	if len(m.Blocks) > 0 && string(m.Blocks) != "null" {
		p.Blocks = string(m.Blocks)
	}
	s.mu.Lock()
	if f := s.failure("response_url"); f != nil {
		s.mu.Unlock()
		if f.Status == 0 {
			f.Status = http.StatusNotFound
		}
		http.Error(w, "expired_url", f.Status)
		return
	}
	n, last := 0, -1
	for i, q := range s.posts {
		if q.Hook == p.Hook {
			n++
			last = i
		}
	}
	switch {
	case n >= maxResponses:
		s.mu.Unlock()
		http.Error(w, "used_url", http.StatusNotFound)
		return
	case p.ReplaceOriginal && last >= 0:
		s.posts[last] = p
	default:
		s.posts = append(s.posts, p)
	}
	s.mu.Unlock()
	notify(s.responses, p)
	fmt.Fprint(w, "ok")
}

// socket is Slack's end of a Socket Mode connection: hello, then the
// envelopes delivered; what the bot writes goes to acks.
func (s *Server) socket(conn *websocket.Conn) {
	closed := make(chan struct{})
	go func() {
		defer close(closed)
		for {
			_, msg, err := conn.ReadMessage()
			if err != nil {
				return
			}
			s.acks <- msg
		}
	}()
	hello := `{"type":"hello","num_connections":1,"debug_info":{"host":"slackfake"},"connection_info":{"app_id":"A0001"}}`
	if conn.WriteMessage(websocket.TextMessage, []byte(hello)) != nil {
		return
	}
	for {
		select {
		case m := <-s.send:
			if conn.WriteMessage(websocket.TextMessage, m) != nil {
				return
			}
		case <-closed:
			return
		}
	}
}

// SendEnvelope writes a raw envelope to the bot's Socket Mode connection
// (once it connects).
func (s *Server) SendEnvelope(envelope string) { s.send <- []byte(envelope) }

// NextAck returns the next message the bot wrote on its Socket Mode
// connection.
func (s *Server) NextAck(t testing.TB) json.RawMessage {
	t.Helper()
	select {
	case m := <-s.acks:
		return m
	case <-time.After(10 * time.Second):
		t.Fatal("slackfake: no acknowledgement on the Socket Mode connection")
		return nil
	}
}

// Deliver sends an envelope of type typ ("slash_commands", "events_api")
// carrying payload over Socket Mode and waits until the bot acknowledges
// it; it fails t when the bot does not.
func (s *Server) Deliver(t testing.TB, typ, envelopeID string, payload any, acceptsResponse bool) {
	t.Helper()
	b, err := json.Marshal(map[string]any{
		"envelope_id": envelopeID, "type": typ, "accepts_response_payload": acceptsResponse,
		"retry_attempt": 0, "retry_reason": "", "payload": payload,
	})
	if err != nil {
		t.Fatal(err)
	}
	s.send <- b
	deadline := time.After(10 * time.Second)
	for {
		select {
		case m := <-s.acks:
			var ack struct {
				EnvelopeID string `json:"envelope_id"`
			}
			if json.Unmarshal(m, &ack) == nil && ack.EnvelopeID == envelopeID {
				return
			}
		case <-deadline:
			t.Fatalf("slackfake: envelope %s (%s) not acknowledged", envelopeID, typ)
		}
	}
}

// Sign signs r (whose body is body) as Slack does, at time at:
// X-Slack-Request-Timestamp and X-Slack-Signature "v0=" +
// hex(HMAC-SHA256(secret, "v0:" + timestamp + ":" + body)).
func Sign(r *http.Request, body, secret string, at time.Time) {
	ts := strconv.FormatInt(at.Unix(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(mac, "v0:%s:%s", ts, body)
	r.Header.Set("X-Slack-Request-Timestamp", ts)
	r.Header.Set("X-Slack-Signature", "v0="+hex.EncodeToString(mac.Sum(nil)))
}

// SignedRequest returns an incoming server request (for a handler's
// ServeHTTP) to path with body, signed with secret at time at.
func SignedRequest(path, contentType, body, secret string, at time.Time) *http.Request {
	r := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
	r.Header.Set("Content-Type", contentType)
	Sign(r, body, secret, at)
	return r
}

// BlockTexts returns the mrkdwn of each block in a Block Kit JSON array:
// a section's text, or a context's first element.
func BlockTexts(raw string) []string {
	var blocks []struct {
		Type string `json:"type"`
		Text *struct {
			Text string `json:"text"`
		} `json:"text"`
		Elements []struct {
			Text string `json:"text"`
		} `json:"elements"`
	}
	if raw == "" || json.Unmarshal([]byte(raw), &blocks) != nil {
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
