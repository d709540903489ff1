package bot

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/robfig/cron/v3"

	"briefbot/briefing"
	"briefbot/briefing/store"
)

// Schedule is what robfig/cron fires on.
var _ cron.Schedule = Schedule{}

// fakeClock is the injected clock: tests move it by hand.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

// post is one message a fakeChat accepted.
type post struct {
	To    Destination
	Reply Reply
}

// text is everything a reader of the post sees, in one string.
func (p post) text() string {
	var b strings.Builder
	b.WriteString(p.Reply.Title + "\n")
	for _, s := range p.Reply.Sections {
		b.WriteString(s.Heading + "\n")
		for _, l := range s.Lines {
			b.WriteString(l.Text + "\n")
		}
	}
	b.WriteString(p.Reply.Footer)
	return b.String()
}

// fakeChat records posts. failNext makes the next posts fail; before and
// after run around accepting one (they may panic, as a crash would).
type fakeChat struct {
	mu       sync.Mutex
	posts    []post
	failNext int
	before   func()
	after    func()
	errAfter error         // returned after accepting a post
	posted   chan struct{} // optional: signalled after each accepted post
}

func (c *fakeChat) Name() string  { return "fake" }
func (c *fakeChat) CanPost() bool { return true }

func (c *fakeChat) Listen(ctx context.Context, h Handler) error {
	<-ctx.Done()
	return nil
}

func (c *fakeChat) Post(ctx context.Context, to Destination, r Reply) error {
	c.mu.Lock()
	before, after := c.before, c.after
	if c.failNext > 0 {
		c.failNext--
		c.mu.Unlock()
		return errors.New("fake: 503 service unavailable")
	}
	c.mu.Unlock()
	if before != nil {
		before()
	}
	c.mu.Lock()
	c.posts = append(c.posts, post{To: to, Reply: r})
	c.mu.Unlock()
	if after != nil {
		after()
	}
	if c.posted != nil {
		c.posted <- struct{}{}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.errAfter
}

func (c *fakeChat) Posts() []post {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]post(nil), c.posts...)
}

// env is a scheduler over a real store and library, with a temp corpus.
type env struct {
	t       *testing.T
	dataDir string
	corpus  string
	clock   *fakeClock
	chat    *fakeChat
	st      *store.Store
	lib     *briefing.Library
	sched   *Scheduler
	reg     *prometheus.Registry
	waits   []time.Duration
	opt     SchedulerOptions
}

// monday0700 is Monday 2 June 2025, 07:00 UTC.
var monday0700 = time.Date(2025, 6, 2, 7, 0, 0, 0, time.UTC)

// newEnv indexes the named fixture articles three hours before monday0700,
// then sets the clock to monday0700 and makes a scheduler.
func newEnv(t *testing.T, articles ...string) *env {
	t.Helper()
	e := &env{t: t, dataDir: t.TempDir(), corpus: t.TempDir(), clock: &fakeClock{}, chat: &fakeChat{}}
	for _, a := range articles {
		e.addArticle(a)
	}
	e.clock.Set(monday0700.Add(-3 * time.Hour))
	e.open()
	e.clock.Set(monday0700)
	e.newScheduler(SchedulerOptions{})
	return e
}

func (e *env) addArticle(name string) {
	e.t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "schedule", name+".md"))
	if err != nil {
		e.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(e.corpus, name+".md"), data, 0o644); err != nil {
		e.t.Fatal(err)
	}
}

// open opens the store and library on the env's directories.
func (e *env) open() {
	e.t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, e.dataDir)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { st.Close() })
	lib, _, err := briefing.Open(ctx, st, briefing.Options{Corpus: os.DirFS(e.corpus), Now: e.clock.Now})
	if err != nil {
		e.t.Fatal(err)
	}
	e.st, e.lib = st, lib
}

