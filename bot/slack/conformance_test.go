package slack_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"briefbot/bot"
	"briefbot/bot/bottest"
	"briefbot/bot/slack"
	"briefbot/bot/slack/slackfake"
)

// TestSlackHTTP runs the suite against Slack's HTTP mode: slash commands and
// Events API callbacks as signed requests to the adapter's HTTPHandler.
func TestSlackHTTP(t *testing.T) {
	t.Parallel()
	bottest.Run(t, func(t *testing.T, h bot.Handler) bottest.Harness { return newSlackHarness(t, h, false) })
}

// TestSlackSocketMode runs the suite against Slack's Socket Mode: slash
// commands and events as envelopes over slacktest's websocket.
func TestSlackSocketMode(t *testing.T) {
	t.Parallel()
	bottest.Run(t, func(t *testing.T, h bot.Handler) bottest.Harness { return newSlackHarness(t, h, true) })
}

const (
	slackBotToken = "xoxb-bottest-SECRET"
	slackAppToken = "xapp-1-bottest-SECRET"
	slackSecret   = "bottest-signing-SECRET"
	slackBotUser  = "UBOTTEST01"
	slackBotID    = "BBOTTEST01"
	slackAsker    = "UASKER0001"
	slackTeam     = "TBOTTEST01"
	slackApp      = "ABOTTEST01"
)

// Slack's message limits (https://api.slack.com/reference/block-kit/blocks).
const (
	slackMaxBlocks      = 50
	slackMaxSectionText = 3000
	slackMaxContextEls  = 10
	slackMaxText        = 40000 // chat.postMessage answers msg_too_long beyond
)

// slackHarness is a Slack adapter on slacktest's Web API, with
// chat.postMessage, chat.postEphemeral and auth.test answered here, and a
// response_url server. Each conversation has a channel (and a response_url)
// of its own.
type slackHarness struct {
	socket bool
	now    time.Time
	a      *slack.Adapter
	web    http.Handler // the adapter's HTTP endpoints
	f      *slackfake.Server
	cancel context.CancelFunc
	done   chan error // Listen's result
	logs   *syncBuffer

	once  sync.Once
	mu    sync.Mutex
	n     int
	convs []*slackConv
	over  bool // Replies was called: no more requests
}

func newSlackHarness(t *testing.T, h bot.Handler, socket bool) *slackHarness {
	t.Helper()
	sh := &slackHarness{socket: socket, now: time.Date(2025, 4, 10, 9, 30, 0, 0, time.UTC), done: make(chan error, 1), logs: &syncBuffer{}}
	sh.f = slackfake.New(t, slackfake.Options{BotToken: slackBotToken, BotUser: slackBotUser, BotID: slackBotID, Team: slackTeam, EphemeralUser: slackAsker})

	cfg := slack.Config{
		BotToken: slackBotToken, SigningSecret: slackSecret, APIURL: sh.f.APIURL(),
		Log: slog.New(slog.NewTextHandler(sh.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Now: func() time.Time { return sh.now },
	}
	if socket {
		cfg.AppToken = slackAppToken
	}
	a, err := slack.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	sh.a, sh.web = a, a.HTTPHandler(h)
	ctx, cancel := context.WithCancel(context.Background())
	sh.cancel = cancel
	go func() { sh.done <- a.Listen(ctx, h) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-sh.done:
		case <-time.After(20 * time.Second):
			t.Error("slack: Listen did not return 20s after its context was cancelled")
		}
		if t.Failed() {
			t.Logf("adapter log:\n%s", sh.logs.String())
		}
	})
	return sh
}

func (sh *slackHarness) Ephemeral(kind bot.Kind) bool { return kind != bot.Direct }

// id numbers a new conversation; it fails t once Replies has been called.
func (sh *slackHarness) id(t *testing.T) string {
	t.Helper()
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if sh.over {
		t.Fatal("harness: a request after Replies")
	}
	sh.n++
	return fmt.Sprintf("%04d", sh.n)
}

// open records a conversation whose messages are those match accepts.
func (sh *slackHarness) open(origin string, match func(slackfake.Post) bool) *slackConv {
	c := &slackConv{h: sh, origin: origin, match: match}
	sh.mu.Lock()
	sh.convs = append(sh.convs, c)
	sh.mu.Unlock()
	return c
}

func (sh *slackHarness) Command(t *testing.T, text string) bottest.Conversation {
	t.Helper()
	id := sh.id(t)
	channel, hook := "C"+id, "R"+id
	c := sh.open("", func(p slackfake.Post) bool { return p.Channel == channel || p.Hook == hook })
	form := url.Values{
		"token": {"deprecated-verification-token"}, "team_id": {slackTeam}, "team_domain": {"bottest"},
		"channel_id": {channel}, "channel_name": {"general"}, "user_id": {slackAsker}, "user_name": {"ada"},
		"command": {"/brief"}, "text": {text}, "api_app_id": {slackApp},
		"response_url": {sh.f.ResponseURL(hook)},
		"trigger_id":   {"trigger-" + id},
	}
	if sh.socket {
		payload := map[string]string{}
		for k := range form {
			payload[k] = form.Get(k)
		}
		sh.f.Deliver(t, "slash_commands", "env-"+id, payload, true)
		return c
	}
	sh.serve(t, "/slack/commands", "application/x-www-form-urlencoded", form.Encode())
	return c
}

