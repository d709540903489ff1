// Package discordfake is a fake Discord for tests, speaking Discord's real
// wire protocols: the REST API (v9, as discordgo calls it) with messages
// kept as they stand (edits applied, deletions and interaction responses
// tracked) and Discord's message limits enforced, the gateway (hello,
// identify, READY, then the events a test sends), and HTTP interactions
// signed with Ed25519. Every REST call is also recorded as it arrived.
//
// Give the adapter the server's URL as its API origin:
//
//	f := discordfake.New(t, discordfake.Options{Token: token})
//	a, _ := discord.New(discord.Config{BotToken: token, APIURL: f.URL(), ...})
//	go a.Listen(ctx, h)
//	f.WaitReady(t)
//	f.Send(t, "MESSAGE_CREATE", discordfake.MessageCreate(...))
package discordfake

import (
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf16"
)

// Options configure a Server; zero fields get the defaults shown.
type Options struct {
	Token string // the bot token (without "Bot "); default "fake-token-SECRET"
	BotID string // the bot user's id; default 910000000000000001
	AppID string // the application id; default 910000000000000002
	Guild string // the guild READY announces; default 920000000000000001
}

// Failure is how the fake answers one REST call instead of serving it: an
// HTTP status with Discord's JSON error (Code, Message), or a 429 with
// RetryAfter seconds in the body.
type Failure struct {
	Status     int
	Code       int
	Message    string
	RetryAfter float64
}

// Call is one REST request the fake received.
type Call struct {
	Method, Path, Query, Auth string
	Body                      []byte
}

func (c Call) String() string { return c.Method + " " + c.Path }

// Decode unmarshals the call's JSON body, failing t when it is not an
// object.
func (c Call) Decode(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(c.Body, &m); err != nil {
		t.Fatalf("%s: body is not a JSON object: %v\n%s", c, err, c.Body)
	}
	return m
}

// Matching returns the calls with this method and path.
func Matching(cs []Call, method, path string) []Call {
	var out []Call
	for _, c := range cs {
		if c.Method == method && c.Path == path {
			out = append(out, c)
		}
	}
	return out
}

// IndexOf returns the position of the first call with method and path,
// -1 when there is none.
func IndexOf(cs []Call, method, path string) int {
	for i, c := range cs {
		if c.Method == method && c.Path == path {
			return i
		}
	}
	return -1
}

// Message is one message as it stands on the fake.
type Message struct {
	ID        string
	Channel   string // channel messages
	Token     string // interaction responses and follow-ups: the interaction's token
	Pending   bool   // a deferred response still "thinking…"
	Deleted   bool
	Ephemeral bool
	Ref       string // the message it replies to
	Content   string
	Embeds    []Embed
}

// Embed is a message embed, as the fake reads it.
type Embed struct {
	Title       string `json:"title"`
	URL         string `json:"url"`
	Description string `json:"description"`
	Footer      *struct {
		Text string `json:"text"`
	} `json:"footer"`
	Author *struct {
		Name string `json:"name"`
	} `json:"author"`
	Fields []struct {
		Name  string `json:"name"`
		Value string `json:"value"`
	} `json:"fields"`
}

const ephemeralFlag = 1 << 6

// interaction is what the fake knows of one interaction.
type interaction struct {
	id, token string
	responded chan struct{} // closed once the initial response is recorded
	original  *Message      // nil until responded
}

// Server is a fake Discord. Its methods may be called concurrently.
type Server struct {
	opt Options
	srv *httptest.Server
	gw  *gateway

	mu         sync.Mutex
	calls      []Call
	n          map[string]int // calls by route
	fail       func(route string, n int) *Failure
	msgs       []*Message
	byToken    map[string]*interaction
	problems   []string
	changed    chan struct{}
	registered chan struct{}
	regOnce    sync.Once
}

// New starts a fake Discord; it stops when the test ends.
func New(t testing.TB, opt Options) *Server {
	t.Helper()
	if opt.Token == "" {
		opt.Token = "fake-token-SECRET"
	}
	if opt.BotID == "" {
		opt.BotID = "910000000000000001"
	}
	if opt.AppID == "" {
		opt.AppID = "910000000000000002"
	}
	if opt.Guild == "" {
		opt.Guild = "920000000000000001"
	}
	s := &Server{opt: opt, n: map[string]int{}, byToken: map[string]*interaction{}, changed: make(chan struct{}, 1), registered: make(chan struct{})}
	s.gw = &gateway{s: s, events: make(chan gatewaySend), ready: make(chan struct{})}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.srv.Close)
	return s
}