// newScheduler makes a scheduler with opt over the env's store, library,
// chat and clock; waits between retries are recorded, not slept.
func (e *env) newScheduler(opt SchedulerOptions) {
	e.t.Helper()
	e.reg = prometheus.NewRegistry()
	opt.Store, opt.Library, opt.Now, opt.Registerer = e.st, e.lib, e.clock.Now, e.reg
	if opt.Chats == nil {
		opt.Chats = map[string]Chat{"slack": e.chat, "discord": e.chat}
	}
	opt.After = func(d time.Duration) <-chan time.Time {
		e.waits = append(e.waits, d)
		ch := make(chan time.Time, 1)
		ch <- e.clock.Now().Add(d)
		return ch
	}
	s, err := NewScheduler(opt)
	if err != nil {
		e.t.Fatal(err)
	}
	e.sched, e.opt = s, opt
}

// restart simulates a new process: the store and library are opened again
// and a fresh scheduler made with the same options.
func (e *env) restart() {
	e.t.Helper()
	e.st.Close()
	e.open()
	e.newScheduler(e.opt)
}

func (e *env) subscribe(spec, topic string) store.Subscription {
	e.t.Helper()
	sched, err := ParseSchedule(spec, time.UTC)
	if err != nil {
		e.t.Fatal(err)
	}
	sub, err := e.st.CreateSubscription(context.Background(), store.Subscription{
		Platform: "slack", Channel: "C1", Spec: sched.Spec(), TZ: sched.Location().String(), Topic: topic,
	}, e.clock.Now())
	if err != nil {
		e.t.Fatal(err)
	}
	return sub
}

// tick moves the clock to at and runs the scheduler.
func (e *env) tick(at time.Time) {
	e.t.Helper()
	e.clock.Set(at)
	if err := e.sched.Tick(context.Background(), at); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) metric(result string) float64 {
	return testutil.ToFloat64(e.sched.digests.WithLabelValues(result))
}

func (e *env) deliveries(sub string) []store.Delivery {
	e.t.Helper()
	ds, err := e.st.Deliveries(context.Background(), sub)
	if err != nil {
		e.t.Fatal(err)
	}
	return ds
}

func at(h, m int, day int) time.Time {
	return time.Date(2025, 6, day, h, m, 0, 0, time.UTC)
}

func TestSchedulerDeliversEachFireTimeOnce(t *testing.T) {
	e := newEnv(t, "harbour-wind-farm", "rail-timetable")
	sub := e.subscribe("daily 08:00", "")

	e.tick(at(7, 59, 2))
	if n := len(e.chat.Posts()); n != 0 {
		t.Fatalf("%d posts before the first fire time", n)
	}
	e.tick(at(8, 0, 2))
	e.tick(at(8, 0, 2))
	e.tick(at(8, 5, 2))
	posts := e.chat.Posts()
	if len(posts) != 1 {
		t.Fatalf("%d posts for one fire time, want 1", len(posts))
	}
	text := posts[0].text()
	for _, want := range []string{"Briefing for Monday 2 June", "2 new articles", "Port of Calder approves offshore wind farm", "Regional rail operator cuts evening services", "/brief unsubscribe " + sub.ID} {
		if !strings.Contains(text, want) {
			t.Errorf("digest lacks %q:\n%s", want, text)
		}
	}
	if posts[0].To.Channel != "C1" {
		t.Errorf("posted to %q, want C1", posts[0].To.Channel)
	}

	// Tuesday: nothing new, nothing posted, and it is not retried.
	e.tick(at(8, 0, 3))
	e.tick(at(9, 0, 3))
	if n := len(e.chat.Posts()); n != 1 {
		t.Fatalf("%d posts after a day with nothing new, want still 1", n)
	}
	ds := e.deliveries(sub.ID)
	if len(ds) != 2 || ds[1].Status != store.Skipped || ds[1].Reason != store.ReasonEmpty {
		t.Fatalf("deliveries = %+v; want posted, then skipped as empty", ds)
	}

	// A file added to the corpus folder and picked up by a refresh reaches
	// the next digest, alone.
	e.clock.Set(at(10, 0, 3))
	e.addArticle("library-opening")
	if _, err := e.lib.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	e.tick(at(8, 0, 4))
	posts = e.chat.Posts()
	if len(posts) != 2 {
		t.Fatalf("%d posts after a new article, want 2", len(posts))
	}
	text = posts[1].text()
	if !strings.Contains(text, "New central library opens") || strings.Contains(text, "Port of Calder") || !strings.Contains(text, "1 new article") {
		t.Errorf("Wednesday's digest should carry only the new article:\n%s", text)
	}
	if got := e.metric(resultPosted); got != 2 {
		t.Errorf("posted = %v, want 2", got)
	}
	if got := e.metric(resultEmpty); got != 1 {
		t.Errorf("empty = %v, want 1", got)
	}
}

