package bot

import (
	"container/list"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"briefbot/briefing"
)

// ShutdownGrace is how long answers in flight may take to finish once
// shutdown begins; after it they are cancelled.
const ShutdownGrace = 20 * time.Second

// RuntimeOptions configure a Runtime. Every field but Log and Registerer
// is required.
type RuntimeOptions struct {
	Platform string        // the platform's name: a log attribute and a metric label
	Timeout  time.Duration // one answer, from the request to its last post
	Workers  int           // handlers running at once
	Queue    int           // answers that may wait for a worker; more are told the bot is busy
	// Reserve is the part of Timeout kept for delivering a reply: an answer
	// still waiting for a worker when less than Reserve is left is told it
	// came too late instead of being answered after the platform stopped
	// listening.
	Reserve    time.Duration
	Drain      time.Duration         // how long Shutdown waits for answers in flight before cancelling them
	Log        *slog.Logger          // nil: discard
	Registerer prometheus.Registerer // nil: metrics are not registered
}

// Runtime runs a platform adapter's answers: each in a goroutine of its own
// with a deadline, the handlers on a bounded pool of workers with a bounded
// queue, a panic turned into an apology, and a bounded drain at shutdown.
// Slack and Discord use one each; what an answer does (acknowledge, defer,
// render, post) stays in the adapter.
//
// Its methods may be called concurrently.
type Runtime struct {
	opt   RuntimeOptions
	log   *slog.Logger
	m     *runtimeMetrics
	slots chan struct{} // one token per running handler
	abort chan struct{} // closed when Shutdown stops waiting
	once  sync.Once

	mu      sync.Mutex
	closed  bool
	running int           // answers between Begin and the end of their Run
	waiting int           // Handle calls waiting for a worker
	idle    chan struct{} // closed while running == 0
}

// NewRuntime returns a Runtime, refusing options that are not set.
func NewRuntime(opt RuntimeOptions) (*Runtime, error) {
	var errs []error
	if opt.Platform == "" {
		errs = append(errs, errors.New("no platform name"))
	}
	if opt.Timeout <= 0 || opt.Drain <= 0 || opt.Reserve <= 0 || opt.Reserve >= opt.Timeout {
		errs = append(errs, fmt.Errorf("timeout %s, reserve %s and drain %s must be positive, the reserve less than the timeout", opt.Timeout, opt.Reserve, opt.Drain))
	}
	if opt.Workers <= 0 || opt.Queue < 0 {
		errs = append(errs, fmt.Errorf("%d workers and a queue of %d: want at least one worker", opt.Workers, opt.Queue))
	}
	m, err := newRuntimeMetrics(opt.Registerer)
	if err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("bot: runtime: %w", err)
	}
	rt := &Runtime{opt: opt, log: opt.Log, m: m, slots: make(chan struct{}, opt.Workers), abort: make(chan struct{})}
	if rt.log == nil {
		rt.log = slog.New(slog.DiscardHandler)
	}
	return rt, nil
}

// Begin reserves a place for one answer. It returns false once Stop or
// Shutdown has been called: the caller then refuses the request (HTTP 503,
// so the platform retries elsewhere) instead of acknowledging it. Every
// Begin that returns true must be followed by exactly one Run.
func (rt *Runtime) Begin() bool {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if rt.closed {
		return false
	}
	if rt.running == 0 {
		rt.idle = make(chan struct{})
	}
	rt.running++
	return true
}

// Run runs fn in a goroutine of its own, after a successful Begin. fn's
// context carries parent's values but not its cancellation (an answer
// outlives the HTTP request or the gateway event that started it); it ends
// after Timeout, or when Shutdown stops waiting. A panic in fn (outside the
// handler, which Handle guards) is logged and counted; the process lives
// on.
func (rt *Runtime) Run(parent context.Context, fn func(ctx context.Context)) {
	go func() {
		defer rt.end()
		ctx, cancel := context.WithTimeout(context.WithoutCancel(parent), rt.opt.Timeout)
		defer cancel()
		go func() {
			select {
			case <-rt.abort:
				cancel()
			case <-ctx.Done():
			}
		}()
		defer func() {
			if p := recover(); p != nil {
				rt.panicked("answer panicked outside the handler", p, Request{})
			}
		}()
		fn(ctx)
	}()
}

// Go is Begin followed by Run; false when shutting down.
func (rt *Runtime) Go(parent context.Context, fn func(ctx context.Context)) bool {
	if !rt.Begin() {
		return false
	}
	rt.Run(parent, fn)
	return true
}

