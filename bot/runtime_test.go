package bot

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

type handlerFunc func(ctx context.Context, req Request) Reply

func (f handlerFunc) Handle(ctx context.Context, req Request) Reply { return f(ctx, req) }

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

func newTestRuntime(t *testing.T, workers, queue int) (*Runtime, *prometheus.Registry, *syncBuffer) {
	t.Helper()
	reg := prometheus.NewRegistry()
	logs := &syncBuffer{}
	rt, err := NewRuntime(RuntimeOptions{
		Platform: "test", Timeout: time.Hour, Reserve: time.Minute, Workers: workers, Queue: queue,
		Drain: time.Hour, Log: slog.New(slog.NewTextHandler(logs, nil)), Registerer: reg,
	})
	if err != nil {
		t.Fatal(err)
	}
	return rt, reg, logs
}

func TestNewRuntimeRefusesZeroValues(t *testing.T) {
	for _, opt := range []RuntimeOptions{
		{},
		{Platform: "x", Timeout: time.Minute, Reserve: time.Second, Drain: time.Second},                        // no workers
		{Platform: "x", Timeout: time.Minute, Reserve: time.Minute, Workers: 1, Drain: time.Second},            // reserve = timeout
		{Timeout: time.Minute, Reserve: time.Second, Workers: 1, Drain: time.Second},                           // no name
		{Platform: "x", Timeout: time.Minute, Reserve: time.Second, Workers: 1, Queue: -1, Drain: time.Second}, // negative queue
	} {
		if _, err := NewRuntime(opt); err == nil {
			t.Errorf("NewRuntime(%+v) accepted it", opt)
		}
	}
}

func TestHandlePanicBecomesAnApology(t *testing.T) {
	rt, reg, logs := newTestRuntime(t, 1, 1)
	h := handlerFunc(func(context.Context, Request) Reply { panic("boom") })
	got := rt.Handle(context.Background(), h, Request{Kind: Direct, Channel: "D1"})
	if got.Title != Apology().Title || !got.Ephemeral {
		t.Errorf("reply = %+v, want the apology", got)
	}
	if !strings.Contains(logs.String(), "handler panicked") || !strings.Contains(logs.String(), "boom") {
		t.Errorf("the panic was not logged:\n%s", logs)
	}
	if n := testutil.ToFloat64(rt.m.panics.WithLabelValues("test")); n != 1 {
		t.Errorf("briefbot_handler_panics_total = %v, want 1", n)
	}
	if n, err := testutil.GatherAndCount(reg, "briefbot_handler_panics_total"); err != nil || n != 1 {
		t.Errorf("registered panic series = %d (%v), want 1", n, err)
	}
	// The worker slot was given back: the next request is answered.
	ok := handlerFunc(func(context.Context, Request) Reply { return Reply{Title: "fine"} })
	if r := rt.Handle(context.Background(), ok, Request{}); r.Title != "fine" {
		t.Errorf("after a panic: %+v", r)
	}
}

func TestRunSurvivesAPanicOutsideTheHandler(t *testing.T) {
	rt, _, logs := newTestRuntime(t, 1, 1)
	if !rt.Go(context.Background(), func(context.Context) { panic("render bug") }) {
		t.Fatal("Go refused work before shutdown")
	}
	<-rt.Idle()
	if !strings.Contains(logs.String(), "render bug") {
		t.Errorf("the panic was not logged:\n%s", logs)
	}
}

// A burst larger than the pool is answered in full: at most Workers
// handlers run at once, the rest wait in the queue, and every request gets
// its real answer.
func TestBurstLargerThanThePoolIsAnsweredInFull(t *testing.T) {
	const workers, burst = 3, 40
	rt, _, _ := newTestRuntime(t, workers, burst)
	var mu sync.Mutex
	running, peak := 0, 0
	release := make(chan struct{})
	entered := make(chan struct{}, burst)
	h := handlerFunc(func(_ context.Context, req Request) Reply {
		mu.Lock()
		running++
		peak = max(peak, running)
		mu.Unlock()
		entered <- struct{}{}
		<-release
		mu.Lock()
		running--
		mu.Unlock()
		return Reply{Title: "answer to " + req.Text}
	})
	replies := make(chan Reply, burst)
	for i := range burst {
		rt.Go(context.Background(), func(ctx context.Context) {
			replies <- rt.Handle(ctx, h, Request{Text: string(rune('a' + i%26))})
		})
	}
	for range workers {
		<-entered // the pool is full; the rest queue
	}
	close(release)
	<-rt.Idle()
	close(replies)
	n := 0
	for r := range replies {
		n++
		if !strings.HasPrefix(r.Title, "answer to ") {
			t.Errorf("a request got %q, not its answer", r.Title)
		}
	}
	if n != burst {
		t.Errorf("%d of %d requests answered", n, burst)
	}
	if peak > workers {
		t.Errorf("%d handlers ran at once, want at most %d", peak, workers)
	}
}

