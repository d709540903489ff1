// Package slack connects briefbot to Slack: Socket Mode and the HTTP
// endpoints (slash commands and the Events API) turn commands, @mentions and
// direct messages into bot.Requests, and bot.Replies are rendered as Block Kit
// within Slack's limits. It is the only package that imports slack-go.
package slack

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/slack-go/slack"

	"briefbot/bot"
)

const (
	platform      = "slack"
	drainTimeout  = 10 * time.Second // how long Listen waits for in-flight answers
	answerTimeout = 5 * time.Minute  // one answer, from request to the last post
	maxBody       = 1 << 20          // largest HTTP request body accepted
	maxAttempts   = 4                // posts tried per message when Slack says 429
	maxRetryAfter = time.Minute      // longest Retry-After honoured per attempt
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
}

// Adapter is briefbot's Slack platform. It implements bot.Chat.
type Adapter struct {
	cfg    Config
	log    *slog.Logger
	now    func() time.Time
	http   *http.Client
	api    *slack.Client // nil without a bot token
	m      *metrics
	seen   *seenSet
	botID  botIdentity
	listen atomic.Pointer[handlerBox] // the Handler Listen was given

	inflight inflight
	abort    chan struct{} // closed when shutdown stops waiting for answers
	stopOnce sync.Once
	sleep    func(ctx context.Context, d time.Duration) error // waits out a 429; a test double in tests
	drain    time.Duration
}

type handlerBox struct{ h bot.Handler }

var _ bot.Chat = (*Adapter)(nil)

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
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	a := &Adapter{
		cfg:   cfg,
		log:   cfg.Log,
		now:   cfg.Now,
		http:  cfg.HTTPClient,
		m:     m,
		abort: make(chan struct{}),
		sleep: sleepCtx,
		drain: drainTimeout,
	}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	if a.now == nil {
		a.now = time.Now
	}
	if a.http == nil {
		a.http = &http.Client{Timeout: 30 * time.Second}
	}
	a.seen = newSeenSet(seenTTL, seenMax)
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
// for HTTPHandler and waits. It blocks until ctx is done, then waits up to
// 10 s for answers in flight (from either mode) before cancelling them.
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
	a.shutdown()
	return err
}

// shutdown waits (bounded) for answers in flight, then cancels the rest.
func (a *Adapter) shutdown() {
	t := time.NewTimer(a.drain)
	defer t.Stop()
	select {
	case <-a.inflight.idle():
		return
	case <-t.C:
	}
	a.stopOnce.Do(func() { close(a.abort) })
	n := a.inflight.count()
	a.log.Warn("shutdown: cancelled answers still in flight", "answers", n, "waited", a.drain.String())
	t2 := time.NewTimer(time.Second)
	defer t2.Stop()
	select {
	case <-a.inflight.idle():
	case <-t2.C:
	}
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

// inflight counts answers being worked on.
type inflight struct {
	mu     sync.Mutex
	n      int
	idleCh chan struct{} // closed while n == 0
}

func (f *inflight) begin() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.n == 0 || f.idleCh == nil {
		f.idleCh = make(chan struct{})
	}
	f.n++
}

func (f *inflight) end() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.n--
	if f.n == 0 {
		close(f.idleCh)
	}
}

func (f *inflight) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.n
}

// idle returns a channel that is closed once no answer is in flight.
func (f *inflight) idle() <-chan struct{} {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.n == 0 {
		c := make(chan struct{})
		close(c)
		return c
	}
	return f.idleCh
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
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
	if reg == nil {
		return m, nil
	}
	var err error
	m.requests, err = register(reg, m.requests)
	if err != nil {
		return nil, err
	}
	m.ack, err = register(reg, m.ack)
	if err != nil {
		return nil, err
	}
	m.posts, err = register(reg, m.posts)
	if err != nil {
		return nil, err
	}
	return m, nil
}

// register registers c, or returns the collector already registered under
// its name (a second Adapter on the same registry shares the metrics).
func register[C prometheus.Collector](reg prometheus.Registerer, c C) (C, error) {
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if old, ok := are.ExistingCollector.(C); ok {
				return old, nil
			}
		}
		return c, fmt.Errorf("slack: register metrics: %w", err)
	}
	return c, nil
}
