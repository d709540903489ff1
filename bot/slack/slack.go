// Package slack connects briefbot to Slack: Socket Mode and the HTTP
// endpoints (slash commands and the Events API) turn commands, @mentions and
// direct messages into bot.Requests, and bot.Replies are rendered as Block Kit
// within Slack's limits. It is the only package that imports slack-go.
package slack

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/slack-go/slack"

	"briefbot/bot"
	"briefbot/briefing"
)

const (
	platform      = "slack"
	answerTimeout = 5 * time.Minute  // one answer, from request to the last post
	answerReserve = 30 * time.Second // of answerTimeout, kept for delivering a reply
	workers       = 8                // answers being built at once
	queue         = 10000            // answers that may wait for a worker (~20 KB each: a goroutine and its request)
	maxBody       = 1 << 20          // largest HTTP request body accepted
	maxAttempts   = 4                // posts tried per message when Slack says 429
	seenTTL       = time.Hour        // how long an event_id is remembered
	seenMax       = 10000            // how many event_ids are remembered
	maxResponses  = 5                // posts Slack accepts on one response_url
)

// Config configures an Adapter.
type Config struct {
	// BotToken (xoxb-) posts answers; AppToken (xapp-) with it enables Socket
	// Mode; SigningSecret enables the HTTP endpoints.
	BotToken, AppToken, SigningSecret string
	APIURL                            string                // Web API base (config.DefaultSlackAPI); required
	Log                               *slog.Logger          // default: discard; callers add attributes such as platform=slack
	Registerer                        prometheus.Registerer // may be nil: metrics are not registered
	HTTPClient                        *http.Client          // may be nil
	Now                               func() time.Time      // may be nil; for signature timestamps and dedupe
	// Seen remembers event ids, command trigger ids and messages already
	// taken, so a delivery Slack repeats is answered once; the store's
	// (durable across restarts) in production. nil: in memory.
	Seen bot.Seen
	// Workers is how many answers are built at once (0: 8). Answers that
	// only search are CPU-bound: more workers than CPUs slow the
	// acknowledgements without answering sooner.
	Workers int
}

// Adapter is briefbot's Slack platform. It implements bot.Chat.
type Adapter struct {
	cfg    Config
	log    *slog.Logger
	now    func() time.Time
	http   *http.Client
	api    *slack.Client // nil without a bot token
	m      *metrics
	seen   bot.Seen
	botID  botIdentity
	listen atomic.Pointer[handlerBox] // the Handler Listen was given
	rt     *bot.Runtime

	sleep func(ctx context.Context, d time.Duration) error // waits out a 429; a test double in tests
}

type handlerBox struct{ h bot.Handler }

var _ bot.HTTPChat = (*Adapter)(nil)

// New returns an Adapter. It does no I/O; tokens are first used by Listen,
// Post and the HTTP endpoints.
func New(cfg Config) (*Adapter, error) {
	var errs []error
	if cfg.BotToken == "" && cfg.SigningSecret == "" {
		errs = append(errs, errors.New("slack: need a bot token (Socket Mode, posting) or a signing secret (HTTP mode)"))
	}
	if cfg.AppToken != "" && cfg.BotToken == "" {
		errs = append(errs, errors.New("slack: Socket Mode needs the bot token as well as the app token"))
	}
	if cfg.APIURL == "" {
		errs = append(errs, errors.New("slack: the Web API URL is required (config.DefaultSlackAPI)"))
	} else if !strings.HasPrefix(cfg.APIURL, "http://") && !strings.HasPrefix(cfg.APIURL, "https://") {
		errs = append(errs, fmt.Errorf("slack: API URL %q is not an http(s) URL", cfg.APIURL))
	}
	if !strings.HasSuffix(cfg.APIURL, "/") {
		cfg.APIURL += "/"
	}
	m, err := newMetrics(cfg.Registerer)
	if err != nil {
		errs = append(errs, err)
	}
	log := cfg.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	rt, err := bot.NewRuntime(bot.RuntimeOptions{
		Platform: platform, Timeout: answerTimeout, Reserve: answerReserve, Workers: cmp.Or(max(cfg.Workers, 0), workers), Queue: queue,
		Drain: bot.ShutdownGrace, Log: log, Registerer: cfg.Registerer,
	})
	if err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	a := &Adapter{
		cfg:   cfg,
		log:   log,
		now:   cfg.Now,
		http:  cfg.HTTPClient,
		m:     m,
		rt:    rt,
		sleep: bot.SleepContext,
	}
	if a.now == nil {
		a.now = time.Now
	}
	if a.http == nil {
		a.http = &http.Client{Timeout: 30 * time.Second}
	}
	a.seen = cfg.Seen
	if a.seen == nil {
		a.seen = bot.NewMemorySeen(seenMax, a.now)
	}
	if cfg.BotToken != "" {
		opts := []slack.Option{
			slack.OptionAPIURL(cfg.APIURL),
			slack.OptionHTTPClient(a.http),
			slack.OptionLog(slog.NewLogLogger(a.log.Handler(), slog.LevelDebug)),
		}
		if cfg.AppToken != "" {
			opts = append(opts, slack.OptionAppLevelToken(cfg.AppToken))
		}
		a.api = slack.New(cfg.BotToken, opts...)
	}
	return a, nil
}

