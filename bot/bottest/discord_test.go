package bottest_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/gorilla/websocket"

	"briefbot/bot"
	"briefbot/bot/bottest"
	"briefbot/bot/discord"
)

// TestDiscordGateway runs the suite against Discord's gateway mode:
// /brief as INTERACTION_CREATE, mentions and DMs as MESSAGE_CREATE, all over
// a fake gateway; answers through a fake REST API.
func TestDiscordGateway(t *testing.T) {
	t.Parallel()
	bottest.Run(t, func(t *testing.T, h bot.Handler) bottest.Harness { return newDiscordHarness(t, h, false) })
}

// TestDiscordInteractions runs the suite with /brief as signed HTTP
// interactions to an adapter that has no bot token (the interactions
// endpoint mode); mentions and DMs still come over the gateway.
func TestDiscordInteractions(t *testing.T) {
	t.Parallel()
	bottest.Run(t, func(t *testing.T, h bot.Handler) bottest.Harness { return newDiscordHarness(t, h, true) })
}

const (
	discordToken = "bottest-token-SECRET"
	discordBotID = "910000000000000001"
	discordAppID = "910000000000000002"
	discordGuild = "920000000000000001"
	discordAsker = "930000000000000001"
	ephemeral    = 1 << 6 // message flag EPHEMERAL
)

// Discord's message limits (https://discord.com/developers/docs/resources/message),
// counted in UTF-16 code units, never fewer than Discord counts.
const (
	discordMaxContent     = 2000
	discordMaxEmbeds      = 10
	discordMaxTitle       = 256
	discordMaxDescription = 4096
	discordMaxFields      = 25
	discordMaxFieldName   = 256
	discordMaxFieldValue  = 1024
	discordMaxFooter      = 2048
	discordMaxAuthor      = 256
	discordMaxEmbedTotal  = 6000
)

// discordHarness is the Discord adapter on a fake Discord: REST (through
// the adapter's API URL) and a gateway at /gw. Each conversation has its own
// channel or interaction token.
type discordHarness struct {
	httpCommands bool
	h            bot.Handler
	now          time.Time
	key          ed25519.PrivateKey
	api          *httptest.Server
	gw           *fakeGateway
	logs         *syncBuffer

	once       sync.Once
	mu         sync.Mutex
	n          int
	over       bool
	listeners  []*listener
	gateway    *listener        // the adapter with a bot token, once started
	interact   *httptest.Server // the token-less adapter's HTTPHandler, once started
	convs      []*discordConv
	msgs       []*discordMsg           // every message created, in order
	byToken    map[string]*interaction // by interaction token
	problems   []string                // protocol errors the fake saw
	registered chan struct{}           // closed once /brief is registered
	regOnce    sync.Once
}

// listener is one adapter's Listen running in the background.
type listener struct {
	cancel context.CancelFunc
	done   chan error
}

// interaction is what the fake knows of one interaction.
type interaction struct {
	id, token string
	responded chan struct{} // closed once the initial response is recorded
	original  *discordMsg   // nil until responded
}

// discordMsg is one message as it stands.
type discordMsg struct {
	id        string
	channel   string // channel messages
	token     string // interaction responses and follow-ups
	pending   bool   // a deferred response still "thinking…"
	deleted   bool
	ephemeral bool
	ref       string // the message it replies to
	content   string
	embeds    []embed
}

