// Package discord is briefbot's Discord platform: the /brief slash command,
// @mentions and direct messages over the gateway, the same command over HTTP
// interactions, and scheduled digests posted to channels. It is the only
// package that imports discordgo.
//
// Every interaction is deferred at once (type 5, "briefbot is thinking…")
// and answered by editing that response; more messages go out as
// follow-ups. A deferred response's visibility cannot change later, and the
// router decides whether a reply is ephemeral (usage, errors) only after
// handling, so interactions are deferred publicly and an ephemeral reply is
// delivered as ephemeral follow-ups, after which the public placeholder is
// deleted.
package discord

import (
	"cmp"
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/gorilla/websocket"
	"github.com/prometheus/client_golang/prometheus"

	"briefbot/bot"
	"briefbot/briefing"
)

const (
	intents = discordgo.IntentsGuilds | discordgo.IntentsGuildMessages |
		discordgo.IntentsDirectMessages | discordgo.IntentsMessageContent

	platform           = "discord"
	answerTimeout      = 14 * time.Minute // interaction tokens last 15 minutes
	answerReserve      = time.Minute      // of answerTimeout, kept for delivering a reply
	workers            = 8                // answers being built at once
	queue              = 10000            // answers that may wait for a worker (~20 KB each: a goroutine and its request)
	maxSignatureAge    = 5 * time.Minute
	maxRateLimitTries  = 5
	maxInteractionBody = 1 << 20
	seenTTL            = time.Hour // how long an interaction or message id is remembered (tokens last 15 minutes)
	seenMax            = 10000     // how many ids are remembered in memory
)

// Config configures an Adapter. Only what a mode needs must be set: BotToken
// for the gateway and for Post; AppID and PublicKey for HTTP interactions.
type Config struct {
	BotToken, AppID, PublicKey /* hex */, GuildID string

	APIURL     string                // REST origin (config.DefaultDiscordAPI); required; tests: an httptest server URL
	Log        *slog.Logger          // default: discard
	Registerer prometheus.Registerer // may be nil
	HTTPClient *http.Client          // may be nil
	Now        func() time.Time      // may be nil; for interaction timestamp checks
	// Seen remembers interaction and message ids already taken, so one
	// Discord (or a replay) delivers again is answered once; the store's
	// (durable across restarts) in production. nil: in memory.
	Seen bot.Seen
	// Workers is how many answers are built at once (0: 8). Answers that
	// only search are CPU-bound: more workers than CPUs slow the
	// acknowledgements without answering sooner.
	Workers int
}

// Adapter is briefbot on Discord. It implements bot.Chat.
type Adapter struct {
	cfg       Config
	log       *slog.Logger
	now       func() time.Time
	session   *discordgo.Session
	publicKey ed25519.PublicKey // nil: HTTP interactions are off
	requests  *prometheus.CounterVec
	sleep     func(ctx context.Context, d time.Duration) error

	botID     atomic.Pointer[string] // the bot user's id, from READY
	readyApp  atomic.Pointer[string] // the application id, from READY
	listening atomic.Bool
	rt        *bot.Runtime
	seen      bot.Seen
}

var _ bot.HTTPChat = (*Adapter)(nil)

