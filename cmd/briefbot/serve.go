package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"briefbot/bot"
	"briefbot/bot/discord"
	"briefbot/bot/slack"
	"briefbot/briefing"
	"briefbot/config"
)

// shutdownGrace bounds how long in-flight answers may take after a signal.
const shutdownGrace = 20 * time.Second

func cmdServe(ctx context.Context, args []string, stderr io.Writer, getenv func(string) string) error {
	var c common
	fs := newFlags("serve", stderr, &c)
	addr := fs.String("addr", "", "HTTP listen address (env BRIEFBOT_HTTP_ADDR; default :8080)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("serve: unexpected argument %q", fs.Arg(0))}
	}
	cfg, err := c.load(getenv)
	if err != nil {
		return err
	}
	if *addr != "" {
		cfg.HTTPAddr = *addr
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	return serve(ctx, cfg, log, serveHooks{})
}

// serveHooks let tests observe and drive serve; the zero value is
// production.
type serveHooks struct {
	ready chan<- string // receives the HTTP listener's address once listening
	// now and after, when set, are the scheduler's clock.
	now   func() time.Time
	after func(time.Duration) <-chan time.Time
}

// serve runs the bot until ctx is done.
func serve(ctx context.Context, cfg config.Config, log *slog.Logger, hooks serveHooks) error {
	unlock, err := lockDataDir(cfg.DataDir)
	if err != nil {
		return err
	}
	defer unlock()
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))

	var loaded, stopping atomic.Bool
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		if !loaded.Load() {
			http.Error(w, "loading corpus", http.StatusServiceUnavailable)
			return
		}
		io.WriteString(w, "ok\n")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		if !loaded.Load() || stopping.Load() {
			http.Error(w, "not ready", http.StatusServiceUnavailable)
			return
		}
		io.WriteString(w, "ready\n")
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))

	ln, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("serve: listen on %s (BRIEFBOT_HTTP_ADDR): %w", cfg.HTTPAddr, err)
	}
	// Platform routes are mounted once the library is loaded; until then
	// they answer 503 so Slack and Discord retry.
	var platform atomic.Pointer[http.Handler]
	mux.HandleFunc("/slack/", func(w http.ResponseWriter, r *http.Request) { servePlatform(&platform, w, r) })
	mux.HandleFunc("/discord/", func(w http.ResponseWriter, r *http.Request) { servePlatform(&platform, w, r) })
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	srvErr := make(chan error, 1)
	go func() { srvErr <- srv.Serve(ln) }()
	log.Info("http listening", "addr", ln.Addr().String())
	if hooks.ready != nil {
		hooks.ready <- ln.Addr().String()
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownGrace)
		defer cancel()
		srv.Shutdown(sctx)
	}()

	opt, err := llmOptions(cfg, false, reg, log.With("component", "llm"))
	if err != nil {
		return err
	}
	opt.Log = log
	opt.Check = true // a damaged database stops serve before it writes or posts
	lib, st, ch, err := openLibrary(ctx, cfg, nil, opt, false)
	if err != nil {
		return fmt.Errorf("serve: load corpus: %w", err)
	}
	defer st.Close()
	log.Info("corpus loaded", "corpus", corpusName(cfg), "added", ch.Added, "changed", ch.Changed, "deleted", ch.Deleted, "unchanged", ch.Unchanged)

	// platformChat is a chat platform that also serves HTTP endpoints.
	type platformChat interface {
		bot.Chat
		HTTPHandler(h bot.Handler) http.Handler
	}
	chats := map[string]platformChat{}
	posters := map[string]bot.Chat{} // scheduled digests need a bot token
	if cfg.Slack.Enabled() {
		a, err := slack.New(slack.Config{
			BotToken: cfg.Slack.BotToken, AppToken: cfg.Slack.AppToken, SigningSecret: cfg.Slack.SigningSecret,
			APIURL: cfg.Slack.APIURL, Log: log.With("platform", "slack"), Registerer: reg,
		})
		if err != nil {
			return fmt.Errorf("serve: slack: %w", err)
		}
		if err := checkSlack(ctx, a, log.With("platform", "slack")); err != nil {
			return err
		}
		chats["slack"] = a
		if cfg.Slack.BotToken != "" {
			posters["slack"] = a
		}
	}
	if cfg.Discord.Enabled() {
		a, err := discord.New(discord.Config{
			BotToken: cfg.Discord.BotToken, AppID: cfg.Discord.AppID, PublicKey: cfg.Discord.PublicKey,
			GuildID: cfg.Discord.GuildID, APIURL: cfg.Discord.APIURL, Log: log.With("platform", "discord"), Registerer: reg,
		})
		if err != nil {
			return fmt.Errorf("serve: discord: %w", err)
		}
		chats["discord"] = a
		if cfg.Discord.BotToken != "" {
			posters["discord"] = a
		}
	}
	if len(chats) == 0 {
		log.Warn("no chat platform configured: set SLACK_* or DISCORD_* (see .env.example); serving HTTP only")
	}
	sched, subs, err := scheduledDigests(cfg, st.DB(), lib, posters, hooks, log.With("component", "scheduler"), reg)
	if err != nil {
		return err
	}
	router := bot.NewRouter(bot.RouterOptions{
		Briefer: lib, Subscriptions: subs, Log: log, Metrics: bot.NewMetrics(reg),
		Location: cfg.Timezone, DigestWindow: cfg.DigestFirstWindow,
	})
	chatHandler := redactHandler(router, configSecrets(cfg)) // no reply carries a secret
	routes := http.NewServeMux()
	if a, ok := chats["slack"]; ok && cfg.Slack.HTTPMode() {
		routes.Handle("/slack/", a.HTTPHandler(chatHandler))
	}
	if a, ok := chats["discord"]; ok && cfg.Discord.Interactions() {
		routes.Handle("/discord/", a.HTTPHandler(chatHandler))
	}
	var h http.Handler = routes
	platform.Store(&h)
	loaded.Store(true) // healthy once commands can be answered
	logModes(log, cfg, ln.Addr().String())

	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	errs := make(chan error, len(chats)+2)
	for name, chat := range chats {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := chat.Listen(runCtx, chatHandler); err != nil && !errors.Is(err, context.Canceled) {
				errs <- fmt.Errorf("serve: %s: %w", name, err)
			}
		}()
	}
	wg.Add(2)
	go func() {
		defer wg.Done()
		refreshLoop(runCtx, lib, cfg.Refresh, log)
	}()
	go func() {
		defer wg.Done()
		if err := sched.Run(runCtx); err != nil && !errors.Is(err, context.Canceled) {
			errs <- fmt.Errorf("serve: scheduler: %w", err)
		}
	}()

	var runErr error
	select {
	case <-ctx.Done():
		log.Info("shutting down", "grace", shutdownGrace.String())
	case runErr = <-errs:
		log.Error("platform stopped", "error", runErr.Error())
	case err := <-srvErr:
		runErr = fmt.Errorf("serve: http: %w", err)
	}
	stopping.Store(true)
	cancel()
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(shutdownGrace):
		log.Warn("in-flight work did not finish in time", "grace", shutdownGrace.String())
	}
	return runErr
}