type embed struct {
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

func newDiscordHarness(t *testing.T, h bot.Handler, httpCommands bool) *discordHarness {
	t.Helper()
	dh := &discordHarness{
		httpCommands: httpCommands, h: h,
		now:        time.Date(2025, 4, 10, 9, 30, 0, 0, time.UTC),
		key:        ed25519.NewKeyFromSeed(bytes.Repeat([]byte{42}, ed25519.SeedSize)),
		logs:       &syncBuffer{},
		byToken:    map[string]*interaction{},
		registered: make(chan struct{}),
	}
	dh.gw = &fakeGateway{token: "Bot " + discordToken, events: make(chan gatewaySend), ready: make(chan struct{}), problem: dh.problem}
	dh.api = httptest.NewServer(http.HandlerFunc(dh.serve))
	t.Cleanup(dh.api.Close)
	t.Cleanup(func() {
		dh.stop(t)
		if t.Failed() {
			t.Logf("adapter log:\n%s", dh.logs.String())
		}
	})
	return dh
}

func (dh *discordHarness) Ephemeral(kind bot.Kind) bool { return kind == bot.Command }

func (dh *discordHarness) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(dh.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// listen starts a.Listen in the background.
func (dh *discordHarness) listen(a *discord.Adapter) *listener {
	ctx, cancel := context.WithCancel(context.Background())
	l := &listener{cancel: cancel, done: make(chan error, 1)}
	go func() { l.done <- a.Listen(ctx, dh.h) }()
	dh.listeners = append(dh.listeners, l)
	return l
}

// gatewayAdapter starts the adapter with a bot token once and waits until its
// gateway session is ready for events and it has registered /brief.
func (dh *discordHarness) gatewayAdapter(t *testing.T) {
	t.Helper()
	dh.mu.Lock()
	l := dh.gateway
	if l == nil {
		a, err := discord.New(discord.Config{BotToken: discordToken, APIURL: dh.api.URL, Log: dh.logger(), Now: func() time.Time { return dh.now }})
		if err != nil {
			dh.mu.Unlock()
			t.Fatal(err)
		}
		l = dh.listen(a)
		dh.gateway = l
	}
	dh.mu.Unlock()
	deadline := time.After(10 * time.Second)
	for _, ready := range []struct {
		what string
		ch   <-chan struct{}
	}{{"the gateway session was ready", dh.gw.ready}, {"/brief was registered", dh.registered}} {
		select {
		case <-ready.ch:
		case err := <-l.done:
			l.done <- err
			t.Fatalf("discord: Listen returned before %s: %v", ready.what, err)
		case <-deadline:
			t.Fatalf("discord: gave up waiting until %s", ready.what)
		}
	}
}

// interactionsURL starts the token-less adapter once and returns the URL of
// its interactions endpoint.
func (dh *discordHarness) interactionsURL(t *testing.T) string {
	t.Helper()
	dh.mu.Lock()
	defer dh.mu.Unlock()
	if dh.interact == nil {
		a, err := discord.New(discord.Config{
			AppID: discordAppID, PublicKey: hex.EncodeToString(dh.key.Public().(ed25519.PublicKey)),
			APIURL: dh.api.URL, Log: dh.logger(), Now: func() time.Time { return dh.now },
		})
		if err != nil {
			t.Fatal(err)
		}
		mux := http.NewServeMux()
		mux.Handle("/discord/", a.HTTPHandler(dh.h))
		dh.interact = httptest.NewServer(mux)
		t.Cleanup(dh.interact.Close)
		dh.listen(a)
	}
	return dh.interact.URL + "/discord/interactions"
}

// id numbers a new conversation; it fails t once Replies has been called.
func (dh *discordHarness) id(t *testing.T) int {
	t.Helper()
	dh.mu.Lock()
	defer dh.mu.Unlock()
	if dh.over {
		t.Fatal("harness: a request after Replies")
	}
	dh.n++
	return dh.n
}

func (dh *discordHarness) open(c *discordConv) *discordConv {
	c.h = dh
	dh.mu.Lock()
	dh.convs = append(dh.convs, c)
	dh.mu.Unlock()
	return c
}

func snowflake(kind, n int) string { return fmt.Sprintf("9%d%016d", kind, n) }

func (dh *discordHarness) Command(t *testing.T, text string) bottest.Conversation {
	t.Helper()
	sub, opts := commandOptions(t, text)
	n := dh.id(t)
	id, token, channel := snowflake(4, n), fmt.Sprintf("interaction-token-%d-SECRET", n), snowflake(5, n)
	it := &interaction{id: id, token: token, responded: make(chan struct{})}
	dh.mu.Lock()
	dh.byToken[token] = it
	dh.mu.Unlock()
	c := dh.open(&discordConv{token: token})
	payload := map[string]any{
		"id": id, "application_id": discordAppID, "type": 2, "token": token, "version": 1,
		"channel_id": channel, "guild_id": discordGuild, "locale": "en-GB", "guild_locale": "en-GB",
		"app_permissions": "2248473465835073",
		"member":          map[string]any{"user": map[string]any{"id": discordAsker, "username": "ada", "global_name": "Ada"}, "roles": []string{}, "permissions": "2248473465835073"},
		"channel":         map[string]any{"id": channel, "type": 0, "guild_id": discordGuild, "name": "general"},
		"data": map[string]any{
			"id": snowflake(6, 1), "name": "brief", "type": 1,
			"options": []any{map[string]any{"name": sub, "type": 1, "options": opts}},
		},
	}
	if dh.httpCommands {
		dh.postInteraction(t, dh.interactionsURL(t), it, payload)
		return c
	}
	dh.gatewayAdapter(t)
	dh.gw.send(t, "INTERACTION_CREATE", payload)
	return c
}

// commandOptions maps "/brief text" onto the registered /brief: the first
// word is the subcommand, the rest its one option. Text that cannot be typed
// in Discord's client skips the test.
func commandOptions(t *testing.T, text string) (sub string, opts []any) {
	t.Helper()
	word, rest, _ := strings.Cut(strings.TrimSpace(text), " ")
	rest = strings.TrimSpace(rest)
	var names []string
	for _, cmd := range discord.Commands() {
		if cmd.Name != "brief" {
			continue
		}
		for _, o := range cmd.Options {
			names = append(names, o.Name)
			if o.Name != word {
				continue
			}
			switch {
			case rest == "":
				for _, p := range o.Options {
					if p.Required {
						t.Skipf("discord: /brief %s cannot be sent without its required option %q", word, p.Name)
					}
				}
				return word, []any{}
			case len(o.Options) == 1:
				return word, []any{map[string]any{"name": o.Options[0].Name, "type": int(o.Options[0].Type), "value": rest}}
			}
			t.Skipf("discord: %q does not map onto /brief %s's options", text, word)
		}
	}
	t.Skipf("discord: /brief %q cannot be typed: Discord's /brief takes a subcommand (%s)", text, strings.Join(names, ", "))
	return "", nil
}

// postInteraction sends a signed interaction to the adapter's endpoint and
// records its initial response.
func (dh *discordHarness) postInteraction(t *testing.T, endpoint string, it *interaction, payload any) {
	t.Helper()
	b, err := json.Marshal(payload)
	if err != nil {
		t.Fatal(err)
	}
	ts := strconv.FormatInt(dh.now.Unix(), 10)
	req, err := http.NewRequest(http.MethodPost, endpoint, bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Discord-Interactions/1.0 (+https://discord.com)")
	req.Header.Set("X-Signature-Timestamp", ts)
	req.Header.Set("X-Signature-Ed25519", hex.EncodeToString(ed25519.Sign(dh.key, append([]byte(ts), b...))))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST interaction: %v", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("interaction answered %d %s, want 200", resp.StatusCode, body)
	}
	if err := dh.respond(it, body); err != nil {
		t.Fatalf("interaction response %s: %v", body, err)
	}
}

// respond records an interaction's initial response: a deferral (type 5)
// shows "thinking…" until edited, a message (type 4) is the answer.
func (dh *discordHarness) respond(it *interaction, body []byte) error {
	var r struct {
		Type int             `json:"type"`
		Data json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(body, &r); err != nil {
		return fmt.Errorf("not JSON: %w", err)
	}
	dh.mu.Lock()
	defer dh.mu.Unlock()
	if it.original != nil {
		return errors.New("a second initial response")
	}
	m := &discordMsg{id: dh.nextMsgID(), token: it.token}
	switch r.Type {
	case 5:
		m.pending = true
		if len(r.Data) > 0 {
			var d struct {
				Flags int `json:"flags"`
			}
			_ = json.Unmarshal(r.Data, &d)
			m.ephemeral = d.Flags&ephemeral != 0
		}
	case 4:
		if err := dh.fill(m, r.Data, true); err != nil {
			return err
		}
	default:
		return fmt.Errorf("response type %d, want 4 or 5", r.Type)
	}
	it.original = m
	dh.msgs = append(dh.msgs, m)
	close(it.responded)
	return nil
}

func (dh *discordHarness) nextMsgID() string { return snowflake(8, len(dh.msgs)+1) }

func (dh *discordHarness) Mention(t *testing.T, text string) bottest.Conversation {
	t.Helper()
	n := dh.id(t)
	channel, id := snowflake(5, n), snowflake(7, n)
	c := dh.open(&discordConv{channel: channel, origin: id})
	dh.gatewayAdapter(t)
	dh.gw.send(t, "MESSAGE_CREATE", messageCreate(id, channel, discordGuild, discordAsker, false, "<@"+discordBotID+"> "+text, true))
	return c
}

func (dh *discordHarness) Direct(t *testing.T, text string) bottest.Conversation {
	t.Helper()
	n := dh.id(t)
	channel, id := snowflake(5, n), snowflake(7, n)
	c := dh.open(&discordConv{channel: channel, origin: id})
	dh.gatewayAdapter(t)
	dh.gw.send(t, "MESSAGE_CREATE", messageCreate(id, channel, "", discordAsker, false, text, false))
	return c
}

// FromSelf delivers the MESSAGE_CREATE Discord sends for the bot's own
// message in a DM.
func (dh *discordHarness) FromSelf(t *testing.T, text string) bottest.Conversation {
	t.Helper()
	n := dh.id(t)
	channel, id := snowflake(5, n), snowflake(7, n)
	c := dh.open(&discordConv{channel: channel, origin: id})
	dh.gatewayAdapter(t)
	dh.gw.send(t, "MESSAGE_CREATE", messageCreate(id, channel, "", discordBotID, true, text, false))
	return c
}

func (dh *discordHarness) Post(t *testing.T, r bot.Reply) bottest.Conversation {
	t.Helper()
	channel := snowflake(5, dh.id(t))
	c := dh.open(&discordConv{channel: channel})
	a, err := discord.New(discord.Config{BotToken: discordToken, APIURL: dh.api.URL, Log: dh.logger()})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Post(context.Background(), bot.Destination{Channel: channel}, r); err != nil {
		t.Errorf("Post: %v", err)
	}
	return c
}

func messageCreate(id, channel, guild, author string, isBot bool, content string, mentionsBot bool) map[string]any {
	m := map[string]any{
		"id": id, "channel_id": channel, "type": 0, "content": content, "tts": false,
		"timestamp":        "2025-04-10T09:30:00.000000+00:00",
		"author":           map[string]any{"id": author, "username": "user" + author[len(author)-4:], "discriminator": "0", "bot": isBot},
		"mentions":         []any{},
		"mention_roles":    []any{},
		"mention_everyone": false,
		"attachments":      []any{},
		"embeds":           []any{},
		"pinned":           false,
	}
	if guild != "" {
		m["guild_id"] = guild
		m["member"] = map[string]any{"roles": []any{}}
	}
	if mentionsBot {
		m["mentions"] = []any{map[string]any{"id": discordBotID, "username": "briefbot", "discriminator": "0", "bot": true}}
	}
	return m
}

// problem records a protocol error, to be reported when the test reads
// the replies.
func (dh *discordHarness) problem(format string, args ...any) {
	dh.mu.Lock()
	defer dh.mu.Unlock()
	dh.problemLocked(format, args...)
}

// problemLocked is problem with dh.mu held.
func (dh *discordHarness) problemLocked(format string, args ...any) {
	dh.problems = append(dh.problems, fmt.Sprintf(format, args...))
}

// serve is the fake REST API (v9, as discordgo calls it) and, at /gw, the
// gateway.
func (dh *discordHarness) serve(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/gw" || strings.HasPrefix(r.URL.Path, "/gw/") {
		dh.gw.serve(w, r)
		return
	}
	body, _ := io.ReadAll(r.Body)
	p := strings.Split(strings.TrimPrefix(r.URL.Path, "/api/v9/"), "/")
	authed := r.Header.Get("Authorization") == "Bot "+discordToken
	w.Header().Set("Content-Type", "application/json")
	fail := func(status, code int, msg string) {
		w.WriteHeader(status)
		fmt.Fprintf(w, `{"message": %q, "code": %d}`, msg, code)
	}
	route := r.Method + " " + strings.Join(p, "/")
	switch {
	case !strings.HasPrefix(r.URL.Path, "/api/v9/"):
		fail(http.StatusNotFound, 0, "404: Not Found")
		dh.problem("request outside the v9 API: %s %s", r.Method, r.URL.Path)

	case route == "GET gateway", route == "GET gateway/bot":
		if p[len(p)-1] == "bot" && !authed {
			fail(http.StatusUnauthorized, 0, "401: Unauthorized")
			return
		}
		fmt.Fprintf(w, `{"url": %q, "shards": 1, "session_start_limit": {"total": 1000, "remaining": 999, "reset_after": 1000, "max_concurrency": 1}}`,
			"ws"+strings.TrimPrefix(dh.api.URL, "http")+"/gw")

	case r.Method == http.MethodPut && p[0] == "applications" && p[len(p)-1] == "commands":
		if !authed || p[1] != discordAppID {
			fail(http.StatusUnauthorized, 0, "401: Unauthorized")
			return
		}
		dh.regOnce.Do(func() { close(dh.registered) })
		w.Write(body)

	case r.Method == http.MethodPost && len(p) == 4 && p[0] == "interactions" && p[3] == "callback":
		dh.mu.Lock()
		it := dh.byToken[p[2]]
		dh.mu.Unlock()
		if it == nil || it.id != p[1] {
			fail(http.StatusNotFound, 10062, "Unknown interaction")
			return
		}
		if err := dh.respond(it, body); err != nil {
			fail(http.StatusBadRequest, 40060, "Interaction has already been acknowledged.")
			dh.problem("interaction callback: %v", err)
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
		dh.mu.Lock()
		m := &discordMsg{id: dh.nextMsgID(), channel: p[1]}
		err := dh.fill(m, body, false)
		if err == nil {
			dh.msgs = append(dh.msgs, m)
		}
		dh.mu.Unlock()
		if err != nil {
			fail(http.StatusBadRequest, 50035, "Invalid Form Body")
			dh.problem("POST channels/%s/messages: %v", p[1], err)
			return
		}
		writeMessage(w, m)

	case p[0] == "webhooks" && len(p) >= 3:
		dh.webhook(w, r.Method, p, body, fail)

	default:
		fail(http.StatusNotFound, 0, "404: Not Found")
		dh.problem("unexpected request %s", route)
	}
}

// webhook serves an interaction's webhook: follow-ups (POST
// webhooks/APP/TOKEN) and @original (PATCH, DELETE).
func (dh *discordHarness) webhook(w http.ResponseWriter, method string, p []string, body []byte, fail func(int, int, string)) {
	dh.mu.Lock()
	it := dh.byToken[p[2]]
	dh.mu.Unlock()
	if p[1] != discordAppID || it == nil {
		fail(http.StatusNotFound, 10015, "Unknown Webhook")
		return
	}
	// Discord reads the initial response before the webhook works.
	select {
	case <-it.responded:
	case <-time.After(5 * time.Second):
		fail(http.StatusNotFound, 10015, "Unknown Webhook")
		dh.problem("webhook call before the interaction was responded to")
		return
	}
	dh.mu.Lock()
	defer dh.mu.Unlock()
	orig := it.original
	switch {
	case method == http.MethodPost && len(p) == 3:
		m := &discordMsg{id: dh.nextMsgID(), token: p[2]}
		if err := dh.fill(m, body, true); err != nil {
			fail(http.StatusBadRequest, 50035, "Invalid Form Body")
			dh.problemLocked("follow-up: %v", err)
			return
		}
		if orig.pending && !orig.deleted {
			// The first follow-up after a deferral replaces the "thinking…"
			// message and keeps the deferral's visibility.
			m.id, m.ephemeral = orig.id, orig.ephemeral
			*orig = *m
			writeMessage(w, orig)
			return
		}
		dh.msgs = append(dh.msgs, m)
		writeMessage(w, m)

	case len(p) == 5 && p[3] == "messages" && p[4] == "@original":
		if orig.deleted {
			fail(http.StatusNotFound, 10008, "Unknown Message")
			return
		}
		switch method {
		case http.MethodDelete:
			orig.deleted = true
			w.WriteHeader(http.StatusNoContent)
		case http.MethodPatch:
			edited := *orig
			if err := dh.edit(&edited, body); err != nil {
				fail(http.StatusBadRequest, 50035, "Invalid Form Body")
				dh.problemLocked("edit @original: %v", err)
				return
			}
			edited.pending = false
			*orig = edited
			writeMessage(w, orig)
		default:
			fail(http.StatusMethodNotAllowed, 0, "405: Method Not Allowed")
		}

	default:
		fail(http.StatusNotFound, 0, "404: Not Found")
		dh.problemLocked("unexpected webhook request %s %s", method, strings.Join(p, "/"))
	}
}

// fill sets m from a message body (content, embeds, flags,
// message_reference) and checks it.
func (dh *discordHarness) fill(m *discordMsg, body []byte, interaction bool) error {
	var b struct {
		Content         string  `json:"content"`
		Embeds          []embed `json:"embeds"`
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
	if b.Flags&ephemeral != 0 && !interaction {
		return errors.New("the ephemeral flag on a channel message")
	}
	if b.AllowedMentions == nil || len(b.AllowedMentions.Parse) != 0 {
		return errors.New("mentions are not disabled (allowed_mentions.parse = []): quoted text could ping @everyone")
	}
	m.content, m.embeds, m.ephemeral = b.Content, b.Embeds, b.Flags&ephemeral != 0
	if b.Reference != nil {
		m.ref = b.Reference.MessageID
	}
	return discordLimits(m)
}

// edit applies a PATCH body: the fields present replace the message's.
func (dh *discordHarness) edit(m *discordMsg, body []byte) error {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(body, &fields); err != nil {
		return fmt.Errorf("not JSON: %w", err)
	}
	if raw, ok := fields["content"]; ok {
		m.content = ""
		if err := json.Unmarshal(raw, &m.content); err != nil {
			return fmt.Errorf("content: %w", err)
		}
	}
	if raw, ok := fields["embeds"]; ok {
		m.embeds = nil
		if err := json.Unmarshal(raw, &m.embeds); err != nil {
			return fmt.Errorf("embeds: %w", err)
		}
	}
	if raw, ok := fields["allowed_mentions"]; !ok || !bytes.Contains(raw, []byte(`"parse":[]`)) {
		return errors.New("mentions are not disabled (allowed_mentions.parse = [])")
	}
	return discordLimits(m)
}

func writeMessage(w http.ResponseWriter, m *discordMsg) {
	channel := m.channel
	if channel == "" {
		channel = snowflake(5, 0)
	}
	b, _ := json.Marshal(map[string]any{
		"id": m.id, "channel_id": channel, "type": 0, "content": m.content, "embeds": m.embeds,
		"author":    map[string]any{"id": discordBotID, "username": "briefbot", "bot": true},
		"timestamp": "2025-04-10T09:30:01.000000+00:00",
	})
	w.Write(b)
}

func units(s string) int { return len(utf16.Encode([]rune(s))) }

// discordLimits checks m against Discord's limits.
func discordLimits(m *discordMsg) error {
	var errs []error
	if m.content == "" && len(m.embeds) == 0 {
		errs = append(errs, errors.New("an empty message"))
	}
	if n := units(m.content); n > discordMaxContent {
		errs = append(errs, fmt.Errorf("content of %d > %d", n, discordMaxContent))
	}
	if len(m.embeds) > discordMaxEmbeds {
		errs = append(errs, fmt.Errorf("%d embeds > %d", len(m.embeds), discordMaxEmbeds))
	}
	total := 0
	for i, e := range m.embeds {
		check := func(what, s string, max int) {
			n := units(s)
			total += n
			if n > max {
				errs = append(errs, fmt.Errorf("embed %d: %s of %d > %d", i, what, n, max))
			}
		}
		check("title", e.Title, discordMaxTitle)
		check("description", e.Description, discordMaxDescription)
		if e.Footer != nil {
			check("footer", e.Footer.Text, discordMaxFooter)
		}
		if e.Author != nil {
			check("author", e.Author.Name, discordMaxAuthor)
		}
		if len(e.Fields) > discordMaxFields {
			errs = append(errs, fmt.Errorf("embed %d: %d fields > %d", i, len(e.Fields), discordMaxFields))
		}
		for _, f := range e.Fields {
			check("field name", f.Name, discordMaxFieldName)
			check("field value", f.Value, discordMaxFieldValue)
		}
	}
	if total > discordMaxEmbedTotal {
		errs = append(errs, fmt.Errorf("embeds of %d characters in all > %d", total, discordMaxEmbedTotal))
	}
	return errors.Join(errs...)
}

// stop stops every adapter once: Listen returns after the answers in flight
// are delivered.
func (dh *discordHarness) stop(t *testing.T) {
	t.Helper()
	dh.mu.Lock()
	dh.over = true
	ls := dh.listeners
	dh.mu.Unlock()
	for _, l := range ls {
		l.cancel()
	}
	for _, l := range ls {
		select {
		case err := <-l.done:
			l.done <- err
			if err != nil {
				t.Errorf("Listen: %v", err)
			}
		case <-time.After(20 * time.Second):
			t.Error("discord: answers still in flight 20s after shutdown began")
		}
	}
}

// finish stops the adapters once and checks what the fake saw: protocol
// errors, interactions left "thinking…", messages no request asked for.
func (dh *discordHarness) finish(t *testing.T) {
	t.Helper()
	dh.once.Do(func() {
		dh.stop(t)
		dh.mu.Lock()
		defer dh.mu.Unlock()
		for _, p := range dh.problems {
			t.Errorf("discord: %s", p)
		}
		for _, it := range dh.byToken {
			select {
			case <-it.responded:
				if o := it.original; o.pending && !o.deleted {
					t.Errorf("discord: interaction %s was deferred and never answered: the user sees \"thinking…\" for ever", it.id)
				}
			default:
				t.Errorf("discord: interaction %s got no initial response", it.id)
			}
		}
		for _, m := range dh.msgs {
			owned := false
			for _, c := range dh.convs {
				owned = owned || c.owns(m)
			}
			if !owned {
				t.Errorf("discord: a message went where no request came from (channel %q):\n%s", m.channel, m.content)
			}
		}
	})
}

// discordConv is one request to the Discord adapter: a channel's messages,
// or an interaction's responses.
type discordConv struct {
	h                      *discordHarness
	channel, token, origin string
}

func (c *discordConv) owns(m *discordMsg) bool {
	return (c.channel != "" && m.channel == c.channel) || (c.token != "" && m.token == c.token)
}

func (c *discordConv) Origin() string { return c.origin }

func (c *discordConv) Replies(t *testing.T) []bottest.Message {
	t.Helper()
	c.h.finish(t)
	c.h.mu.Lock()
	defer c.h.mu.Unlock()
	var out []bottest.Message
	for _, m := range c.h.msgs {
		if c.owns(m) && !m.deleted && !m.pending {
			out = append(out, m.message())
		}
	}
	return out
}

// message is m as a user sees it: its content, then each embed's author,
// title, description, fields and footer.
func (m *discordMsg) message() bottest.Message {
	var parts, links []string
	if m.content != "" {
		parts = append(parts, m.content)
	}
	for _, e := range m.embeds {
		if e.Author != nil && e.Author.Name != "" {
			parts = append(parts, e.Author.Name)
		}
		if e.Title != "" {
			parts = append(parts, e.Title)
		}
		if e.URL != "" {
			links = append(links, e.URL)
		}
		if e.Description != "" {
			parts = append(parts, e.Description)
		}
		for _, f := range e.Fields {
			parts = append(parts, f.Name, f.Value)
		}
		if e.Footer != nil && e.Footer.Text != "" {
			parts = append(parts, e.Footer.Text)
		}
	}
	text, more := discordPlain(strings.Join(parts, "\n"))
	return bottest.Message{Text: text, Links: append(links, more...), Ephemeral: m.ephemeral, Thread: m.ref}
}

var (
	// discordLinkRE matches [label](url) and [label](<url>); a label may hold
	// escaped characters and one level of brackets, as in [[1]](url).
	discordLinkRE     = regexp.MustCompile(`\[((?:\\.|\[[^\[\]]*\]|[^\[\]\\])*)\]\(<?(https?://[^\s<>()]+)>?\)`)
	discordUnescapeRE = regexp.MustCompile(`\\([^\w\s])`)
)

// discordPlain reduces Discord markdown to plain text: links to their
// labels, bold markers dropped, backslash escapes undone.
func discordPlain(s string) (string, []string) {
	var links []string
	s = discordLinkRE.ReplaceAllStringFunc(s, func(m string) string {
		sm := discordLinkRE.FindStringSubmatch(m)
		links = append(links, sm[2])
		return sm[1]
	})
	s = strings.ReplaceAll(s, "**", "")
	return discordUnescapeRE.ReplaceAllString(s, "$1"), links
}

// fakeGateway is Discord's gateway for one session: hello, identify, READY,
// then the events the harness sends. After each event it asks for a
// heartbeat (op 1); the client answers from its read loop only after the
// event's handlers have run (the adapter handles events synchronously), so
// the answer, carrying the event's sequence number, shows the adapter has
// taken the event.
type fakeGateway struct {
	token   string
	events  chan gatewaySend
	ready   chan struct{}
	once    sync.Once
	problem func(format string, args ...any)
}

type gatewaySend struct {
	typ  string
	data any
	done chan error
}

// send dispatches one event and waits until the adapter has taken it.
func (g *fakeGateway) send(t *testing.T, typ string, data any) {
	t.Helper()
	s := gatewaySend{typ: typ, data: data, done: make(chan error, 1)}
	select {
	case g.events <- s:
	case <-time.After(10 * time.Second):
		t.Fatalf("gateway: %s not sent: no session", typ)
	}
	if err := <-s.done; err != nil {
		t.Fatalf("gateway: %s: %v", typ, err)
	}
}

func (g *fakeGateway) serve(w http.ResponseWriter, r *http.Request) {
	up := websocket.Upgrader{}
	conn, err := up.Upgrade(w, r, nil)
	if err != nil {
		g.problem("gateway upgrade: %v", err)
		return
	}
	defer conn.Close()
	seq := int64(0)
	write := func(op int, typ string, d any) error {
		m := map[string]any{"op": op, "d": d, "s": nil, "t": nil}
		if op == 0 {
			seq++
			m["s"], m["t"] = seq, typ
		}
		return conn.WriteJSON(m)
	}
	if write(10, "", map[string]any{"heartbeat_interval": 41250}) != nil {
		return
	}
	var identify struct {
		Op int `json:"op"`
		D  struct {
			Token   string `json:"token"`
			Intents int    `json:"intents"`
		} `json:"d"`
	}
	if err := conn.ReadJSON(&identify); err != nil || identify.Op != 2 {
		g.problem("gateway: no identify (op %d, %v)", identify.Op, err)
		return
	}
	if identify.D.Token != g.token {
		conn.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(4004, "Authentication failed."))
		g.problem("gateway: identify with the wrong token")
		return
	}
	const messageContent = 1 << 15
	if identify.D.Intents&messageContent == 0 {
		g.problem("gateway: identify without the Message Content intent: mentions and DMs arrive empty")
	}
	if write(0, "READY", map[string]any{
		"v": 10, "session_id": "bottest-session", "resume_gateway_url": "ws://" + r.Host + "/gw",
		"user":        map[string]any{"id": discordBotID, "username": "briefbot", "discriminator": "0", "bot": true},
		"application": map[string]any{"id": discordAppID, "flags": 0},
		"guilds":      []any{map[string]any{"id": discordGuild, "unavailable": true}},
	}) != nil {
		return
	}

	beats := make(chan int64)
	gone := make(chan struct{})
	go func() {
		defer close(gone)
		for {
			var msg struct {
				Op int              `json:"op"`
				D  *json.RawMessage `json:"d"`
			}
			if conn.ReadJSON(&msg) != nil {
				return
			}
			if msg.Op != 1 {
				continue
			}
			n := int64(-1)
			if msg.D != nil {
				_ = json.Unmarshal(*msg.D, &n)
			}
			select {
			case beats <- n:
			case <-gone:
				return
			}
		}
	}()
	// The client's first heartbeat comes at once, from another goroutine;
	// wait for it so that the heartbeat after an event is the one asked for.
	select {
	case <-beats:
		if write(11, "", nil) != nil {
			return
		}
	case <-gone:
		return
	case <-time.After(10 * time.Second):
		g.problem("gateway: no first heartbeat")
		return
	}
	g.once.Do(func() { close(g.ready) })
	for {
		select {
		case <-gone:
			return
		case <-beats: // a periodic heartbeat
			if write(11, "", nil) != nil {
				return
			}
		case ev := <-g.events:
			ev.done <- g.dispatch(write, &seq, beats, gone, ev)
		}
	}
}

// dispatch sends ev, then a heartbeat request, and waits for the heartbeat
// that carries ev's sequence number.
func (g *fakeGateway) dispatch(write func(int, string, any) error, seq *int64, beats <-chan int64, gone <-chan struct{}, ev gatewaySend) error {
	if err := write(0, ev.typ, ev.data); err != nil {
		return err
	}
	want := *seq
	if err := write(1, "", nil); err != nil {
		return err
	}
	deadline := time.After(10 * time.Second)
	for {
		select {
		case n := <-beats:
			if err := write(11, "", nil); err != nil {
				return err
			}
			if n >= want {
				return nil
			}
		case <-gone:
			return errors.New("the client closed the gateway")
		case <-deadline:
			return errors.New("no heartbeat after the event")
		}
	}
}