func TestSchedulerTopic(t *testing.T) {
	e := newEnv(t, "harbour-wind-farm", "rail-timetable")
	e.subscribe("daily 08:00", "wind farm")
	e.tick(at(8, 0, 2))
	posts := e.chat.Posts()
	if len(posts) != 1 {
		t.Fatalf("%d posts, want 1", len(posts))
	}
	text := posts[0].text()
	if !strings.Contains(text, "Briefing on wind farm") || !strings.Contains(text, "Port of Calder") || strings.Contains(text, "rail") {
		t.Errorf("topic digest should carry only the wind farm story:\n%s", text)
	}
}

func TestSchedulerPostEmpty(t *testing.T) {
	for _, postEmpty := range []bool{false, true} {
		t.Run(fmt.Sprint("post empty ", postEmpty), func(t *testing.T) {
			e := newEnv(t)
			e.newScheduler(SchedulerOptions{PostEmpty: postEmpty})
			e.subscribe("daily 08:00", "")
			e.tick(at(8, 0, 2))
			posts := e.chat.Posts()
			if !postEmpty {
				if len(posts) != 0 {
					t.Fatalf("posted %q with nothing new", posts[0].text())
				}
				return
			}
			if len(posts) != 1 {
				t.Fatalf("%d posts, want one line", len(posts))
			}
			if r := posts[0].Reply; r.Title != "Briefing for Monday 2 June · nothing new" || len(r.Sections) != 0 {
				t.Errorf("empty digest = %+v, want one line saying nothing is new", r)
			}
		})
	}
}

func TestSchedulerRetries(t *testing.T) {
	e := newEnv(t, "harbour-wind-farm")
	sub := e.subscribe("daily 08:00", "")
	e.chat.failNext = 2
	e.tick(at(8, 0, 2))
	if n := len(e.chat.Posts()); n != 1 {
		t.Fatalf("%d posts after two failures and a success, want 1", n)
	}
	if fmt.Sprint(e.waits) != "[1s 4s]" {
		t.Errorf("waited %v between attempts, want [1s 4s]", e.waits)
	}
	if ds := e.deliveries(sub.ID); ds[0].Status != store.Posted || ds[0].Attempts != 3 {
		t.Errorf("delivery = %+v, want posted after 3 attempts", ds[0])
	}

	// Refused every time: stays pending, retried at the next tick.
	e.waits = nil
	e.chat.failNext = 3
	e.addArticle("rail-timetable")
	e.clock.Set(at(12, 0, 2))
	e.lib.Refresh(context.Background())
	e.tick(at(8, 0, 3))
	if n := len(e.chat.Posts()); n != 1 {
		t.Fatalf("%d posts while the platform refuses, want still 1", n)
	}
	ds := e.deliveries(sub.ID)
	if ds[1].Status != store.Pending || ds[1].Attempts != 3 || !strings.Contains(ds[1].LastError, "503") {
		t.Fatalf("refused delivery = %+v, want pending after 3 attempts with the error", ds[1])
	}
	if e.metric(resultFailed) != 1 {
		t.Errorf("failed = %v, want 1", e.metric(resultFailed))
	}
	e.tick(at(8, 1, 3))
	posts := e.chat.Posts()
	if len(posts) != 2 || !strings.Contains(posts[1].text(), "Regional rail operator") {
		t.Fatalf("the pending digest was not delivered at the next tick: %d posts", len(posts))
	}
	e.tick(at(8, 2, 3))
	if n := len(e.chat.Posts()); n != 2 {
		t.Errorf("%d posts after delivering the pending digest, want 2", n)
	}
}