// URL is the API origin to give the adapter (discord.Config.APIURL).
func (s *Server) URL() string { return s.srv.URL }

// BotID, AppID and Guild are the ids the fake uses.
func (s *Server) BotID() string { return s.opt.BotID }
func (s *Server) AppID() string { return s.opt.AppID }
func (s *Server) Guild() string { return s.opt.Guild }

// Fail makes the fake answer REST calls with what f returns for them
// (nil: serve). route is "METHOD /api/v9/path"; n counts its calls from 1.
func (s *Server) Fail(f func(route string, n int) *Failure) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fail = f
}

// Calls returns the REST calls so far, in the order they arrived.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Call(nil), s.calls...)
}

// WaitFor waits until done reports true about the calls so far and returns
// them. The deadline only stops a broken test from hanging.
func (s *Server) WaitFor(t testing.TB, what string, done func([]Call) bool) []Call {
	t.Helper()
	deadline := time.NewTimer(20 * time.Second)
	defer deadline.Stop()
	for {
		cs := s.Calls()
		if done(cs) {
			return cs
		}
		select {
		case <-s.changed:
		case <-deadline.C:
			t.Fatalf("discordfake: gave up waiting for %s; calls: %v", what, cs)
		}
	}
}

// Messages returns every message created so far, as it stands, in the
// order created.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Message, len(s.msgs))
	for i, m := range s.msgs {
		out[i] = *m
	}
	return out
}

// Problems returns the protocol errors the fake saw (a webhook call before
// the interaction was responded to, a second initial response, a message
// over Discord's limits, mentions not disabled, ...).
func (s *Server) Problems() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.problems...)
}

// Unanswered returns, for each interaction the fake knows, why the user
// would be left waiting: no initial response, or a deferral never edited.
func (s *Server) Unanswered() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, it := range s.byToken {
		select {
		case <-it.responded:
			if o := it.original; o.Pending && !o.Deleted {
				out = append(out, fmt.Sprintf("interaction %s was deferred and never answered: the user sees \"thinking…\" for ever", it.id))
			}
		default:
			out = append(out, fmt.Sprintf("interaction %s got no initial response", it.id))
		}
	}
	return out
}

// Registered is closed once the application's commands were overwritten.
func (s *Server) Registered() <-chan struct{} { return s.registered }

// Identify returns the "d" of the gateway identify payload (nil before).
func (s *Server) Identify() map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.gw.identify
}

// WaitReady waits until a gateway session is ready for events.
func (s *Server) WaitReady(t testing.TB) {
	t.Helper()
	select {
	case <-s.gw.ready:
	case <-time.After(10 * time.Second):
		t.Fatal("discordfake: no gateway session became ready")
	}
}

// Ready is closed once a gateway session is ready for events.
func (s *Server) Ready() <-chan struct{} { return s.gw.ready }

// expect registers an interaction so that its callback and webhook work.
func (s *Server) expect(id, token string) *interaction {
	s.mu.Lock()
	defer s.mu.Unlock()
	if it := s.byToken[token]; it != nil {
		return it
	}
	it := &interaction{id: id, token: token, responded: make(chan struct{})}
	s.byToken[token] = it
	return it
}

func (s *Server) problem(format string, args ...any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.problemLocked(format, args...)
}

func (s *Server) problemLocked(format string, args ...any) {
	s.problems = append(s.problems, fmt.Sprintf(format, args...))
}

func (s *Server) nextMsgID() string { return fmt.Sprintf("98%016d", len(s.msgs)+1) }

// Sign sets the Ed25519 headers Discord puts on an interaction request with
// body, made at time at.
func Sign(r *http.Request, key ed25519.PrivateKey, body []byte, at time.Time) {
	ts := strconv.FormatInt(at.Unix(), 10)
	r.Header.Set("X-Signature-Timestamp", ts)
	r.Header.Set("X-Signature-Ed25519", hex.EncodeToString(ed25519.Sign(key, append([]byte(ts), body...))))
}

