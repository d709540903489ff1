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
	"briefbot/briefing/feeds"
	"briefbot/briefing/store"
	"briefbot/config"
)

// shutdownGrace bounds how long in-flight answers may take after a signal
// (the platforms cancel what is left after bot.ShutdownGrace); serve waits
// a little longer for the cancelled answers to return.
const shutdownGrace = bot.ShutdownGrace + 5*time.Second

// HTTP server timeouts: a client must send its headers within
// readHeaderTimeout and its whole request within readTimeout; an idle
// keep-alive connection is closed after idleTimeout. Slow or trickling
// clients cannot hold connections (and goroutines) for longer.
const (
	readHeaderTimeout = 5 * time.Second
	readTimeout       = 15 * time.Second
	writeTimeout      = 30 * time.Second
	idleTimeout       = 60 * time.Second
)

// newHTTPServer returns serve's HTTP server for h.
func newHTTPServer(h http.Handler) *http.Server {
	return &http.Server{Handler: h, ReadHeaderTimeout: readHeaderTimeout, ReadTimeout: readTimeout, WriteTimeout: writeTimeout, IdleTimeout: idleTimeout}
}

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
	seen := &seenLater{}
	chats, err := platforms(cfg, log, reg, seen)
	if err != nil {
		ln.Close()
		return err
	}
	// Each platform's endpoints are mounted now and answer 503 (so Slack and
	// Discord retry) until the library is loaded, and again once shutdown
	// begins.
	gates := map[bot.HTTPChat]*gate{}
	for _, c := range chats {
		if hc, ok := c.(bot.HTTPChat); ok && hc.HTTPPrefix() != "" {
			g := &gate{}
			gates[hc] = g
			mux.Handle(hc.HTTPPrefix(), g)
		}
	}
	srv := newHTTPServer(mux)
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
	// A damaged database stops serve before it writes or posts. The check
	// reads the whole database, so it runs only when the last serve did not
	// stop cleanly (see cleanMark).
	clean, err := takeCleanMark(cfg.DataDir)
	if err != nil {
		return err
	}
	opt.Check = !clean
	if opt.Check {
		log.Info("checking the database's integrity: the last serve did not stop cleanly (or this is the first)", "data_dir", cfg.DataDir)
	}
	lib, st, ch, err := openLibrary(ctx, cfg, nil, opt, false)
	if err != nil {
		return fmt.Errorf("serve: load corpus: %w", err)
	}
	var stoppedCleanly bool
	defer func() {
		if err := st.Close(); err != nil || !stoppedCleanly {
			return
		}
		if err := leaveCleanMark(cfg.DataDir); err != nil {
			log.Warn("could not record the clean stop; the next start checks the database", "error", err.Error())
		}
	}()
	defer lib.Close() // waits for a background merge of the index
	stSeen, err := store.OpenSeen(ctx, st, time.Now)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	seen.s.Store(stSeen)
	log.Info("corpus loaded", "corpus", corpusName(cfg), "added", ch.Added, "changed", ch.Changed, "deleted", ch.Deleted, "unchanged", ch.Unchanged, "folders_unchanged", ch.Trusted)

	posters := map[string]bot.Chat{} // scheduled digests need a Chat that can post
	for _, c := range chats {
		if a, ok := c.(authChecker); ok {
			if err := checkSlack(ctx, a, log.With("platform", c.Name())); err != nil {
				return err
			}
		}
		if c.CanPost() {
			posters[c.Name()] = c
		}
	}
	if len(chats) == 0 {
		log.Warn("no chat platform configured: set SLACK_* or DISCORD_* (see .env.example); serving HTTP only")
	}
	sched, subs, err := scheduledDigests(cfg, st.DB(), lib, posters, hooks, log.With("component", "scheduler"), reg)
	if err != nil {
		return err
	}
	// News feeds: polled in the background, managed from chat; a feed that
	// starts failing is announced once in the digest channels.
	poller, fetcher, err := newPoller(ctx, cfg, st, lib, log, reg, func(ctx context.Context, f feeds.Feed) {
		bot.NotifyFailing(ctx, sched, posters, f, log.With("component", "feeds"))
	})
	if err != nil {
		return err
	}
	defer fetcher.Close()
	router, err := bot.NewRouter(bot.RouterOptions{
		Briefer: lib, Subscriptions: subs, Feeds: poller, Log: log, Metrics: bot.NewMetrics(reg),
		Location: cfg.Timezone, DigestWindow: cfg.DigestFirstWindow,
	})
	if err != nil {
		return err
	}
	chatHandler := redactHandler(router, configSecrets(cfg)) // no reply carries a secret
	for hc, g := range gates {
		g.open(hc.HTTPHandler(chatHandler))
	}
	loaded.Store(true) // healthy once commands can be answered
	logModes(log, cfg, ln.Addr().String())

	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	errs := make(chan error, len(chats)+2)
	for _, chat := range chats {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := chat.Listen(runCtx, chatHandler); err != nil && !errors.Is(err, context.Canceled) {
				errs <- fmt.Errorf("serve: %s: %w", chat.Name(), err)
			}
		}()
	}
	wg.Add(4)
	go func() {
		defer wg.Done()
		refreshLoop(runCtx, lib, cfg, log)
	}()
	go func() {
		defer wg.Done()
		lib.RunEmbedder(runCtx) // returns at once without BRIEFBOT_EMBED_MODEL
	}()
	go func() {
		defer wg.Done()
		poller.Run(runCtx) // returns when runCtx is done
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
		log.Info("shutting down", "grace", bot.ShutdownGrace.String())
	case runErr = <-errs:
		log.Error("platform stopped", "error", runErr.Error())
	case err := <-srvErr:
		runErr = fmt.Errorf("serve: http: %w", err)
	}
	stopping.Store(true)
	for _, g := range gates {
		g.close() // new requests get 503: the platform retries elsewhere
	}
	cancel()
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
		stoppedCleanly = runErr == nil
	case <-time.After(shutdownGrace):
		log.Warn("in-flight work did not finish in time", "grace", shutdownGrace.String())
	}
	return runErr
}

// gate serves a platform's endpoints once opened, and 503 with
// Retry-After before that (loading) and after close (shutting down).
type gate struct {
	h atomic.Pointer[http.Handler]
}

func (g *gate) open(h http.Handler) { g.h.Store(&h) }
func (g *gate) close()              { g.h.Store(nil) }

func (g *gate) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := g.h.Load()
	if h == nil {
		w.Header().Set("Retry-After", "5")
		http.Error(w, "not taking requests now", http.StatusServiceUnavailable)
		return
	}
	(*h).ServeHTTP(w, r)
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