// New returns an Adapter. It does not connect; Listen does.
func New(cfg Config) (*Adapter, error) {
	a := &Adapter{
		cfg:   cfg,
		log:   cfg.Log,
		now:   cfg.Now,
		sleep: bot.SleepContext,
	}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	rt, err := bot.NewRuntime(bot.RuntimeOptions{
		Platform: platform, Timeout: answerTimeout, Reserve: answerReserve, Workers: cmp.Or(max(cfg.Workers, 0), workers), Queue: queue,
		Drain: bot.ShutdownGrace, Log: a.log, Registerer: cfg.Registerer,
	})
	if err != nil {
		return nil, fmt.Errorf("discord: %w", err)
	}
	a.rt = rt
	a.seen = cfg.Seen
	if a.seen == nil {
		a.seen = bot.NewMemorySeen(seenMax, func() time.Time { return a.now() })
	}
	if a.now == nil {
		a.now = time.Now
	}
	if cfg.PublicKey != "" {
		k, err := hex.DecodeString(cfg.PublicKey)
		if err != nil || len(k) != ed25519.PublicKeySize {
			return nil, errors.New("discord: public key is not 64 hex characters; copy it from Developer Portal > General Information > Public Key")
		}
		a.publicKey = k
	}
	if a.publicKey != nil && cfg.AppID == "" {
		return nil, errors.New("discord: HTTP interactions need the application id as well as the public key")
	}
	if cfg.APIURL == "" {
		return nil, errors.New("discord: the REST API origin is required (config.DefaultDiscordAPI)")
	}
	origin := strings.TrimRight(cfg.APIURL, "/")
	api, err := url.Parse(origin)
	if err != nil || (api.Scheme != "http" && api.Scheme != "https") || api.Host == "" {
		return nil, fmt.Errorf("discord: API URL %q is not an http(s) origin", cfg.APIURL)
	}

	client := cfg.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	if api.Scheme != "https" || api.Host != "discord.com" || api.Path != "" {
		// discordgo builds every endpoint from https://discord.com at init;
		// send those requests to the configured origin instead.
		c := *client
		c.Transport = &rewrite{to: api, base: client.Transport}
		client = &c
	}

	token := cfg.BotToken
	if token != "" && !strings.HasPrefix(token, "Bot ") {
		token = "Bot " + token
	}
	s, err := discordgo.New(token)
	if err != nil {
		return nil, errors.New("discord: create session")
	}
	s.Client = client
	s.ShouldRetryOnRateLimit = false // retried here, bounded and with ctx
	s.SyncEvents = true              // handlers start their own goroutines
	s.StateEnabled = false
	s.LogLevel = discordgo.LogError
	s.Identify.Intents = intents
	a.session = s

	a.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "briefbot_discord_requests_total",
		Help: "Discord requests by kind (command, mention, direct) and result (ok, ephemeral, failed: the answer was not delivered, unauthorized: a rejected HTTP interaction).",
	}, []string{"kind", "result"})
	if a.requests, err = briefing.RegisterMetric(cfg.Registerer, a.requests); err != nil {
		return nil, fmt.Errorf("discord: %w", err)
	}
	return a, nil
}

// Listen answers through h until ctx is done. With a bot token it checks the
// token, opens the gateway (intents Guilds, GuildMessages, DirectMessages,
// MessageContent), registers /brief by bulk overwrite (in GuildID when set,
// else globally) and answers slash commands, @mentions in guild channels
// and direct messages. Without a token it only waits, keeping HTTP
// interactions (see HTTPHandler) running; call it in that mode too, so
// shutdown waits for their answers. When ctx is done it stops taking
// requests (HTTP interactions get 503), closes the gateway, waits up to
// bot.ShutdownGrace for answers in flight and cancels the rest. Listen may be called once; it returns nil after a clean
// shutdown.
func (a *Adapter) Listen(ctx context.Context, h bot.Handler) error {
	if h == nil {
		return errors.New("discord: listen: nil handler")
	}
	if !a.listening.CompareAndSwap(false, true) {
		return errors.New("discord: listen: already listening")
	}
	defer a.shutdown()
	if a.cfg.BotToken == "" {
		if a.publicKey != nil {
			a.log.Info("discord: no bot token; answering HTTP interactions only")
		}
		<-ctx.Done()
		return nil
	}

	s := a.session
	for _, remove := range []func(){
		s.AddHandler(func(_ *discordgo.Session, r *discordgo.Ready) { a.onReady(r) }),
		s.AddHandler(func(_ *discordgo.Session, m *discordgo.MessageCreate) { a.onMessage(ctx, h, m.Message) }),
		s.AddHandler(func(_ *discordgo.Session, ic *discordgo.InteractionCreate) { a.onInteraction(ctx, h, ic.Interaction) }),
	} {
		defer remove()
	}

	if err := a.call(ctx, func(o ...discordgo.RequestOption) error { _, err := s.GatewayBot(o...); return err }); err != nil {
		var ae *apiError
		if errors.As(err, &ae) && ae.Status == http.StatusUnauthorized {
			return errors.New("discord: DISCORD_BOT_TOKEN was rejected (HTTP 401); copy the token again from Developer Portal > Bot > Reset Token")
		}
		return fmt.Errorf("discord: reach gateway: %w", err)
	}
	if err := s.Open(); err != nil {
		return explainOpen(err)
	}
	a.log.Info("discord: connected to the gateway", "bot_user", a.id(&a.botID))

	if err := a.registerCommands(ctx); err != nil {
		// Mentions and DMs still work; say how to fix the command.
		a.log.Error("discord: register /brief", "error", err.Error(),
			"fix", "invite the bot with the applications.commands scope (and check DISCORD_APP_ID and DISCORD_GUILD_ID)")
	}
	<-ctx.Done()
	a.rt.Stop()
	if err := s.Close(); err != nil {
		a.log.Warn("discord: close gateway", "error", scrub(err).Error())
	}
	return nil
}