// PostInteraction sends payload (an interaction) to endpoint as Discord
// does: JSON, signed with key at time at. When the answer is 200 the fake
// records it as the interaction's initial response (a deferral shows
// "thinking…" until edited). It returns the status and body.
func (s *Server) PostInteraction(t testing.TB, endpoint string, key ed25519.PrivateKey, at time.Time, payload any) (int, []byte) {
	t.Helper()
	b, err := json.Marshal(payload)
	if err != nil {
		t.Fatal(err)
	}
	var head struct {
		ID    string `json:"id"`
		Token string `json:"token"`
		Type  int    `json:"type"`
	}
	_ = json.Unmarshal(b, &head)
	var it *interaction
	if head.Type != 1 && head.Token != "" {
		it = s.expect(head.ID, head.Token)
	}
	req, err := http.NewRequest(http.MethodPost, endpoint, bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Discord-Interactions/1.0 (+https://discord.com)")
	Sign(req, key, b, at)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("discordfake: POST interaction: %v", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode == http.StatusOK && it != nil {
		if err := s.respond(it, body); err != nil {
			s.problem("interaction %s: initial response %s: %v", head.ID, body, err)
		}
	} else if it != nil {
		s.mu.Lock()
		if it.original == nil {
			delete(s.byToken, head.Token) // refused: Discord shows the user an error itself
		}
		s.mu.Unlock()
	}
	return resp.StatusCode, body
}

// respond records an interaction's initial response: a deferral (type 5)
// shows "thinking…" until edited, a message (type 4) is the answer.
func (s *Server) respond(it *interaction, body []byte) error {
	var r struct {
		Type int             `json:"type"`
		Data json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(body, &r); err != nil {
		return fmt.Errorf("not JSON: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if it.original != nil {
		return errors.New("a second initial response")
	}
	m := &Message{ID: s.nextMsgID(), Token: it.token}
	switch r.Type {
	case 5:
		m.Pending = true
		if len(r.Data) > 0 {
			var d struct {
				Flags int `json:"flags"`
			}
			_ = json.Unmarshal(r.Data, &d)
			m.Ephemeral = d.Flags&ephemeralFlag != 0
		}
	case 4:
		if err := fill(m, r.Data, true); err != nil {
			return err
		}
	default:
		return fmt.Errorf("response type %d, want 4 or 5", r.Type)
	}
	it.original = m
	s.msgs = append(s.msgs, m)
	close(it.responded)
	return nil
}

// serve is the REST API and, at /gw, the gateway.
func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/gw" || strings.HasPrefix(r.URL.Path, "/gw/") {
		s.gw.serve(w, r)
		return
	}
	body, _ := io.ReadAll(r.Body)
	c := Call{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Auth: r.Header.Get("Authorization"), Body: body}
	route := c.String()
	s.mu.Lock()
	s.calls = append(s.calls, c)
	s.n[route]++
	var f *Failure
	if s.fail != nil {
		f = s.fail(route, s.n[route])
	}
	s.mu.Unlock()
	defer func() {
		select {
		case s.changed <- struct{}{}:
		default:
		}
	}()

	w.Header().Set("Content-Type", "application/json")
	fail := func(status, code int, msg string) {
		w.WriteHeader(status)
		fmt.Fprintf(w, `{"message": %q, "code": %d}`, msg, code)
	}
	if f != nil {
		if f.Status == http.StatusTooManyRequests {
			w.WriteHeader(http.StatusTooManyRequests)
			fmt.Fprintf(w, `{"message": "You are being rate limited.", "retry_after": %g, "global": false}`, f.RetryAfter)
			return
		}
		fail(f.Status, f.Code, f.Message)
		return
	}
	// Route on the escaped path: an interaction token may hold any
	// character, and a client must escape it.
	p := strings.Split(strings.TrimPrefix(r.URL.EscapedPath(), "/api/v9/"), "/")
	for i, seg := range p {
		if u, err := url.PathUnescape(seg); err == nil {
			p[i] = u
		}
	}
	authed := c.Auth == "Bot "+s.opt.Token
	key := r.Method + " " + strings.Join(p, "/")
	switch {
	case !strings.HasPrefix(r.URL.Path, "/api/v9/"):
		fail(http.StatusNotFound, 0, "404: Not Found")
		s.problem("request outside the v9 API: %s", route)

	case key == "GET gateway", key == "GET gateway/bot":
		if p[len(p)-1] == "bot" && !authed {
			fail(http.StatusUnauthorized, 0, "401: Unauthorized")
			return
		}
		fmt.Fprintf(w, `{"url": %q, "shards": 1, "session_start_limit": {"total": 1000, "remaining": 999, "reset_after": 1000, "max_concurrency": 1}}`,
			"ws"+strings.TrimPrefix(s.srv.URL, "http")+"/gw")

	case r.Method == http.MethodPut && p[0] == "applications" && p[len(p)-1] == "commands":
		if !authed || p[1] != s.opt.AppID {
			fail(http.StatusUnauthorized, 0, "401: Unauthorized")
			return
		}
		s.regOnce.Do(func() { close(s.registered) })
		w.Write(body)

	case r.Method == http.MethodPost && len(p) == 4 && p[0] == "interactions" && p[3] == "callback":
		s.mu.Lock()
		it := s.byToken[p[2]]
		s.mu.Unlock()
		if it == nil || it.id != p[1] {
			fail(http.StatusNotFound, 10062, "Unknown interaction")
			return
		}
		if err := s.respond(it, body); err != nil {
			fail(http.StatusBadRequest, 40060, "Interaction has already been acknowledged.")
			s.problem("interaction callback: %v", err)
			return
		}
		w.WriteHeader(http.StatusNoContent)

	case r.Method == http.MethodPost && len(p) == 3 && p[0] == "channels" && p[2] == "typing":
		if !authed {
			fail(http.StatusUnauthorized, 0, "401: Unauthorized")
			return
		}
		w.WriteHeader(http.StatusNoContent)

	case r.Method == http.MethodPost && len(p) == 3 && p[0] == "channels" && p[2] == "messages":
		if !authed {
			fail(http.StatusUnauthorized, 0, "401: Unauthorized")
			return
		}
		s.mu.Lock()
		m := &Message{ID: s.nextMsgID(), Channel: p[1]}
		err := fill(m, body, false)
		if err == nil {
			s.msgs = append(s.msgs, m)
		}
		s.mu.Unlock()
		if err != nil {
			fail(http.StatusBadRequest, 50035, "Invalid Form Body")
			s.problem("POST channels/%s/messages: %v", p[1], err)
			return
		}
		s.writeMessage(w, m)

	case p[0] == "webhooks" && len(p) >= 3:
		s.webhook(w, r.Method, p, body, fail)

	default:
		fail(http.StatusNotFound, 0, "404: Not Found")
		s.problem("unexpected request %s", route)
	}
}

// webhook serves an interaction's webhook: follow-ups (POST
// webhooks/APP/TOKEN) and @original (PATCH, DELETE).
func (s *Server) webhook(w http.ResponseWriter, method string, p []string, body []byte, fail func(int, int, string)) {
	s.mu.Lock()
	it := s.byToken[p[2]]
	s.mu.Unlock()
	if p[1] != s.opt.AppID || it == nil {
		fail(http.StatusNotFound, 10015, "Unknown Webhook")
		return
	}
	// Discord reads the initial response before the webhook works.
	select {
	case <-it.responded:
	case <-time.After(5 * time.Second):
		fail(http.StatusNotFound, 10015, "Unknown Webhook")
		s.problem("webhook call before the interaction was responded to")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	orig := it.original
	switch {
	case method == http.MethodPost && len(p) == 3:
		m := &Message{ID: s.nextMsgID(), Token: p[2]}
		if err := fill(m, body, true); err != nil {
			fail(http.StatusBadRequest, 50035, "Invalid Form Body")
			s.problemLocked("follow-up: %v", err)
			return
		}
		if orig.Pending && !orig.Deleted {
			// The first follow-up after a deferral replaces the "thinking…"
			// message and keeps the deferral's visibility.
			m.ID, m.Ephemeral = orig.ID, orig.Ephemeral
			*orig = *m
			s.writeMessage(w, orig)
			return
		}
		s.msgs = append(s.msgs, m)
		s.writeMessage(w, m)

	case len(p) == 5 && p[3] == "messages" && p[4] == "@original":
		if orig.Deleted {
			fail(http.StatusNotFound, 10008, "Unknown Message")
			return
		}
		switch method {
		case http.MethodDelete:
			orig.Deleted = true
			w.WriteHeader(http.StatusNoContent)
		case http.MethodPatch:
			edited := *orig
			if err := edit(&edited, body); err != nil {
				fail(http.StatusBadRequest, 50035, "Invalid Form Body")
				s.problemLocked("edit @original: %v", err)
				return
			}
			edited.Pending = false
			*orig = edited
			s.writeMessage(w, orig)
		default:
			fail(http.StatusMethodNotAllowed, 0, "405: Method Not Allowed")
		}

	default:
		fail(http.StatusNotFound, 0, "404: Not Found")
		s.problemLocked("unexpected webhook request %s %s", method, strings.Join(p, "/"))
	}
}

// fill sets m from a message body (content, embeds, flags,
// message_reference) and checks it.
func fill(m *Message, body []byte, interaction bool) error {
	var b struct {
		Content         string  `json:"content"`
		Embeds          []Embed `json:"embeds"`
		Flags           int     `json:"flags"`
		AllowedMentions *struct {
			Parse []string `json:"parse"`
		} `json:"allowed_mentions"`
		Reference *struct {
			MessageID string `json:"message_id"`
		} `json:"message_reference"`
	}
	if err := json.Unmarshal(body, &b); err != nil {
		return fmt.Errorf("not JSON: %w", err)
	}
	if b.Flags&ephemeralFlag != 0 && !interaction {
		return errors.New("the ephemeral flag on a channel message")
	}
	if b.AllowedMentions == nil || len(b.AllowedMentions.Parse) != 0 {
		return errors.New("mentions are not disabled (allowed_mentions.parse = []): quoted text could ping @everyone")
	}
	m.Content, m.Embeds, m.Ephemeral = b.Content, b.Embeds, b.Flags&ephemeralFlag != 0
	if b.Reference != nil {
		m.Ref = b.Reference.MessageID
	}
	return Limits(m)
}

// edit applies a PATCH body: the fields present replace the message's.
func edit(m *Message, body []byte) error {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(body, &fields); err != nil {
		return fmt.Errorf("not JSON: %w", err)
	}
	if raw, ok := fields["content"]; ok {
		m.Content = ""
		if err := json.Unmarshal(raw, &m.Content); err != nil {
			return fmt.Errorf("content: %w", err)
		}
	}
	if raw, ok := fields["embeds"]; ok {
		m.Embeds = nil
		if err := json.Unmarshal(raw, &m.Embeds); err != nil {
			return fmt.Errorf("embeds: %w", err)
		}
	}
	if raw, ok := fields["allowed_mentions"]; !ok || !bytes.Contains(raw, []byte(`"parse":[]`)) {
		return errors.New("mentions are not disabled (allowed_mentions.parse = [])")
	}
	return Limits(m)
}

func (s *Server) writeMessage(w http.ResponseWriter, m *Message) {
	channel := m.Channel
	if channel == "" {
		channel = "950000000000000000"
	}
	b, _ := json.Marshal(map[string]any{
		"id": m.ID, "channel_id": channel, "type": 0, "content": m.Content, "embeds": m.Embeds,
		"author":    map[string]any{"id": s.opt.BotID, "username": "briefbot", "bot": true},
		"timestamp": "2025-04-10T09:30:01.000000+00:00",
	})
	w.Write(b)
}

// Discord's message limits (https://discord.com/developers/docs/resources/message),
// counted in UTF-16 code units, never fewer than Discord counts.
const (
	MaxContent     = 2000
	MaxEmbeds      = 10
	MaxTitle       = 256
	MaxDescription = 4096
	MaxFields      = 25
	MaxFieldName   = 256
	MaxFieldValue  = 1024
	MaxFooter      = 2048
	MaxAuthor      = 256
	MaxEmbedTotal  = 6000
)

func units(s string) int { return len(utf16.Encode([]rune(s))) }

// Limits checks m against Discord's limits; the fake refuses messages
// that break them, as Discord does (400 Invalid Form Body).
func Limits(m *Message) error {
	var errs []error
	if m.Content == "" && len(m.Embeds) == 0 {
		errs = append(errs, errors.New("an empty message"))
	}
	if n := units(m.Content); n > MaxContent {
		errs = append(errs, fmt.Errorf("content of %d > %d", n, MaxContent))
	}
	if len(m.Embeds) > MaxEmbeds {
		errs = append(errs, fmt.Errorf("%d embeds > %d", len(m.Embeds), MaxEmbeds))
	}
	total := 0
	for i, e := range m.Embeds {
		check := func(what, s string, max int) {
			n := units(s)
			total += n
			if n > max {
				errs = append(errs, fmt.Errorf("embed %d: %s of %d > %d", i, what, n, max))
			}
		}
		check("title", e.Title, MaxTitle)
		check("description", e.Description, MaxDescription)
		if e.Footer != nil {
			check("footer", e.Footer.Text, MaxFooter)
		}
		if e.Author != nil {
			check("author", e.Author.Name, MaxAuthor)
		}
		if len(e.Fields) > MaxFields {
			errs = append(errs, fmt.Errorf("embed %d: %d fields > %d", i, len(e.Fields), MaxFields))
		}
		for _, f := range e.Fields {
			check("field name", f.Name, MaxFieldName)
			check("field value", f.Value, MaxFieldValue)
		}
	}
	if total > MaxEmbedTotal {
		errs = append(errs, fmt.Errorf("embeds of %d characters in all > %d", total, MaxEmbedTotal))
	}
	return errors.Join(errs...)
}