func TestSchedulerSupersedesStalePending(t *testing.T) {
	e := newEnv(t, "harbour-wind-farm")
	sub := e.subscribe("@every 1h", "")
	e.chat.failNext = 3
	e.tick(at(8, 0, 2)) // first fire time: refused three times
	e.tick(at(9, 0, 2)) // second fire time: its window covers the first
	posts := e.chat.Posts()
	if len(posts) != 1 || !strings.Contains(posts[0].text(), "Port of Calder") {
		t.Fatalf("posts = %d; want one digest carrying the article", len(posts))
	}
	ds := e.deliveries(sub.ID)
	if ds[0].Status != store.Skipped || ds[0].Reason != store.ReasonSuperseded || ds[1].Status != store.Posted {
		t.Errorf("deliveries = %+v; want superseded, posted", ds)
	}
}

func TestSchedulerCatchup(t *testing.T) {
	t.Run("missed within the catch-up limit: posted once at start", func(t *testing.T) {
		e := newEnv(t, "harbour-wind-farm")
		sub := e.subscribe("@every 1h", "")
		// Down from 07:00 to 10:30: 08:00, 09:00 and 10:00 were missed.
		e.clock.Set(at(10, 30, 2))
		e.restart()
		e.tick(at(10, 30, 2))
		posts := e.chat.Posts()
		if len(posts) != 1 || !strings.Contains(posts[0].text(), "Port of Calder") {
			t.Fatalf("%d posts at start, want one carrying everything missed", len(posts))
		}
		ds := e.deliveries(sub.ID)
		if len(ds) != 3 || ds[0].Status != store.Skipped || ds[0].Reason != store.ReasonMissed || ds[2].Status != store.Posted || !ds[2].FireTime.Equal(at(10, 0, 2)) {
			t.Errorf("deliveries = %+v; want 08:00, 09:00 skipped as missed, 10:00 posted", ds)
		}
		if e.metric(resultCaughtUp) != 1 || e.metric(resultSkipped) != 2 || e.metric(resultPosted) != 0 {
			t.Errorf("caught_up, skipped, posted = %v, %v, %v; want 1, 2, 0", e.metric(resultCaughtUp), e.metric(resultSkipped), e.metric(resultPosted))
		}
	})
	t.Run("missed longer ago than the limit: skipped, carried by the next", func(t *testing.T) {
		e := newEnv(t, "harbour-wind-farm")
		sub := e.subscribe("daily 08:00", "")
		e.clock.Set(at(20, 0, 2)) // 12h late, limit 6h
		e.restart()
		e.tick(at(20, 0, 2))
		if n := len(e.chat.Posts()); n != 0 {
			t.Fatalf("%d posts for a digest 12h late, want 0", n)
		}
		if ds := e.deliveries(sub.ID); len(ds) != 1 || ds[0].Reason != store.ReasonMissed {
			t.Fatalf("deliveries = %+v, want one skipped as missed", ds)
		}
		e.tick(at(8, 0, 3))
		posts := e.chat.Posts()
		if len(posts) != 1 || !strings.Contains(posts[0].text(), "Port of Calder") {
			t.Fatalf("the next digest should carry the article the missed one would have: %d posts", len(posts))
		}
	})
}

// errKilled unwinds a test "process" at a crash point.
var errKilled = errors.New("killed")