func (a *Adapter) onReady(r *discordgo.Ready) {
	if r.User != nil {
		id := r.User.ID
		a.botID.Store(&id)
	}
	if r.Application != nil && r.Application.ID != "" {
		id := r.Application.ID
		a.readyApp.Store(&id)
	}
}

func (a *Adapter) id(p *atomic.Pointer[string]) string {
	if v := p.Load(); v != nil {
		return *v
	}
	return ""
}

func (a *Adapter) appID() string {
	if a.cfg.AppID != "" {
		return a.cfg.AppID
	}
	return a.id(&a.readyApp)
}

// registerCommands bulk-overwrites the application's commands with
// Commands(): idempotent, and it removes commands briefbot no longer has.
func (a *Adapter) registerCommands(ctx context.Context) error {
	app := a.appID()
	if app == "" {
		return errors.New("no application id: set DISCORD_APP_ID")
	}
	err := a.call(ctx, func(o ...discordgo.RequestOption) error {
		_, err := a.session.ApplicationCommandBulkOverwrite(app, a.cfg.GuildID, Commands(), o...)
		return err
	})
	if err != nil {
		return err
	}
	if a.cfg.GuildID != "" {
		a.log.Info("discord: registered /brief", "guild", a.cfg.GuildID)
	} else {
		a.log.Info("discord: registered /brief globally; new commands can take up to an hour to show in clients")
	}
	return nil
}

func explainOpen(err error) error {
	var ce *websocket.CloseError
	if errors.As(err, &ce) {
		switch ce.Code {
		case 4004:
			return errors.New("discord: the gateway rejected DISCORD_BOT_TOKEN (4004); copy the token again from Developer Portal > Bot > Reset Token")
		case 4014:
			return errors.New("discord: the gateway refused the Message Content intent (4014); enable it in Developer Portal > Bot > Privileged Gateway Intents")
		}
	}
	return fmt.Errorf("discord: open gateway: %w", scrub(err))
}

// shutdown stops new answers, waits up to bot.ShutdownGrace for those in
// flight and cancels what is left.
func (a *Adapter) shutdown() { a.rt.Shutdown() }

// Name is "discord".
func (a *Adapter) Name() string { return platform }

// CanPost reports whether a bot token is configured.
func (a *Adapter) CanPost() bool { return a.cfg.BotToken != "" }

// HTTPPrefix is "/discord/" when HTTP interactions are configured (an
// application id and a public key), else "".
func (a *Adapter) HTTPPrefix() string {
	if a.publicKey == nil {
		return ""
	}
	return "/discord/"
}

// first reports whether the delivery key (an interaction or message id)
// is new, remembering it for seenTTL. When the record fails the delivery
// is answered: twice is better than never.
func (a *Adapter) first(ctx context.Context, key string) bool {
	ok, err := a.seen.FirstSeen(ctx, platform+":"+key, seenTTL)
	if err != nil {
		a.log.Warn("discord: could not check for a repeated delivery; answering it", "error", err.Error())
		return true
	}
	return ok
}

func (a *Adapter) count(kind bot.Kind, result string) {
	a.requests.WithLabelValues(kind.String(), result).Inc()
}

func result(r bot.Reply, err error) string {
	switch {
	case err != nil:
		return "failed"
	case r.Ephemeral:
		return "ephemeral"
	}
	return "ok"
}

// Post sends r to a channel (to.Thread, a thread's channel id, when set) as
// one or more messages within Discord's limits. It returns an error only
// when Discord did not accept a message, after honouring up to 5 rate
// limits (429 retry_after).
func (a *Adapter) Post(ctx context.Context, to bot.Destination, r bot.Reply) error {
	ch := to.Channel
	if to.Thread != "" {
		ch = to.Thread
	}
	if ch == "" {
		return errors.New("discord: post: no channel")
	}
	if err := a.send(ctx, ch, nil, render(r)); err != nil {
		return fmt.Errorf("discord: post to %s: %w", ch, err)
	}
	return nil
}