// Beyond the queue, a request is told at once that the bot is busy, and a
// request that waited until too little of its deadline is left is told it
// came too late; neither runs the handler.
func TestHandleRefusesWhatCannotBeAnsweredInTime(t *testing.T) {
	rt, _, _ := newTestRuntime(t, 1, 1)
	release := make(chan struct{})
	started := make(chan struct{})
	calls := 0
	var mu sync.Mutex
	h := handlerFunc(func(context.Context, Request) Reply {
		mu.Lock()
		calls++
		mu.Unlock()
		return Reply{Title: "answer"}
	})
	blocker := handlerFunc(func(context.Context, Request) Reply {
		close(started)
		<-release
		return Reply{Title: "slow"}
	})
	done := make(chan Reply, 1)
	go func() { done <- rt.Handle(context.Background(), blocker, Request{}) }()
	<-started

	// Its deadline is less than Reserve away: too late before it starts.
	late, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if r := rt.Handle(late, h, Request{}); r.Title != TooLate().Title {
		t.Errorf("a request that would be answered too late got %q", r.Title)
	}

	// One request fills the queue; the next is told the bot is busy.
	queued := make(chan Reply, 1)
	go func() { queued <- rt.Handle(context.Background(), h, Request{}) }()
	waitFor(t, func() bool { return testutil.ToFloat64(rt.m.waiting.WithLabelValues("test")) == 1 })
	if r := rt.Handle(context.Background(), h, Request{}); r.Title != Busy().Title {
		t.Errorf("a request beyond the queue got %q, want the busy note", r.Title)
	}
	close(release)
	if r := <-queued; r.Title != "answer" {
		t.Errorf("the queued request got %q", r.Title)
	}
	<-done
	if calls != 1 {
		t.Errorf("the handler ran %d times, want 1 (the queued request only)", calls)
	}
	for reason, want := range map[string]float64{"busy": 1, "late": 1} {
		if n := testutil.ToFloat64(rt.m.refused.WithLabelValues("test", reason)); n != want {
			t.Errorf("briefbot_answers_refused_total{reason=%q} = %v, want %v", reason, n, want)
		}
	}
}

// waitFor polls cond until it holds; the deadline only stops a broken
// test from hanging.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached")
		}
		time.Sleep(time.Millisecond)
	}
}

func TestShutdownDrainsThenRefuses(t *testing.T) {
	rt, _, _ := newTestRuntime(t, 2, 2)
	release := make(chan struct{})
	started := make(chan struct{})
	finished := false
	rt.Go(context.Background(), func(ctx context.Context) {
		close(started)
		<-release
		finished = ctx.Err() == nil
	})
	<-started
	stopped := make(chan struct{})
	go func() { rt.Shutdown(); close(stopped) }()
	waitFor(t, func() bool { rt.mu.Lock(); defer rt.mu.Unlock(); return rt.closed })
	if rt.Begin() {
		t.Error("Begin accepted work once shutdown began")
	}
	close(release)
	<-stopped
	if !finished {
		t.Error("the answer in flight was cancelled although it finished within the drain")
	}
	if rt.Go(context.Background(), func(context.Context) { t.Error("ran after shutdown") }) {
		t.Error("Go accepted work after shutdown")
	}
}

func TestShutdownCancelsWhatOutlivesTheDrain(t *testing.T) {
	rt, err := NewRuntime(RuntimeOptions{Platform: "test", Timeout: time.Hour, Reserve: time.Minute, Workers: 1, Drain: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	started := make(chan struct{})
	var cause error
	rt.Go(context.Background(), func(ctx context.Context) {
		close(started)
		<-ctx.Done() // stuck until cancelled
		cause = ctx.Err()
	})
	<-started
	rt.Shutdown()
	if !errors.Is(cause, context.Canceled) {
		t.Errorf("the stuck answer ended with %v, want cancellation", cause)
	}
}

func TestRetryAfter(t *testing.T) {
	tests := []struct {
		ask     time.Duration
		want    []time.Duration
		wantErr error
	}{
		{0, []time.Duration{time.Second}, nil},
		{7 * time.Second, []time.Duration{7 * time.Second}, nil},
		{90 * time.Second, []time.Duration{90 * time.Second}, nil}, // above the old 30-60 s caps: honoured
		{MaxRetryAfter + time.Second, nil, ErrRetryTooLong},
	}
	for _, tt := range tests {
		var slept []time.Duration
		err := RetryAfter(context.Background(), func(_ context.Context, d time.Duration) error { slept = append(slept, d); return nil }, tt.ask)
		if !errors.Is(err, tt.wantErr) {
			t.Errorf("RetryAfter(%s) = %v, want %v", tt.ask, err, tt.wantErr)
		}
		if len(slept) != len(tt.want) || (len(slept) == 1 && slept[0] != tt.want[0]) {
			t.Errorf("RetryAfter(%s) slept %v, want %v", tt.ask, slept, tt.want)
		}
	}
}

func TestMemorySeenForgetsAfterTTLAndBound(t *testing.T) {
	t0 := time.Unix(1700000000, 0)
	now := t0
	s := NewMemorySeen(3, func() time.Time { return now }).(*memorySeen)
	steps := []struct {
		key  string
		at   time.Duration
		want bool
	}{
		{"a", 0, true},
		{"a", time.Minute, false},        // a retry
		{"b", 2 * time.Minute, true},     //
		{"a", 59 * time.Minute, false},   // still remembered
		{"a", 61 * time.Minute, true},    // forgotten after the TTL
		{"c", 62 * time.Minute, true},    //
		{"d", 63 * time.Minute, true},    //
		{"e", 64 * time.Minute, true},    // over the bound: the oldest (b) goes
		{"b", 65 * time.Minute, true},    //
		{"e", 65 * time.Minute, false},   //
		{"e", 65 * time.Minute, false},   //
		{"x", 300 * time.Minute, true},   //
		{"e", 301 * time.Minute, true},   //
		{"x", 301 * time.Minute, false},  //
		{"new", 302 * time.Minute, true}, //
	}
	for i, st := range steps {
		now = t0.Add(st.at)
		if got, _ := s.FirstSeen(context.Background(), st.key, time.Hour); got != st.want {
			t.Errorf("step %d: first(%q) = %v, want %v", i, st.key, got, st.want)
		}
		if len(s.at) != s.order.Len() || len(s.at) > 3 {
			t.Fatalf("step %d: map %d, list %d entries", i, len(s.at), s.order.Len())
		}
	}
}