// TestSchedulerCrash kills delivery at each step (the store is closed, as
// a dying process would leave it, and the goroutine unwinds), restarts from
// the store with a fresh scheduler, and checks the documented guarantee:
// never posted twice, and the article reaches the channel.
func TestSchedulerCrash(t *testing.T) {
	tests := []struct {
		step       string
		postsAfter int    // posts of the fire time once restarted
		status     string // its delivery after the restart
		// whether the next day's digest carries the article again
		repeated bool
	}{
		{step: "before the pending record", postsAfter: 1, status: "posted"},
		{step: "after the pending record", postsAfter: 1, status: "posted"},
		{step: "during the platform call", postsAfter: 0, status: "uncertain", repeated: true},
		{step: "after acceptance, before the posted record", postsAfter: 1, status: "uncertain", repeated: true},
		{step: "after the posted record", postsAfter: 1, status: "posted"},
	}
	for _, tt := range tests {
		t.Run(tt.step, func(t *testing.T) {
			e := newEnv(t, "harbour-wind-farm")
			sub := e.subscribe("daily 08:00", "")
			kill := func() {
				e.st.Close()
				panic(errKilled)
			}
			switch tt.step {
			case "before the pending record":
				e.sched.crash = func(step string) {
					if step == "plan" {
						kill()
					}
				}
			case "after the pending record":
				e.sched.crash = func(step string) {
					if step == "planned" {
						kill()
					}
				}
			case "during the platform call":
				e.chat.before = kill
			case "after acceptance, before the posted record":
				e.chat.after = kill
			case "after the posted record":
				e.sched.crash = func(step string) {
					if step == "marked" {
						kill()
					}
				}
			}
			func() {
				defer func() {
					if r := recover(); r != errKilled {
						t.Fatalf("recovered %v, want the simulated kill", r)
					}
				}()
				e.tick(at(8, 0, 2))
			}()
			e.chat.before, e.chat.after = nil, nil

			// Restarted a minute later, within the catch-up limit.
			e.clock.Set(at(8, 1, 2))
			e.restart()
			e.tick(at(8, 1, 2))
			e.tick(at(8, 2, 2))
			posts := e.chat.Posts()
			if len(posts) != tt.postsAfter {
				t.Fatalf("%d posts of the 08:00 digest after the restart, want %d", len(posts), tt.postsAfter)
			}
			ds := e.deliveries(sub.ID)
			if len(ds) != 1 || string(ds[0].Status) != tt.status {
				t.Fatalf("deliveries = %+v, want one %s", ds, tt.status)
			}

			// The next day: the article reaches the channel in any case.
			e.tick(at(8, 0, 3))
			posts = e.chat.Posts()
			var carried int
			for _, p := range posts {
				if strings.Contains(p.text(), "Port of Calder") {
					carried++
				}
			}
			want := 1
			if tt.repeated && tt.postsAfter == 1 {
				want = 2 // the price of never losing it: seen once more
			}
			if carried != want {
				t.Errorf("the article was posted %d times over two days, want %d", carried, want)
			}
		})
	}
}

func TestSchedulerPanicInPost(t *testing.T) {
	e := newEnv(t, "harbour-wind-farm")
	sub := e.subscribe("daily 08:00", "")
	e.chat.after = func() { panic("adapter bug") }
	func() {
		defer func() { recover() }() // as cron.Recover does
		e.tick(at(8, 0, 2))
	}()
	e.chat.after = nil
	e.tick(at(8, 1, 2))
	if n := len(e.chat.Posts()); n != 1 {
		t.Fatalf("%d posts, want 1: a post that panicked is not sent again", n)
	}
	if ds := e.deliveries(sub.ID); ds[0].Status != store.Uncertain {
		t.Errorf("delivery = %+v, want uncertain", ds[0])
	}
}