func servePlatform(p *atomic.Pointer[http.Handler], w http.ResponseWriter, r *http.Request) {
	h := p.Load()
	if h == nil {
		w.Header().Set("Retry-After", "5")
		http.Error(w, "starting", http.StatusServiceUnavailable)
		return
	}
	(*h).ServeHTTP(w, r)
}

// refreshLoop re-scans the corpus every interval until ctx is done.
func refreshLoop(ctx context.Context, lib *briefing.Library, every time.Duration, log *slog.Logger) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if _, err := lib.Refresh(ctx); err != nil && ctx.Err() == nil {
				log.Error("corpus refresh failed", "error", err.Error())
			}
		}
	}
}

// cmdHealth checks a running server's /healthz (the Docker HEALTHCHECK).
func cmdHealth(ctx context.Context, args []string, stdout io.Writer, getenv func(string) string) error {
	fs := &flagSet{FlagSet: flag.NewFlagSet("health", flag.ContinueOnError), help: stdout}
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	addr := getenv("BRIEFBOT_HTTP_ADDR")
	if addr == "" {
		addr = config.DefaultHTTPAddr
	}
	if strings.HasPrefix(addr, ":") {
		addr = "127.0.0.1" + addr
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/healthz", nil)
	if err != nil {
		return usageError{fmt.Sprintf("health: BRIEFBOT_HTTP_ADDR %q is not host:port", addr)}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("health: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("health: %s", resp.Status)
	}
	fmt.Fprintln(stdout, "ok")
	return nil
}