// send posts msgs to a channel; the first replies to ref when set.
func (a *Adapter) send(ctx context.Context, channel string, ref *discordgo.MessageReference, msgs []message) error {
	for i, m := range msgs {
		ms := &discordgo.MessageSend{Content: m.Content, Embeds: m.Embeds, AllowedMentions: noMentions()}
		if i == 0 {
			ms.Reference = ref
		}
		err := a.call(ctx, func(o ...discordgo.RequestOption) error {
			_, err := a.session.ChannelMessageSendComplex(channel, ms, o...)
			return err
		})
		if err != nil && i > 0 {
			return fmt.Errorf("message %d of %d: %w: %w", i+1, len(msgs), bot.ErrPartlyPosted, err)
		}
		if err != nil {
			return fmt.Errorf("message %d of %d: %w", i+1, len(msgs), err)
		}
	}
	return nil
}

func noMentions() *discordgo.MessageAllowedMentions {
	return &discordgo.MessageAllowedMentions{Parse: []discordgo.AllowedMentionType{}}
}

// call runs one REST request, retrying when Discord answers 429: it waits
// the body's retry_after (see bot.RetryAfter) up to maxRateLimitTries
// times. Errors never carry URLs, which may hold interaction tokens.
func (a *Adapter) call(ctx context.Context, f func(...discordgo.RequestOption) error) error {
	for try := 1; ; try++ {
		err := f(discordgo.WithContext(ctx), discordgo.WithRetryOnRatelimit(false))
		var rl *discordgo.RateLimitError
		if !errors.As(err, &rl) {
			return scrub(err)
		}
		if try >= maxRateLimitTries {
			return fmt.Errorf("rate limited %d times (retry after %s)", try, rl.RetryAfter)
		}
		a.log.Warn("discord: rate limited", "retry_after", rl.RetryAfter.String(), "attempt", try)
		if err := bot.RetryAfter(ctx, a.sleep, rl.RetryAfter); err != nil {
			return fmt.Errorf("rate limited: %w", err)
		}
	}
}

// apiError is a non-2xx answer from Discord's REST API.
type apiError struct {
	Status int
	Code   int    // Discord's JSON error code, 0 when absent
	Msg    string // Discord's message, "" when absent
}

func (e *apiError) Error() string {
	if e.Msg != "" {
		return fmt.Sprintf("HTTP %d: %s (code %d)", e.Status, e.Msg, e.Code)
	}
	return fmt.Sprintf("HTTP %d", e.Status)
}

// scrub replaces errors that quote request URLs (interaction webhooks carry
// a token in the path) with ones that do not.
func scrub(err error) error {
	if err == nil {
		return nil
	}
	var rest *discordgo.RESTError
	if errors.As(err, &rest) && rest.Response != nil {
		ae := &apiError{Status: rest.Response.StatusCode}
		if rest.Message != nil {
			ae.Code, ae.Msg = rest.Message.Code, rest.Message.Message
		}
		return ae
	}
	var rl *discordgo.RateLimitError
	if errors.As(err, &rl) {
		return fmt.Errorf("rate limited (retry after %s)", rl.RetryAfter)
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s request: %w", strings.ToLower(ue.Op), ue.Err)
	}
	return err
}

// rewrite sends requests for discord.com to another origin.
type rewrite struct {
	to   *url.URL
	base http.RoundTripper
}

func (t *rewrite) RoundTrip(req *http.Request) (*http.Response, error) {
	base := t.base
	if base == nil {
		base = http.DefaultTransport
	}
	if req.URL.Host != "discord.com" {
		return base.RoundTrip(req)
	}
	r := req.Clone(req.Context())
	r.URL.Scheme = t.to.Scheme
	r.URL.Host = t.to.Host
	prefix := strings.TrimRight(t.to.Path, "/")
	r.URL.Path = prefix + req.URL.Path
	if req.URL.RawPath != "" {
		r.URL.RawPath = prefix + req.URL.RawPath
	}
	r.Host = ""
	return base.RoundTrip(r)
}