func (sh *slackHarness) Mention(t *testing.T, text string) bottest.Conversation {
	t.Helper()
	id := sh.id(t)
	channel, ts := "C"+id, "1712740000."+id+"00"
	c := sh.open(ts, func(p slackfake.Post) bool { return p.Channel == channel })
	sh.event(t, id, map[string]any{
		"type": "app_mention", "user": slackAsker, "text": "<@" + slackBotUser + "> " + text,
		"ts": ts, "event_ts": ts, "channel": channel, "team": slackTeam,
	})
	return c
}

func (sh *slackHarness) Direct(t *testing.T, text string) bottest.Conversation {
	t.Helper()
	id := sh.id(t)
	channel, ts := "D"+id, "1712740000."+id+"00"
	c := sh.open(ts, func(p slackfake.Post) bool { return p.Channel == channel })
	sh.event(t, id, map[string]any{
		"type": "message", "channel_type": "im", "user": slackAsker, "text": text,
		"ts": ts, "event_ts": ts, "channel": channel, "team": slackTeam,
	})
	return c
}

// FromSelf delivers the message.im event Slack sends for a message the bot
// posted in a DM.
func (sh *slackHarness) FromSelf(t *testing.T, text string) bottest.Conversation {
	t.Helper()
	id := sh.id(t)
	channel, ts := "D"+id, "1712740000."+id+"00"
	c := sh.open(ts, func(p slackfake.Post) bool { return p.Channel == channel })
	sh.event(t, id, map[string]any{
		"type": "message", "channel_type": "im", "user": slackBotUser, "bot_id": slackBotID, "app_id": slackApp,
		"bot_profile": map[string]any{"id": slackBotID, "app_id": slackApp, "name": "briefbot"},
		"text":        text, "ts": ts, "event_ts": ts, "channel": channel, "team": slackTeam,
	})
	return c
}

func (sh *slackHarness) Post(t *testing.T, r bot.Reply) bottest.Conversation {
	t.Helper()
	channel := "C" + sh.id(t)
	c := sh.open("", func(p slackfake.Post) bool { return p.Channel == channel })
	if err := sh.a.Post(context.Background(), bot.Destination{Channel: channel}, r); err != nil {
		t.Errorf("Post: %v", err)
	}
	return c
}

// event delivers an Events API callback.
func (sh *slackHarness) event(t *testing.T, id string, inner map[string]any) {
	t.Helper()
	body := map[string]any{
		"token": "deprecated-verification-token", "team_id": slackTeam, "api_app_id": slackApp,
		"type": "event_callback", "event_id": "Ev" + id, "event_time": 1712740000,
		"authorizations": []any{map[string]any{"team_id": slackTeam, "user_id": slackBotUser, "is_bot": true}},
		"event":          inner,
	}
	if sh.socket {
		sh.f.Deliver(t, "events_api", "env-"+id, body, false)
		return
	}
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	sh.serve(t, "/slack/events", "application/json", string(b))
}

// serve sends a request signed as Slack signs it and checks the
// acknowledgement: 200 with an empty body.
func (sh *slackHarness) serve(t *testing.T, path, contentType, body string) {
	t.Helper()
	r := slackfake.SignedRequest(path, contentType, body, slackSecret, sh.now)
	w := httptest.NewRecorder()
	sh.web.ServeHTTP(w, r)
	if w.Code != http.StatusOK || w.Body.Len() != 0 {
		t.Fatalf("POST %s: acknowledged with %d %q, want 200 and an empty body", path, w.Code, w.Body.String())
	}
}

// finish stops the adapter once: Listen returns after the answers in flight
// are delivered. Then it checks every message against Slack's limits and
// that each belongs to a conversation.
func (sh *slackHarness) finish(t *testing.T) {
	t.Helper()
	sh.once.Do(func() {
		sh.mu.Lock()
		sh.over = true
		sh.mu.Unlock()
		sh.cancel()
		select {
		case err := <-sh.done:
			sh.done <- err // for the cleanup
			if err != nil {
				t.Errorf("Listen: %v", err)
			}
		case <-time.After(20 * time.Second):
			t.Fatal("slack: answers still in flight 20s after shutdown began")
		}
		sh.mu.Lock()
		defer sh.mu.Unlock()
		for _, p := range sh.f.Posts() {
			checkSlackLimits(t, p)
			owned := false
			for _, c := range sh.convs {
				owned = owned || c.match(p)
			}
			if !owned {
				t.Errorf("a message went where no request came from (%s to channel %q):\n%s", p.Method, p.Channel, p.Text)
			}
		}
	})
}