// Listen answers Slack through h. With a bot token and an app token it runs
// Socket Mode, acknowledging every envelope at once; otherwise it records h
// for HTTPHandler and waits. It blocks until ctx is done, then refuses new
// requests (HTTP 503) and waits up to bot.ShutdownGrace for answers in
// flight (from either mode) before cancelling them.
// It returns early with an error only when Socket Mode cannot connect for
// good (a revoked or invalid token).
func (a *Adapter) Listen(ctx context.Context, h bot.Handler) error {
	if h == nil {
		return errors.New("slack: listen: nil handler")
	}
	a.listen.Store(&handlerBox{h})
	var err error
	if a.api != nil && a.cfg.AppToken != "" {
		err = a.runSocketMode(ctx, h)
	} else {
		<-ctx.Done()
	}
	a.rt.Shutdown()
	return err
}

// Name is "slack".
func (a *Adapter) Name() string { return platform }

// CanPost reports whether a bot token is configured.
func (a *Adapter) CanPost() bool { return a.api != nil }

// HTTPPrefix is "/slack/" when a signing secret is configured, else "".
func (a *Adapter) HTTPPrefix() string {
	if a.cfg.SigningSecret == "" {
		return ""
	}
	return "/slack/"
}

// handler returns h, or the Handler given to Listen.
func (a *Adapter) handler(h bot.Handler) bot.Handler {
	if h != nil {
		return h
	}
	if b := a.listen.Load(); b != nil {
		return b.h
	}
	return nil
}

// Post sends r to a channel (a scheduled digest), as many messages as
// Slack's limits need; the second and later continue in the thread of the
// first (or in to.Thread when set). Reply.Ephemeral is ignored: a channel
// post is for everyone. It returns an error only when Slack did
// not accept a message, after waiting out rate limits, so the caller can try
// again later; messages already posted stay posted.
func (a *Adapter) Post(ctx context.Context, to bot.Destination, r bot.Reply) error {
	if a.api == nil {
		return errors.New("slack: post: no bot token configured")
	}
	if to.Channel == "" {
		return errors.New("slack: post: no channel")
	}
	if err := a.postThread(ctx, to.Channel, to.Thread, render(r)); err != nil {
		return fmt.Errorf("slack: post to %s: %w", to.Channel, err)
	}
	return nil
}

// metrics are the adapter's Prometheus collectors.
type metrics struct {
	requests *prometheus.CounterVec
	ack      *prometheus.HistogramVec
	posts    *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "briefbot_slack_requests_total",
			Help: "Slack requests by kind (command, mention, direct, event, url_verification) and result (ok, error, ignored, duplicate, unauthorized, bad_request).",
		}, []string{"kind", "result"}),
		ack: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "briefbot_slack_ack_seconds",
			Help:    "Time from receiving a Slack request to acknowledging it, by mode (socket, http).",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 3},
		}, []string{"mode"}),
		posts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "briefbot_slack_posts_total",
			Help: "Messages sent to Slack by method (chat.postMessage, chat.postEphemeral, response_url) and result (ok, error, rate_limited).",
		}, []string{"method", "result"}),
	}
	var err error
	if m.requests, err = briefing.RegisterMetric(reg, m.requests); err != nil {
		return nil, fmt.Errorf("slack: %w", err)
	}
	if m.ack, err = briefing.RegisterMetric(reg, m.ack); err != nil {
		return nil, fmt.Errorf("slack: %w", err)
	}
	if m.posts, err = briefing.RegisterMetric(reg, m.posts); err != nil {
		return nil, fmt.Errorf("slack: %w", err)
	}
	return m, nil
}