func (rt *Runtime) end() {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	rt.running--
	if rt.running == 0 {
		close(rt.idle)
	}
}

// Handle asks h for the reply to req on one of the Workers and returns it.
// It never fails and never panics:
//   - a panic in h becomes Apology(), with a log line (and the stack) and
//     briefbot_handler_panics_total;
//   - when Queue answers already wait for a worker, the reply says at once
//     that the bot is busy (Busy());
//   - when no worker is free before less than Reserve is left of ctx's
//     deadline, the reply says the answer came too late (TooLate()).
//
// The asker gets a reply in every case, so every request is answered.
func (rt *Runtime) Handle(ctx context.Context, h Handler, req Request) Reply {
	select {
	case rt.slots <- struct{}{}:
	default:
		rt.mu.Lock()
		full := rt.waiting >= rt.opt.Queue
		if !full {
			rt.waiting++
			rt.m.waiting.WithLabelValues(rt.opt.Platform).Inc()
		}
		rt.mu.Unlock()
		if full {
			rt.m.refused.WithLabelValues(rt.opt.Platform, "busy").Inc()
			rt.log.Warn("answer refused: every worker is busy and the queue is full", "kind", req.Kind.String(), "channel", req.Channel, "workers", rt.opt.Workers, "queue", rt.opt.Queue)
			return Busy()
		}
		ok := rt.wait(ctx)
		rt.mu.Lock()
		rt.waiting--
		rt.mu.Unlock()
		rt.m.waiting.WithLabelValues(rt.opt.Platform).Dec()
		if !ok {
			rt.m.refused.WithLabelValues(rt.opt.Platform, "late").Inc()
			rt.log.Warn("answer refused: it waited for a worker until too late", "kind", req.Kind.String(), "channel", req.Channel)
			return TooLate()
		}
	}
	defer func() { <-rt.slots }()
	rt.m.running.WithLabelValues(rt.opt.Platform).Inc()
	defer rt.m.running.WithLabelValues(rt.opt.Platform).Dec()
	return rt.call(ctx, h, req)
}

// wait takes a worker slot; false when ctx has less than Reserve left
// first.
func (rt *Runtime) wait(ctx context.Context) bool {
	wctx := ctx
	if dl, ok := ctx.Deadline(); ok {
		var cancel context.CancelFunc
		wctx, cancel = context.WithDeadline(ctx, dl.Add(-rt.opt.Reserve))
		defer cancel()
	}
	select {
	case rt.slots <- struct{}{}:
		return true
	case <-wctx.Done():
		return false
	}
}

func (rt *Runtime) call(ctx context.Context, h Handler, req Request) (r Reply) {
	defer func() {
		if p := recover(); p != nil {
			rt.panicked("handler panicked", p, req)
			r = Apology()
		}
	}()
	return h.Handle(ctx, req)
}