func checkSlackLimits(t *testing.T, p slackfake.Post) {
	t.Helper()
	if n := utf8.RuneCountInString(p.Text); n > slackMaxText {
		t.Errorf("%s: text of %d characters > %d", p.Method, n, slackMaxText)
	}
	blocks, err := parseBlocks(p.Blocks)
	if err != nil {
		t.Errorf("%s: blocks: %v", p.Method, err)
		return
	}
	if len(blocks) > slackMaxBlocks {
		t.Errorf("%s: %d blocks > %d", p.Method, len(blocks), slackMaxBlocks)
	}
	for i, b := range blocks {
		switch b.Type {
		case "section":
			if b.Text == nil && len(b.Fields) == 0 {
				t.Errorf("%s: block %d: a section with neither text nor fields", p.Method, i)
			}
			if b.Text != nil {
				if n := utf8.RuneCountInString(b.Text.Text); n > slackMaxSectionText || n == 0 {
					t.Errorf("%s: block %d: section text of %d characters, want 1 to %d", p.Method, i, n, slackMaxSectionText)
				}
			}
		case "context":
			if len(b.Elements) == 0 || len(b.Elements) > slackMaxContextEls {
				t.Errorf("%s: block %d: context with %d elements, want 1 to %d", p.Method, i, len(b.Elements), slackMaxContextEls)
			}
			for _, e := range b.Elements {
				if n := utf8.RuneCountInString(e.Text); n > slackMaxSectionText {
					t.Errorf("%s: block %d: context text of %d characters > %d", p.Method, i, n, slackMaxSectionText)
				}
			}
		case "divider":
		default:
			t.Errorf("%s: block %d: type %q the suite does not know", p.Method, i, b.Type)
		}
	}
}

type slackText struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

type slackBlock struct {
	Type     string      `json:"type"`
	Text     *slackText  `json:"text"`
	Fields   []slackText `json:"fields"`
	Elements []slackText `json:"elements"`
}

func parseBlocks(raw string) ([]slackBlock, error) {
	if raw == "" {
		return nil, nil
	}
	var bs []slackBlock
	err := json.Unmarshal([]byte(raw), &bs)
	return bs, err
}

// message is p as the user sees it: its blocks (the text is then only the
// notification fallback), else its text.
func message(p slackfake.Post) bottest.Message {
	var parts []string
	blocks, _ := parseBlocks(p.Blocks)
	for _, b := range blocks {
		if b.Text != nil {
			parts = append(parts, b.Text.Text)
		}
		for _, f := range b.Fields {
			parts = append(parts, f.Text)
		}
		for _, e := range b.Elements {
			parts = append(parts, e.Text)
		}
	}
	if len(blocks) == 0 {
		parts = []string{p.Text}
	}
	text, links := slackPlain(strings.Join(parts, "\n"))
	return bottest.Message{Text: text, Links: links, Ephemeral: p.Ephemeral, Thread: p.ThreadTS}
}

var (
	slackLinkRE   = regexp.MustCompile(`<([^<>|]*)(?:\|([^<>]*))?>`)
	slackBoldRE   = regexp.MustCompile(`\*([^*\n]+)\*`)
	slackItalicRE = regexp.MustCompile(`(^|[\s(])_([^_\n]+)_`)
	slackEntities = strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&")
)

// slackPlain reduces mrkdwn to plain text: links to their labels (mentions
// to @id), bold and italic markers dropped, entities decoded.
func slackPlain(s string) (string, []string) {
	var links []string
	s = slackLinkRE.ReplaceAllStringFunc(s, func(m string) string {
		sm := slackLinkRE.FindStringSubmatch(m)
		target, label := sm[1], sm[2]
		switch {
		case strings.HasPrefix(target, "@"), strings.HasPrefix(target, "#"), strings.HasPrefix(target, "!"):
			if label != "" {
				return label
			}
			return target
		}
		links = append(links, slackEntities.Replace(target))
		if label == "" {
			return target
		}
		return label
	})
	s = slackBoldRE.ReplaceAllString(s, "$1")
	s = slackItalicRE.ReplaceAllString(s, "$1$2")
	return slackEntities.Replace(s), links
}

// slackConv is one request to the Slack adapter.
type slackConv struct {
	h      *slackHarness
	origin string
	match  func(slackfake.Post) bool
}

func (c *slackConv) Origin() string { return c.origin }

func (c *slackConv) Replies(t *testing.T) []bottest.Message {
	t.Helper()
	c.h.finish(t)
	var out []bottest.Message
	for _, p := range c.h.f.Posts() {
		if c.match(p) {
			out = append(out, message(p))
		}
	}
	return out
}

// syncBuffer is a log sink safe for concurrent writes.
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