func TestSchedulerPartlyPosted(t *testing.T) {
	e := newEnv(t, "harbour-wind-farm")
	sub := e.subscribe("daily 08:00", "")
	e.chat.errAfter = fmt.Errorf("slack: post to C1: message 2 of 2: %w", ErrPartlyPosted)
	e.tick(at(8, 0, 2))
	e.chat.errAfter = nil
	e.tick(at(8, 1, 2))
	if n := len(e.chat.Posts()); n != 1 {
		t.Fatalf("%d posts, want 1: a partly posted digest is not sent again", n)
	}
	if ds := e.deliveries(sub.ID); ds[0].Status != store.Uncertain || ds[0].Attempts != 1 {
		t.Errorf("delivery = %+v, want uncertain after one attempt", ds[0])
	}
	e.tick(at(8, 0, 3))
	if posts := e.chat.Posts(); len(posts) != 2 || !strings.Contains(posts[1].text(), "Port of Calder") {
		t.Errorf("the next digest should carry the partly posted one's article")
	}
}

func TestSchedulerConfigSubscriptions(t *testing.T) {
	e := newEnv(t, "harbour-wind-farm")
	e.newScheduler(SchedulerOptions{ConfigSchedule: "weekdays 09:00 tz Europe/Berlin", ConfigTargets: []Target{{"slack", "C9"}, {"discord", "42"}}})
	e.tick(at(5, 0, 2)) // the configured subscriptions are made at start
	e.tick(at(7, 0, 2)) // 09:00 in Berlin
	posts := e.chat.Posts()
	if len(posts) != 2 || posts[0].To.Channel != "C9" || posts[1].To.Channel != "42" {
		t.Fatalf("posts = %+v, want one to C9 and one to 42", posts)
	}
	if strings.Contains(posts[0].text(), "unsubscribe") {
		t.Errorf("a configured digest suggests unsubscribing from chat:\n%s", posts[0].text())
	}
	sub, err := e.st.Subscription(context.Background(), "config-slack-C9")
	if err != nil || sub.Spec != "weekdays 09:00" || sub.TZ != "Europe/Berlin" {
		t.Fatalf("config subscription = %+v, %v", sub, err)
	}
	// Removed from the configuration: stopped at the next start.
	e.newScheduler(SchedulerOptions{ConfigSchedule: "weekdays 09:00 tz Europe/Berlin", ConfigTargets: []Target{{"slack", "C9"}}})
	e.tick(at(7, 0, 3))
	if sub, _ := e.st.Subscription(context.Background(), "config-discord-42"); sub.Active {
		t.Error("the discord target removed from the configuration is still active")
	}
	if n := len(e.chat.Posts()); n != 2 {
		t.Errorf("%d posts; nothing new on Tuesday, want still 2", n)
	}
}

func TestNewSchedulerErrors(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name string
		opt  SchedulerOptions
		want string
	}{
		{"bad schedule", SchedulerOptions{ConfigSchedule: "daily 8", ConfigTargets: []Target{{"slack", "C1"}}}, `digest schedule "daily 8"`},
		{"bad zone", SchedulerOptions{ConfigSchedule: "daily 08:00 tz Nowhere/City", ConfigTargets: []Target{{"slack", "C1"}}}, "not a known time zone"},
		{"no chat", SchedulerOptions{ConfigSchedule: "daily 08:00", ConfigTargets: []Target{{"discord", "1"}}, Chats: map[string]Chat{"slack": e.chat}}, "no discord connection"},
		{"no store", SchedulerOptions{Library: e.lib}, "required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opt := tt.opt
			if opt.Library == nil {
				opt.Store, opt.Library = e.st, e.lib
			} else {
				opt.Store = nil
			}
			if opt.Chats == nil {
				opt.Chats = map[string]Chat{"slack": e.chat}
			}
			_, err := NewScheduler(opt)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("NewScheduler error = %v, want one mentioning %q", err, tt.want)
			}
		})
	}
}

