package discord_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"briefbot/bot"
	"briefbot/bot/bottest"
	"briefbot/bot/discord"
	"briefbot/bot/discord/discordfake"
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
)

// discordHarness is the Discord adapter on a fake Discord: REST (through
// the adapter's API URL) and a gateway at /gw. Each conversation has its own
// channel or interaction token.
type discordHarness struct {
	httpCommands bool
	h            bot.Handler
	now          time.Time
	key          ed25519.PrivateKey
	f            *discordfake.Server
	logs         *syncBuffer

	once      sync.Once
	mu        sync.Mutex
	n         int
	over      bool
	listeners []*listener
	gateway   *listener        // the adapter with a bot token, once started
	interact  *httptest.Server // the token-less adapter's HTTPHandler, once started
	convs     []*discordConv
}

// listener is one adapter's Listen running in the background.
type listener struct {
	cancel context.CancelFunc
	done   chan error
}

func newDiscordHarness(t *testing.T, h bot.Handler, httpCommands bool) *discordHarness {
	t.Helper()
	dh := &discordHarness{
		httpCommands: httpCommands, h: h,
		now:  time.Date(2025, 4, 10, 9, 30, 0, 0, time.UTC),
		key:  ed25519.NewKeyFromSeed(bytes.Repeat([]byte{42}, ed25519.SeedSize)),
		logs: &syncBuffer{},
		f:    discordfake.New(t, discordfake.Options{Token: discordToken, BotID: discordBotID, AppID: discordAppID, Guild: discordGuild}),
	}
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
		a, err := discord.New(discord.Config{BotToken: discordToken, APIURL: dh.f.URL(), Log: dh.logger(), Now: func() time.Time { return dh.now }})
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
	}{{"the gateway session was ready", dh.f.Ready()}, {"/brief was registered", dh.f.Registered()}} {
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
			APIURL: dh.f.URL(), Log: dh.logger(), Now: func() time.Time { return dh.now },
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
		if status, body := dh.f.PostInteraction(t, dh.interactionsURL(t), dh.key, dh.now, payload); status != http.StatusOK {
			t.Fatalf("interaction answered %d %s, want 200", status, body)
		}
		return c
	}
	dh.gatewayAdapter(t)
	dh.f.Send(t, "INTERACTION_CREATE", payload)
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

func (dh *discordHarness) Mention(t *testing.T, text string) bottest.Conversation {
	t.Helper()
	n := dh.id(t)
	channel, id := snowflake(5, n), snowflake(7, n)
	c := dh.open(&discordConv{channel: channel, origin: id})
	dh.gatewayAdapter(t)
	dh.f.Send(t, "MESSAGE_CREATE", messageCreate(id, channel, discordGuild, discordAsker, false, "<@"+discordBotID+"> "+text, true))
	return c
}

func (dh *discordHarness) Direct(t *testing.T, text string) bottest.Conversation {
	t.Helper()
	n := dh.id(t)
	channel, id := snowflake(5, n), snowflake(7, n)
	c := dh.open(&discordConv{channel: channel, origin: id})
	dh.gatewayAdapter(t)
	dh.f.Send(t, "MESSAGE_CREATE", messageCreate(id, channel, "", discordAsker, false, text, false))
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
	dh.f.Send(t, "MESSAGE_CREATE", messageCreate(id, channel, "", discordBotID, true, text, false))
	return c
}

func (dh *discordHarness) Post(t *testing.T, r bot.Reply) bottest.Conversation {
	t.Helper()
	channel := snowflake(5, dh.id(t))
	c := dh.open(&discordConv{channel: channel})
	a, err := discord.New(discord.Config{BotToken: discordToken, APIURL: dh.f.URL(), Log: dh.logger()})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Post(context.Background(), bot.Destination{Channel: channel}, r); err != nil {
		t.Errorf("Post: %v", err)
	}
	return c
}

func messageCreate(id, channel, guild, author string, isBot bool, content string, mentionsBot bool) map[string]any {
	if mentionsBot {
		return discordfake.MessageCreate(id, channel, guild, author, isBot, content, discordBotID)
	}
	return discordfake.MessageCreate(id, channel, guild, author, isBot, content)
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
		for _, p := range dh.f.Problems() {
			t.Errorf("discord: %s", p)
		}
		for _, p := range dh.f.Unanswered() {
			t.Errorf("discord: %s", p)
		}
		dh.mu.Lock()
		defer dh.mu.Unlock()
		for _, m := range dh.f.Messages() {
			owned := false
			for _, c := range dh.convs {
				owned = owned || c.owns(m)
			}
			if !owned {
				t.Errorf("discord: a message went where no request came from (channel %q):\n%s", m.Channel, m.Content)
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

func (c *discordConv) owns(m discordfake.Message) bool {
	return (c.channel != "" && m.Channel == c.channel) || (c.token != "" && m.Token == c.token)
}

func (c *discordConv) Origin() string { return c.origin }

func (c *discordConv) Replies(t *testing.T) []bottest.Message {
	t.Helper()
	c.h.finish(t)
	var out []bottest.Message
	for _, m := range c.h.f.Messages() {
		if c.owns(m) && !m.Deleted && !m.Pending {
			out = append(out, message(m))
		}
	}
	return out
}

// message is m as a user sees it: its content, then each embed's author,
// title, description, fields and footer.
func message(m discordfake.Message) bottest.Message {
	var parts, links []string
	if m.Content != "" {
		parts = append(parts, m.Content)
	}
	for _, e := range m.Embeds {
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
	return bottest.Message{Text: text, Links: append(links, more...), Ephemeral: m.Ephemeral, Thread: m.Ref}
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
