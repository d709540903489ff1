package schedule

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

	"briefbot/briefing"
	"briefbot/briefing/store"
)

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

// post is one digest a fakePoster accepted.
type post struct {
	Sub    Subscription
	Digest briefing.Digest
}

// text lists what the digest carries: its topic, article count and the
// titles of its stories.
func (p post) text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "topic %q, %d new articles\n", p.Digest.Topic, p.Digest.Articles)
	for _, it := range p.Digest.Items {
		b.WriteString(it.Article.Title + "\n")
	}
	return b.String()
}

// fakePoster records posts. failNext makes the next posts fail; before and
// after run around accepting one (they may panic, as a crash would).
type fakePoster struct {
	mu       sync.Mutex
	posts    []post
	failNext int
	before   func()
	after    func()
	errAfter error         // returned after accepting a post
	posted   chan struct{} // optional: signalled after each accepted post
}

func (c *fakePoster) Post(ctx context.Context, sub Subscription, d briefing.Digest) error {
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
	c.posts = append(c.posts, post{Sub: sub, Digest: d})
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

func (c *fakePoster) Posts() []post {
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
	chat    *fakePoster
	st      *store.Store
	lib     *briefing.Library
	sched   *Scheduler
	reg     *prometheus.Registry
	waits   []time.Duration
	opt     Options
}

// monday0700 is Monday 2 June 2025, 07:00 UTC.
var monday0700 = time.Date(2025, 6, 2, 7, 0, 0, 0, time.UTC)

// newEnv indexes the named fixture articles three hours before monday0700,
// then sets the clock to monday0700 and makes a scheduler.
func newEnv(t *testing.T, articles ...string) *env {
	t.Helper()
	e := &env{t: t, dataDir: t.TempDir(), corpus: t.TempDir(), clock: &fakeClock{}, chat: &fakePoster{}}
	for _, a := range articles {
		e.addArticle(a)
	}
	e.clock.Set(monday0700.Add(-3 * time.Hour))
	e.open()
	e.clock.Set(monday0700)
	e.newScheduler(Options{})
	return e
}

func (e *env) addArticle(name string) {
	e.t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name+".md"))
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
func (e *env) newScheduler(opt Options) {
	e.t.Helper()
	e.reg = prometheus.NewRegistry()
	opt.DB, opt.Library, opt.Now, opt.Registerer = e.st.DB(), e.lib, e.clock.Now, e.reg
	if opt.Poster == nil {
		opt.Poster = e.chat
	}
	if opt.FirstWindow == 0 {
		opt.FirstWindow = 24 * time.Hour
	}
	if opt.Catchup == 0 {
		opt.Catchup = 6 * time.Hour
	}
	opt.After = func(d time.Duration) <-chan time.Time {
		e.waits = append(e.waits, d)
		ch := make(chan time.Time, 1)
		ch <- e.clock.Now().Add(d)
		return ch
	}
	s, err := New(opt)
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

func (e *env) subscribe(spec, topic string) Subscription {
	e.t.Helper()
	sched, err := Parse(spec, time.UTC)
	if err != nil {
		e.t.Fatal(err)
	}
	sub, err := e.sched.Subscribe(context.Background(), Subscription{
		Platform: "slack", Channel: "C1", Spec: sched.Spec(), TZ: sched.Location().String(), Topic: topic,
	})
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

func (e *env) deliveries(sub string) []Delivery {
	e.t.Helper()
	ds, err := e.sched.Deliveries(context.Background(), sub)
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
	for _, want := range []string{"2 new articles", "Port of Calder approves offshore wind farm", "Regional rail operator cuts evening services"} {
		if !strings.Contains(text, want) {
			t.Errorf("digest lacks %q:\n%s", want, text)
		}
	}
	if d := posts[0].Digest; !d.Until.Equal(at(8, 0, 2)) || !d.Since.Equal(at(8, 0, 1)) {
		t.Errorf("window = [%s, %s), want the first window of 24h up to the fire time", d.Since, d.Until)
	}
	if p := posts[0].Sub; p.ID != sub.ID || p.Channel != "C1" {
		t.Errorf("posted for %+v, want subscription %s in C1", p, sub.ID)
	}

	// Tuesday: nothing new, nothing posted, and it is not retried.
	e.tick(at(8, 0, 3))
	e.tick(at(9, 0, 3))
	if n := len(e.chat.Posts()); n != 1 {
		t.Fatalf("%d posts after a day with nothing new, want still 1", n)
	}
	ds := e.deliveries(sub.ID)
	if len(ds) != 2 || ds[1].Status != Skipped || ds[1].Reason != ReasonEmpty {
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
	if !strings.Contains(text, `topic "wind farm"`) || !strings.Contains(text, "Port of Calder") || strings.Contains(text, "rail") {
		t.Errorf("topic digest should carry only the wind farm story:\n%s", text)
	}
}

func TestSchedulerPostEmpty(t *testing.T) {
	for _, postEmpty := range []bool{false, true} {
		t.Run(fmt.Sprint("post empty ", postEmpty), func(t *testing.T) {
			e := newEnv(t)
			e.newScheduler(Options{PostEmpty: postEmpty})
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
			if d := posts[0].Digest; d.Articles != 0 || !d.Until.Equal(at(8, 0, 2)) {
				t.Errorf("empty digest = %+v, want no articles up to the fire time", d)
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
	if ds := e.deliveries(sub.ID); ds[0].Status != Posted || ds[0].Attempts != 3 {
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
	if ds[1].Status != Pending || ds[1].Attempts != 3 || !strings.Contains(ds[1].LastError, "503") {
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
	if ds[0].Status != Skipped || ds[0].Reason != ReasonSuperseded || ds[1].Status != Posted {
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
		if len(ds) != 3 || ds[0].Status != Skipped || ds[0].Reason != ReasonMissed || ds[2].Status != Posted || !ds[2].FireTime.Equal(at(10, 0, 2)) {
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
		if ds := e.deliveries(sub.ID); len(ds) != 1 || ds[0].Reason != ReasonMissed {
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

// Digests interrupted after the platform accepted them, several days in a
// row: each may have been shown, so an article they carry goes into at most
// one later digest (seen at most twice), not into every one of them.
func TestSchedulerInterruptedInARow(t *testing.T) {
	e := newEnv(t, "harbour-wind-farm")
	e.subscribe("daily 08:00", "")
	for day := 2; day <= 4; day++ {
		e.chat.after = func() {
			e.st.Close()
			panic(errKilled)
		}
		killed := func() (killed bool) {
			defer func() {
				r := recover()
				if r != nil && r != errKilled {
					t.Fatalf("day %d: recovered %v, want the simulated kill", day, r)
				}
				killed = r == errKilled
			}()
			e.tick(at(8, 0, day))
			return false
		}()
		e.chat.after = nil
		if killed {
			e.clock.Set(at(8, 1, day))
			e.restart()
			e.tick(at(8, 1, day))
		}
	}
	e.tick(at(8, 0, 5))
	carried := 0
	for _, p := range e.chat.Posts() {
		if strings.Contains(p.text(), "Port of Calder") {
			carried++
		}
	}
	if carried != 2 {
		t.Errorf("the article was shown %d times over four days of digests interrupted after posting, want 2", carried)
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
	if ds := e.deliveries(sub.ID); ds[0].Status != Uncertain {
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
	if ds := e.deliveries(sub.ID); ds[0].Status != Uncertain || ds[0].Attempts != 1 {
		t.Errorf("delivery = %+v, want uncertain after one attempt", ds[0])
	}
	e.tick(at(8, 0, 3))
	if posts := e.chat.Posts(); len(posts) != 2 || !strings.Contains(posts[1].text(), "Port of Calder") {
		t.Errorf("the next digest should carry the partly posted one's article")
	}
}

func TestSchedulerConfigSubscriptions(t *testing.T) {
	e := newEnv(t, "harbour-wind-farm")
	berlinWeekdays, err := Parse("weekdays 09:00 tz Europe/Berlin", nil)
	if err != nil {
		t.Fatal(err)
	}
	e.newScheduler(Options{Config: berlinWeekdays, ConfigTargets: []Target{{"slack", "C9"}, {"discord", "42"}}})
	e.tick(at(5, 0, 2)) // the configured subscriptions are made at start
	e.tick(at(7, 0, 2)) // 09:00 in Berlin
	posts := e.chat.Posts()
	if len(posts) != 2 || posts[0].Sub.Channel != "C9" || posts[1].Sub.Channel != "42" {
		t.Fatalf("posts = %+v, want one to C9 and one to 42", posts)
	}
	if !posts[0].Sub.FromConfig() || posts[0].Sub.Platform != "slack" || posts[1].Sub.Platform != "discord" {
		t.Errorf("posted for %+v and %+v, want the configured slack and discord subscriptions", posts[0].Sub, posts[1].Sub)
	}
	sub, err := e.sched.Subscription(context.Background(), "config-slack-C9")
	if err != nil || sub.Spec != "weekdays 09:00" || sub.TZ != "Europe/Berlin" {
		t.Fatalf("config subscription = %+v, %v", sub, err)
	}
	// Removed from the configuration: stopped at the next start.
	e.newScheduler(Options{Config: berlinWeekdays, ConfigTargets: []Target{{"slack", "C9"}}})
	e.tick(at(7, 0, 3))
	if sub, _ := e.sched.Subscription(context.Background(), "config-discord-42"); sub.Active {
		t.Error("the discord target removed from the configuration is still active")
	}
	if n := len(e.chat.Posts()); n != 2 {
		t.Errorf("%d posts; nothing new on Tuesday, want still 2", n)
	}
}

func TestNewErrors(t *testing.T) {
	e := newEnv(t)
	daily, _ := Parse("daily 08:00", nil)
	valid := func() Options {
		return Options{DB: e.st.DB(), Library: e.lib, Poster: e.chat, FirstWindow: time.Hour, Catchup: time.Hour}
	}
	tests := []struct {
		name string
		edit func(*Options)
		want string
	}{
		{"no database", func(o *Options) { o.DB = nil }, "required"},
		{"no poster", func(o *Options) { o.Poster = nil }, "required"},
		{"no first window", func(o *Options) { o.FirstWindow = 0 }, "FirstWindow 0s is not a positive duration"},
		{"no catch-up limit", func(o *Options) { o.Catchup = 0 }, "Catchup 0s is not a positive duration"},
		{"schedule without targets", func(o *Options) { o.Config = daily }, "needs targets"},
		{"targets without a schedule", func(o *Options) { o.ConfigTargets = []Target{{"slack", "C1"}} }, "needs targets"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opt := valid()
			tt.edit(&opt)
			if _, err := New(opt); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("New error = %v, want one mentioning %q", err, tt.want)
			}
		})
	}
	if _, err := New(valid()); err != nil {
		t.Errorf("New with valid options: %v", err)
	}
}

// A Poster with no way to the platform leaves the delivery pending, with no
// retries, and posts it once it can.
func TestSchedulerNoRoute(t *testing.T) {
	e := newEnv(t, "harbour-wind-farm")
	sub := e.subscribe("daily 08:00", "")
	e.chat.errAfter = fmt.Errorf("post to slack: %w", ErrNoRoute)
	e.tick(at(8, 0, 2))
	if len(e.waits) != 0 {
		t.Errorf("waited %v to retry a post that has no route, want no retries", e.waits)
	}
	if ds := e.deliveries(sub.ID); len(ds) != 1 || ds[0].Status != Pending || !strings.Contains(ds[0].LastError, "no connection") {
		t.Fatalf("deliveries = %+v, want one pending with the reason", ds)
	}
	e.chat.errAfter = nil
	e.tick(at(8, 1, 2))
	if ds := e.deliveries(sub.ID); ds[0].Status != Posted {
		t.Errorf("delivery = %+v, want posted once the poster can", ds[0])
	}
}

// timer is one wait Run asked the injected clock for; the test fires it.
type timer struct {
	d    time.Duration
	fire chan time.Time
}

// hang bounds a wait for something the code under test must do; it is
// not a timing assertion.
const hang = 20 * time.Second

// TestSchedulerRun runs the real loop on the injected clock: it catches up
// at start, waits for the next fire time (at most a sweep), picks up a
// subscription made meanwhile by waiting for its earlier fire time
// instead, delivers it then, and returns when its context ends.
func TestSchedulerRun(t *testing.T) {
	e := newEnv(t, "harbour-wind-farm")
	e.chat.posted = make(chan struct{}, 10)
	e.subscribe("daily 08:00", "")
	e.clock.Set(at(8, 30, 2)) // the 08:00 digest was missed half an hour ago
	e.opt.Sweep = 2 * time.Hour
	e.restart()
	timers := make(chan timer)
	e.sched.opt.After = func(d time.Duration) <-chan time.Time {
		tm := timer{d: d, fire: make(chan time.Time, 1)}
		timers <- tm
		return tm.fire
	}
	nextTimer := func(what string) timer {
		t.Helper()
		select {
		case tm := <-timers:
			return tm
		case <-time.After(hang):
			t.Fatalf("Run did not wait for %s", what)
		}
		return timer{}
	}
	posted := func(what string) post {
		t.Helper()
		select {
		case <-e.chat.posted:
			posts := e.chat.Posts()
			return posts[len(posts)-1]
		case <-time.After(hang):
			t.Fatalf("Run did not post %s", what)
		}
		return post{}
	}

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.sched.Run(ctx) }()
	posted("the missed digest")
	// Tomorrow's 08:00 is further away than the sweep.
	if tm := nextTimer("the sweep"); tm.d != 2*time.Hour {
		t.Errorf("Run waits %s, want the sweep, 2h", tm.d)
	}

	// Subscribed from chat while Run waits: it now waits for 08:45.
	later, err := e.sched.Subscribe(ctx, Subscription{Platform: "slack", Channel: "C2", Spec: "daily 08:45", TZ: "UTC"})
	if err != nil {
		t.Fatal(err)
	}
	tm := nextTimer("the new subscription's fire time")
	if tm.d != 15*time.Minute {
		t.Fatalf("after a subscription made at 08:30 for 08:45, Run waits %s, want 15m", tm.d)
	}
	e.clock.Set(at(8, 45, 2))
	tm.fire <- at(8, 45, 2)
	if p := posted("the new subscription's digest"); p.Sub.ID != later.ID || !strings.Contains(p.text(), "Port of Calder") {
		t.Errorf("posted %s for subscription %s, want the new subscription's first digest", p.text(), p.Sub.ID)
	}
	nextTimer("the next fire time")

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run = %v, want nil", err)
		}
	case <-time.After(hang):
		t.Fatal("Run did not return after its context ended")
	}
	if e.metric(resultCaughtUp) != 1 || e.metric(resultPosted) != 1 {
		t.Errorf("caught_up, posted = %v, %v; want 1, 1", e.metric(resultCaughtUp), e.metric(resultPosted))
	}
}

func TestDueTimesLongOutage(t *testing.T) {
	s, _ := Parse("@every 1s", time.UTC)
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
	if len(ds) != 3 || ds[0].Reason != ReasonSuperseded || ds[2].Reason != ReasonMissed {
		t.Fatalf("deliveries = %+v; want superseded, missed, missed", ds)
	}
	e.tick(at(8, 0, 5))
	if posts := e.chat.Posts(); len(posts) != 1 || !strings.Contains(posts[0].text(), "Port of Calder") {
		t.Errorf("the next digest should carry the article of the stale one")
	}
}

// A stopped subscription is not delivered.
func TestSchedulerUnsubscribed(t *testing.T) {
	e := newEnv(t, "harbour-wind-farm")
	e.subscribe("daily 08:00", "")
	stopped := e.subscribe("daily 08:00", "wind")
	if ok, err := e.sched.Unsubscribe(context.Background(), stopped.ID); !ok || err != nil {
		t.Fatalf("Unsubscribe = %v, %v; want true, nil", ok, err)
	}
	if ok, _ := e.sched.Unsubscribe(context.Background(), stopped.ID); ok {
		t.Error("stopping twice reported the subscription active")
	}
	e.tick(at(8, 0, 2))
	e.tick(at(8, 1, 2))
	posts := e.chat.Posts()
	if len(posts) != 1 || posts[0].Digest.Topic != "" {
		t.Fatalf("%d posts; want one, from the active subscription", len(posts))
	}
}