// TestSchedulerRun runs the real loop: it catches up at start, picks up a
// subscription made from chat, and returns when its context ends.
func TestSchedulerRun(t *testing.T) {
	e := newEnv(t, "harbour-wind-farm")
	e.chat.posted = make(chan struct{}, 10)
	e.subscribe("daily 08:00", "")
	e.clock.Set(at(8, 30, 2)) // the 08:00 digest was missed half an hour ago
	e.restart()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.sched.Run(ctx) }()
	select {
	case <-e.chat.posted:
	case err := <-done:
		t.Fatalf("Run returned %v before catching up", err)
	case <-time.After(20 * time.Second): // a hang, not a timing assertion
		t.Fatal("Run did not catch up the missed digest")
	}
	r := e.sched.Subscribe(ctx, Request{Platform: "slack", Channel: "C2", Text: "subscribe @every 1h"}, "@every 1h")
	if r.Ephemeral {
		t.Fatalf("subscribe while running: %+v", r)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run = %v, want nil", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Run did not return after its context ended")
	}
	if e.metric(resultCaughtUp) != 1 {
		t.Errorf("caught_up = %v, want 1", e.metric(resultCaughtUp))
	}
}

func TestDueTimesLongOutage(t *testing.T) {
	s, _ := ParseSchedule("@every 1s", time.UTC)
	anchor := monday0700
	now := anchor.Add(30 * 24 * time.Hour)
	due, uncounted := dueTimes(s, anchor, now)
	if len(due) != maxMissed+1 || !due[len(due)-1].Equal(now) || uncounted < 10000 {
		t.Errorf("dueTimes over 30 days of @every 1s = %d due (last %s), %d uncounted", len(due), due[len(due)-1], uncounted)
	}
}

// A digest left pending by a crash is not posted days late: the fire times
// missed since supersede it, and the next digest carries its article.
func TestSchedulerStalePendingAfterLongOutage(t *testing.T) {
	e := newEnv(t, "harbour-wind-farm")
	sub := e.subscribe("daily 08:00", "")
	e.sched.crash = func(step string) {
		if step == "planned" {
			e.st.Close()
			panic(errKilled)
		}
	}
	func() {
		defer func() { recover() }()
		e.tick(at(8, 0, 2))
	}()
	e.clock.Set(at(20, 0, 4)) // back two and a half days later
	e.restart()
	e.tick(at(20, 0, 4))
	if n := len(e.chat.Posts()); n != 0 {
		t.Fatalf("%d stale digests posted at start, want 0", n)
	}
	ds := e.deliveries(sub.ID)
	if len(ds) != 3 || ds[0].Reason != store.ReasonSuperseded || ds[2].Reason != store.ReasonMissed {
		t.Fatalf("deliveries = %+v; want superseded, missed, missed", ds)
	}
	e.tick(at(8, 0, 5))
	if posts := e.chat.Posts(); len(posts) != 1 || !strings.Contains(posts[0].text(), "Port of Calder") {
		t.Errorf("the next digest should carry the article of the stale one")
	}
}

// runOne is what cron runs for a subscription at its fire time.
func TestSchedulerCronJob(t *testing.T) {
	e := newEnv(t, "harbour-wind-farm")
	sub := e.subscribe("daily 08:00", "")
	stopped := e.subscribe("daily 08:00", "wind")
	if _, err := e.st.DeactivateSubscription(context.Background(), stopped.ID); err != nil {
		t.Fatal(err)
	}
	if err := e.sched.ready(context.Background()); err != nil {
		t.Fatal(err)
	}
	e.clock.Set(at(8, 0, 2))
	e.sched.runOne(context.Background(), sub.ID)
	e.sched.runOne(context.Background(), stopped.ID)
	e.sched.runOne(context.Background(), sub.ID)
	posts := e.chat.Posts()
	if len(posts) != 1 || strings.Contains(posts[0].text(), "Briefing on wind") {
		t.Fatalf("%d posts; want one, from the active subscription", len(posts))
	}
}