func (rt *Runtime) panicked(msg string, p any, req Request) {
	rt.m.panics.WithLabelValues(rt.opt.Platform).Inc()
	rt.log.Error(msg, "kind", req.Kind.String(), "channel", req.Channel, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
}

// Stop makes Begin refuse new answers; those in flight carry on.
func (rt *Runtime) Stop() {
	rt.mu.Lock()
	rt.closed = true
	rt.mu.Unlock()
}

// Shutdown stops new answers, waits up to Drain for those in flight, then
// cancels the rest and waits until they have returned.
func (rt *Runtime) Shutdown() {
	rt.Stop()
	t := time.NewTimer(rt.opt.Drain)
	defer t.Stop()
	select {
	case <-rt.Idle():
		return
	case <-t.C:
	}
	rt.mu.Lock()
	n := rt.running
	rt.mu.Unlock()
	rt.log.Warn("shutdown: cancelling answers still in flight", "answers", n, "waited", rt.opt.Drain.String())
	rt.once.Do(func() { close(rt.abort) })
	<-rt.Idle()
}

// Idle returns a channel that is closed once no answer is in flight.
func (rt *Runtime) Idle() <-chan struct{} {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if rt.running == 0 {
		c := make(chan struct{})
		close(c)
		return c
	}
	return rt.idle
}

// Apology is the reply to a request whose answer failed on the bot's side.
func Apology() Reply {
	return Reply{Ephemeral: true, Title: "Sorry, something went wrong on my side answering that. It has been logged; please try again in a moment."}
}

// Busy is the reply when too many questions wait already.
func Busy() Reply {
	return Reply{Ephemeral: true, Title: "Sorry, I am answering a lot of questions at the moment and cannot take yours. Please ask again in a minute."}
}

// TooLate is the reply to a question that waited for its turn until an
// answer could no longer be delivered in time.
func TooLate() Reply {
	return Reply{Ephemeral: true, Title: "Sorry, your question waited too long behind others to be answered in time. Please ask again."}
}

// SleepContext waits d, or until ctx is done (then it returns ctx's error).
func SleepContext(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// MaxRetryAfter is the longest wait a platform's rate limit (HTTP 429 with
// Retry-After or retry_after) may ask for that is honoured.
const MaxRetryAfter = 5 * time.Minute

// ErrRetryTooLong is wrapped by RetryAfter's error when the platform asks
// for a wait above MaxRetryAfter.
var ErrRetryTooLong = errors.New("rate limited for longer than briefbot waits")

// RetryAfter waits as long as a rate limit asks (at least a second), with
// sleep (SleepContext in production; tests pass a recorder). It does not
// wait, and returns ErrRetryTooLong, when the wait is above MaxRetryAfter;
// it returns ctx's error when ctx ends first.
func RetryAfter(ctx context.Context, sleep func(context.Context, time.Duration) error, wait time.Duration) error {
	wait = max(wait, time.Second)
	if wait > MaxRetryAfter {
		return fmt.Errorf("%w: asked for %s, at most %s", ErrRetryTooLong, wait, MaxRetryAfter)
	}
	return sleep(ctx, wait)
}

// runtimeMetrics are a Runtime's collectors, shared by every platform.
type runtimeMetrics struct {
	panics  *prometheus.CounterVec
	refused *prometheus.CounterVec
	waiting *prometheus.GaugeVec
	running *prometheus.GaugeVec
}

func newRuntimeMetrics(reg prometheus.Registerer) (*runtimeMetrics, error) {
	m := &runtimeMetrics{
		panics: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "briefbot_handler_panics_total", Help: "Answers that panicked (the asker got an apology), by platform.",
		}, []string{"platform"}),
		refused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "briefbot_answers_refused_total", Help: "Questions told the bot is busy (busy) or that they waited too long (late), by platform.",
		}, []string{"platform", "reason"}),
		waiting: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "briefbot_answers_waiting", Help: "Questions waiting for a worker, by platform.",
		}, []string{"platform"}),
		running: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "briefbot_answers_running", Help: "Questions being answered by a worker, by platform.",
		}, []string{"platform"}),
	}
	var errs []error
	var err error
	if m.panics, err = briefing.RegisterMetric(reg, m.panics); err != nil {
		errs = append(errs, err)
	}
	if m.refused, err = briefing.RegisterMetric(reg, m.refused); err != nil {
		errs = append(errs, err)
	}
	if m.waiting, err = briefing.RegisterMetric(reg, m.waiting); err != nil {
		errs = append(errs, err)
	}
	if m.running, err = briefing.RegisterMetric(reg, m.running); err != nil {
		errs = append(errs, err)
	}
	return m, errors.Join(errs...)
}

// Seen remembers which platform deliveries (Slack event ids and command
// trigger ids, Discord interaction and message ids) were already taken, so
// that one the platform sends again (a retry, a replay after a restart) is
// answered once. FirstSeen records key for at least ttl and reports
// whether it was not already recorded; on an error the caller answers
// (a second answer is better than none). briefing/store implements it
// durably; NewMemorySeen in memory.
type Seen interface {
	FirstSeen(ctx context.Context, key string, ttl time.Duration) (bool, error)
}

// NewMemorySeen returns a Seen that keeps at most max keys in memory,
// oldest forgotten first, on the clock now: deduplication within one
// process only.
func NewMemorySeen(max int, now func() time.Time) Seen {
	return &memorySeen{max: max, now: now, at: map[string]*list.Element{}, order: list.New()}
}

type memorySeen struct {
	mu    sync.Mutex
	max   int
	now   func() time.Time
	at    map[string]*list.Element
	order *list.List // of seenEntry, oldest first
}

type seenEntry struct {
	key     string
	expires time.Time
}

func (s *memorySeen) FirstSeen(_ context.Context, key string, ttl time.Duration) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	for e := s.order.Front(); e != nil; e = s.order.Front() {
		ent := e.Value.(seenEntry)
		if now.Before(ent.expires) && s.order.Len() < s.max {
			break
		}
		s.order.Remove(e)
		delete(s.at, ent.key)
	}
	if e, ok := s.at[key]; ok {
		if now.Before(e.Value.(seenEntry).expires) {
			return false, nil
		}
		s.order.Remove(e)
	}
	s.at[key] = s.order.PushBack(seenEntry{key: key, expires: now.Add(ttl)})
	return true, nil
}
