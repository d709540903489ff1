package schedule

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"briefbot/briefing"
)

// DigestLibrary is what the Scheduler needs from the briefing library
// (*briefing.Library implements it; its Digest waits for a corpus refresh
// in flight, so a window never closes over articles not yet committed).
type DigestLibrary interface {
	Digest(ctx context.Context, req briefing.DigestRequest) (briefing.Digest, error)
}

// Poster posts a scheduled digest to a subscription's channel: it renders d
// and calls the platform. A nil error means the platform accepted all of
// it. An error wrapping ErrPartlyPosted means it accepted a part: the
// delivery is not sent again (see the package comment). An error wrapping
// ErrNoRoute means nothing was sent because there is no way to post to the
// subscription's platform: the delivery stays pending, without retries
// until the next sweep. Any other error is a refusal, retried with backoff.
// d.Articles is 0 only when empty digests are posted (Options.PostEmpty).
// Post may be called for several subscriptions at once.
type Poster interface {
	Post(ctx context.Context, sub Subscription, d briefing.Digest) error
}

// ErrPartlyPosted is wrapped by a Poster's error when the platform accepted
// part of the digest (a long digest split over several messages) before
// failing. Such a delivery is not sent again, which would repeat the
// accepted part: it is recorded as uncertain and its articles go into the
// next digest.
var ErrPartlyPosted = errors.New("digest partly posted")

// ErrNoRoute is wrapped by a Poster's error when it cannot post to the
// subscription's platform at all (no connection with a bot token).
var ErrNoRoute = errors.New("no connection to post with")

// Target is a channel on a platform, where the configured schedule posts.
type Target struct {
	Platform string // "slack" or "discord"
	Channel  string
}

// ConfigPrefix starts the id of every subscription that comes from the
// configuration: "config-slack-C0123".
const ConfigPrefix = "config-"

// FromConfig reports whether sub comes from the configuration rather than
// from chat (which cannot stop it).
func (sub Subscription) FromConfig() bool { return strings.HasPrefix(sub.ID, ConfigPrefix) }

// Schedule parses sub's stored schedule in its zone.
func (sub Subscription) Schedule() (Schedule, error) {
	loc, err := LoadZone(sub.TZ)
	if err != nil {
		return Schedule{}, err
	}
	return Parse(sub.Spec, loc)
}

// Options configure a Scheduler. DB, Library, Poster, FirstWindow and
// Catchup are required: their defaults live in the configuration.
type Options struct {
	DB      *sql.DB // the store's (store.DB: immediate transactions, busy timeout); the tables are created in it
	Library DigestLibrary
	Poster  Poster

	FirstWindow time.Duration // what a subscription's first digest covers
	Catchup     time.Duration // how late a missed digest is still sent
	PostEmpty   bool          // post "nothing new" instead of staying quiet

	// Config and ConfigTargets are the configured schedule (zero: none)
	// and where it posts: one subscription per target, with the id
	// ConfigPrefix+platform+"-"+channel, created or updated when the
	// scheduler starts, and stopped when no longer configured.
	Config        Schedule
	ConfigTargets []Target

	Log        *slog.Logger          // nil: discard
	Registerer prometheus.Registerer // for briefbot_digests_total; nil: not registered

	// The clock, injected by tests; default time.Now and time.After.
	// After is how Run waits for the next fire time or sweep, and how a
	// failed post waits before its retry.
	Now   func() time.Time
	After func(d time.Duration) <-chan time.Time
	// Backoff is the wait before each retry of a failed post; its length
	// is the number of retries. Default 1s, 4s: three attempts.
	Backoff []time.Duration
	// Sweep is the longest Run waits before it looks for due and pending
	// deliveries again (retrying refused ones); default 1m.
	Sweep       time.Duration
	PostTimeout time.Duration // for one Post; default 30s
}

// Scheduler keeps the subscriptions and delivers their digests, built with
// the library and posted through the Poster, with the guarantee of the
// package comment. Its methods are safe for concurrent use.
type Scheduler struct {
	opt     Options
	st      *tables
	log     *slog.Logger
	digests *prometheus.CounterVec
	started time.Time
	config  []Subscription
	changed chan struct{} // subscriptions were added or removed

	initMu sync.Mutex
	inited bool

	locksMu sync.Mutex
	locks   map[string]*subLock // one delivery run per subscription at a time

	parsedMu sync.Mutex
	parsed   map[[2]string]Schedule // stored (spec, tz) -> schedule

	crash func(step string)        // tests: simulate a crash at a step
	woke  func(wait time.Duration) // tests: Run is about to wait this long
}

// Digest outcomes, the result label of briefbot_digests_total.
const (
	resultPosted   = "posted"    // posted on time
	resultCaughtUp = "caught_up" // posted at start for a fire time missed while down
	resultSkipped  = "skipped"   // missed longer ago than Catchup, or superseded
	resultEmpty    = "empty"     // nothing new: not posted
	resultFailed   = "failed"    // the platform refused every attempt: stays pending
)

// New checks the options and returns a Scheduler. It does no I/O: the
// tables are created when missing, and the configured subscriptions
// synced, by the first call that uses them; nothing is delivered until Run
// (or Tick).
func New(opt Options) (*Scheduler, error) {
	var errs []error
	if opt.DB == nil || opt.Library == nil || opt.Poster == nil {
		errs = append(errs, errors.New("DB, Library and Poster are required"))
	}
	if opt.FirstWindow <= 0 {
		errs = append(errs, fmt.Errorf("FirstWindow %s is not a positive duration", opt.FirstWindow))
	}
	if opt.Catchup <= 0 {
		errs = append(errs, fmt.Errorf("Catchup %s is not a positive duration", opt.Catchup))
	}
	if opt.Config.IsZero() != (len(opt.ConfigTargets) == 0) {
		errs = append(errs, errors.New("a configured schedule needs targets, and targets a schedule"))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("schedule: %w", err)
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.After == nil {
		opt.After = time.After
	}
	if opt.Backoff == nil {
		opt.Backoff = []time.Duration{time.Second, 4 * time.Second}
	}
	if opt.Sweep <= 0 {
		opt.Sweep = time.Minute
	}
	if opt.PostTimeout <= 0 {
		opt.PostTimeout = 30 * time.Second
	}
	s := &Scheduler{
		opt:     opt,
		st:      &tables{db: opt.DB},
		log:     opt.Log,
		started: opt.Now(),
		changed: make(chan struct{}, 1),
		locks:   map[string]*subLock{},
		parsed:  map[[2]string]Schedule{},
		digests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "briefbot_digests_total",
			Help: "Scheduled digests by result: posted, caught_up (posted late, after a restart), skipped, empty, failed (stays pending).",
		}, []string{"result"}),
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	for _, r := range []string{resultPosted, resultCaughtUp, resultSkipped, resultEmpty, resultFailed} {
		s.digests.WithLabelValues(r)
	}
	if opt.Registerer != nil {
		if err := opt.Registerer.Register(s.digests); err != nil {
			return nil, fmt.Errorf("schedule: register metrics: %w", err)
		}
	}
	for _, t := range opt.ConfigTargets {
		s.config = append(s.config, Subscription{
			ID: ConfigPrefix + t.Platform + "-" + t.Channel, Platform: t.Platform, Channel: t.Channel,
			Spec: opt.Config.Spec(), TZ: opt.Config.Location().String(),
		})
	}
	return s, nil
}

// Subscribe stores sub (its Platform, Channel, Spec, TZ and Topic) as a new
// active subscription, numbered "1", "2", ... (never reused), created now.
// A running Run picks it up at once.
func (s *Scheduler) Subscribe(ctx context.Context, sub Subscription) (Subscription, error) {
	if err := s.ready(ctx); err != nil {
		return Subscription{}, err
	}
	sub.ID = ""
	sub, err := s.st.CreateSubscription(ctx, sub, s.opt.Now())
	if err != nil {
		return Subscription{}, err
	}
	s.notify()
	return sub, nil
}

// Unsubscribe stops a subscription; its pending deliveries are skipped. It
// reports whether the subscription was active. A running Run stops firing
// it at once.
func (s *Scheduler) Unsubscribe(ctx context.Context, id string) (bool, error) {
	if err := s.ready(ctx); err != nil {
		return false, err
	}
	ok, err := s.st.DeactivateSubscription(ctx, id)
	if ok {
		s.notify()
	}
	return ok, err
}

// Subscriptions returns the subscriptions matching f, oldest first.
func (s *Scheduler) Subscriptions(ctx context.Context, f SubscriptionFilter) ([]Subscription, error) {
	if err := s.ready(ctx); err != nil {
		return nil, err
	}
	return s.st.Subscriptions(ctx, f)
}

// Subscription returns one subscription, active or not; an error wrapping
// ErrNotFound when there is none with that id.
func (s *Scheduler) Subscription(ctx context.Context, id string) (Subscription, error) {
	if err := s.ready(ctx); err != nil {
		return Subscription{}, err
	}
	return s.st.Subscription(ctx, id)
}

// Deliveries returns sub's deliveries in the given states (all when none
// is given), oldest fire time first.
func (s *Scheduler) Deliveries(ctx context.Context, sub string, states ...DeliveryStatus) ([]Delivery, error) {
	if err := s.ready(ctx); err != nil {
		return nil, err
	}
	return s.st.Deliveries(ctx, sub, states...)
}

// Run delivers digests until ctx is done. It first catches up (Tick at
// now), then wakes at each subscription's next fire time, and at least
// every Sweep to retry pending deliveries, and delivers what is due; each
// subscription is delivered in its own goroutine, one run at a time, and a
// panic in one is logged and recovered. Subscriptions added or removed
// with Subscribe and Unsubscribe are picked up at once. When ctx is done
// it waits for running deliveries (a platform call in flight is finished,
// not cut off) and returns nil; it fails only when the tables cannot be
// prepared.
func (s *Scheduler) Run(ctx context.Context) error {
	if err := s.ready(ctx); err != nil {
		return err
	}
	var wg sync.WaitGroup
	defer wg.Wait()
	s.tickAll(ctx, &wg, s.opt.Now(), "catch up")
	s.log.Info("scheduled digests running")
	for {
		now := s.opt.Now()
		wait := s.opt.Sweep
		if next := s.nextFire(ctx, now); !next.IsZero() && next.Sub(now) < wait {
			wait = max(next.Sub(now), 0)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-s.changed:
		case <-s.opt.After(wait):
			s.tickAll(ctx, &wg, s.opt.Now(), "tick")
		}
	}
}

// tickAll processes each active subscription as of now in its own
// goroutine (one already being delivered is left to its run), tracked by
// wg.
func (s *Scheduler) tickAll(ctx context.Context, wg *sync.WaitGroup, now time.Time, what string) {
	subs, err := s.st.Subscriptions(ctx, SubscriptionFilter{Active: true})
	if err != nil {
		s.log.Error("scheduled digests: "+what, "error", err.Error())
		return
	}
	for _, sub := range subs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				if r := recover(); r != nil {
					s.log.Error("scheduled digest: panic", "subscription", sub.ID, "panic", fmt.Sprint(r))
				}
			}()
			if err := s.process(ctx, sub, now); err != nil {
				s.log.Error("scheduled digest", "subscription", sub.ID, "error", err.Error())
			}
		}()
	}
}

// nextFire is the earliest fire time after now of the active
// subscriptions; zero when none fires again (or they cannot be loaded:
// the sweep tries again).
func (s *Scheduler) nextFire(ctx context.Context, now time.Time) time.Time {
	subs, err := s.st.Subscriptions(ctx, SubscriptionFilter{Active: true})
	if err != nil {
		if ctx.Err() == nil {
			s.log.Error("scheduled digests: load subscriptions", "error", err.Error())
		}
		return time.Time{}
	}
	var next time.Time
	for _, sub := range subs {
		sched, err := s.schedule(sub)
		if err != nil {
			continue // logged when processed
		}
		if t := sched.Next(now); !t.IsZero() && (next.IsZero() || t.Before(next)) {
			next = t
		}
	}
	return next
}

// Tick processes every active subscription as of now: it records fire
// times that came due (catching up or skipping missed ones) and delivers
// pending digests, one subscription after the other. Tests call it with an
// injected clock. A subscription being delivered by another call is left
// to it.
func (s *Scheduler) Tick(ctx context.Context, now time.Time) error {
	if err := s.ready(ctx); err != nil {
		return err
	}
	subs, err := s.st.Subscriptions(ctx, SubscriptionFilter{Active: true})
	if err != nil {
		return fmt.Errorf("schedule: %w", err)
	}
	var errs []error
	for _, sub := range subs {
		if err := s.process(ctx, sub, now); err != nil {
			errs = append(errs, fmt.Errorf("schedule: subscription %s: %w", sub.ID, err))
		}
	}
	return errors.Join(errs...)
}

// ready prepares the tables once: they are created when missing,
// deliveries left posting by a previous process become uncertain, and the
// configured subscriptions are synced.
func (s *Scheduler) ready(ctx context.Context) error {
	s.initMu.Lock()
	defer s.initMu.Unlock()
	if s.inited {
		return nil
	}
	if err := s.st.create(ctx); err != nil {
		return err
	}
	lost, err := s.st.RecoverPosting(ctx)
	if err != nil {
		return err
	}
	for _, d := range lost {
		s.log.Error("scheduled digest was interrupted while posting: not sending it again; its articles go into the next digest",
			"subscription", d.Subscription, "fire_time", d.FireTime, "attempts", d.Attempts)
	}
	if err := s.st.SyncSubscriptions(ctx, ConfigPrefix, s.config, s.opt.Now()); err != nil {
		return err
	}
	s.inited = true
	return nil
}

// subLock lets one call at a time deliver a subscription; again asks the
// holder to go round once more.
type subLock struct {
	mu    sync.Mutex
	again atomic.Bool
}

// lock returns a subscription's delivery lock.
func (s *Scheduler) lock(id string) *subLock {
	s.locksMu.Lock()
	defer s.locksMu.Unlock()
	l := s.locks[id]
	if l == nil {
		l = &subLock{}
		s.locks[id] = l
	}
	return l
}

// schedule is sub's parsed schedule, parsed once for each stored (spec,
// zone).
func (s *Scheduler) schedule(sub Subscription) (Schedule, error) {
	key := [2]string{sub.Spec, sub.TZ}
	s.parsedMu.Lock()
	defer s.parsedMu.Unlock()
	if sched, ok := s.parsed[key]; ok {
		return sched, nil
	}
	sched, err := sub.Schedule()
	if err != nil {
		return Schedule{}, err
	}
	s.parsed[key] = sched
	return sched, nil
}

// maxMissed bounds the skipped deliveries recorded for one long outage.
const maxMissed = 100

// process records the fire times of sub due by now and delivers its
// pending digests. When another call is delivering sub, that call goes
// round again, at its clock's now, once it is done: a fire time that comes
// due meanwhile is not left to the next sweep.
func (s *Scheduler) process(ctx context.Context, sub Subscription, now time.Time) error {
	l := s.lock(sub.ID)
	l.again.Store(true)
	for l.again.Load() {
		if !l.mu.TryLock() {
			return nil // the holder sees again
		}
		err := func() error {
			defer l.mu.Unlock()
			for first := true; l.again.Swap(false); first = false {
				at := now
				if !first {
					at = s.opt.Now()
				}
				if err := s.processLocked(ctx, sub, at); err != nil {
					return err
				}
			}
			return nil
		}()
		if err != nil {
			return err
		}
	}
	return nil
}

// processLocked is process under sub's lock.
func (s *Scheduler) processLocked(ctx context.Context, sub Subscription, now time.Time) error {
	sched, err := s.schedule(sub)
	if err != nil {
		return err
	}
	anchor, err := s.st.LastFireTime(ctx, sub.ID)
	if err != nil {
		return err
	}
	if anchor.Before(sub.Created) {
		anchor = sub.Created
	}
	due, uncounted := dueTimes(sched, anchor, now)
	if len(due) > 0 {
		latest := due[len(due)-1]
		missed := due[:len(due)-1]
		if now.Sub(latest) > s.opt.Catchup {
			missed = due
		}
		for _, f := range missed {
			s.crashPoint("skip")
			if err := s.st.SkipDelivery(ctx, sub.ID, f, s.opt.FirstWindow, ReasonMissed); err != nil {
				return err
			}
		}
		if n := len(missed) + uncounted; n > 0 && len(missed) > 0 {
			s.digests.WithLabelValues(resultSkipped).Add(float64(n))
			s.log.Warn("scheduled digests missed while down are skipped; the next digest covers their articles",
				"subscription", sub.ID, "missed", n, "latest_missed", missed[len(missed)-1], "catchup", s.opt.Catchup.String())
		}
		if len(missed) < len(due) {
			s.crashPoint("plan")
			if _, err := s.st.PlanDelivery(ctx, sub.ID, latest, s.opt.FirstWindow); err != nil {
				return err
			}
			s.crashPoint("planned")
		}
	}
	pending, err := s.st.Deliveries(ctx, sub.ID, Pending)
	if err != nil {
		return err
	}
	for _, d := range pending {
		if err := s.deliver(ctx, sub, d); err != nil {
			return err
		}
	}
	return nil
}

// dueTimes returns the fire times of sched in (anchor, now]: the latest
// maxMissed+1 of them, and how many earlier ones were left out. After a long
// outage of a frequent schedule the walk jumps ahead to a day before now,
// so the count left out is then a lower bound.
func dueTimes(sched Schedule, anchor, now time.Time) (due []time.Time, uncounted int) {
	const walkLimit = 10000
	walked := 0
	for t := sched.Next(anchor); !t.IsZero() && !t.After(now); t = sched.Next(t) {
		if walked++; walked == walkLimit {
			if jump := now.Add(-24 * time.Hour); jump.After(t) {
				uncounted += len(due) + 1
				due = due[:0]
				t = jump
				continue
			}
		}
		if len(due) > maxMissed {
			due = due[1:]
			uncounted++
		}
		due = append(due, t)
	}
	return due, uncounted
}

// deliver builds and posts one pending delivery. Errors are failures of
// the tables; a platform refusing the post is logged and leaves it pending.
func (s *Scheduler) deliver(ctx context.Context, sub Subscription, d Delivery) error {
	log := s.log.With("subscription", sub.ID, "platform", sub.Platform, "channel", sub.Channel, "fire_time", d.FireTime)
	dg, err := s.opt.Library.Digest(ctx, briefing.DigestRequest{Since: d.Since, Until: d.Until, Topic: sub.Topic})
	if err != nil {
		s.digests.WithLabelValues(resultFailed).Inc()
		log.Error("scheduled digest: build digest; it stays pending", "error", err.Error())
		return nil
	}
	// Whatever happens from here is recorded, even while shutting down.
	wctx := context.WithoutCancel(ctx)
	if dg.Articles == 0 && !s.opt.PostEmpty {
		if err := s.st.MarkEmpty(wctx, sub.ID, d.FireTime); err != nil && !errors.Is(err, ErrNotPending) {
			return err
		}
		s.digests.WithLabelValues(resultEmpty).Inc()
		log.Info("scheduled digest: nothing new, not posted", "since", d.Since)
		return nil
	}
	for attempt := 0; ; attempt++ {
		if err := s.st.BeginPost(wctx, sub.ID, d.FireTime); errors.Is(err, ErrNotPending) {
			return nil
		} else if err != nil {
			return err
		}
		err := s.post(wctx, sub, d, dg)
		if err == nil {
			s.crashPoint("accepted")
			if err := s.st.MarkPosted(wctx, sub.ID, d.FireTime, s.opt.Now()); err != nil {
				return err
			}
			s.crashPoint("marked")
			result := resultPosted
			if d.FireTime.Before(s.started) {
				result = resultCaughtUp
			}
			s.digests.WithLabelValues(result).Inc()
			log.Info("scheduled digest posted", "articles", dg.Articles, "since", d.Since, "result", result, "attempts", d.Attempts+attempt+1)
			return nil
		}
		if errors.Is(err, ErrPartlyPosted) {
			if merr := s.st.MarkUncertain(wctx, sub.ID, d.FireTime, err.Error()); merr != nil {
				return merr
			}
			s.digests.WithLabelValues(resultFailed).Inc()
			log.Error("scheduled digest partly posted: not sending it again; its articles go into the next digest", "error", err.Error())
			return nil
		}
		if ferr := s.st.FailPost(wctx, sub.ID, d.FireTime, err.Error()); ferr != nil {
			return ferr
		}
		if errors.Is(err, ErrNoRoute) {
			s.digests.WithLabelValues(resultFailed).Inc()
			log.Error("scheduled digest cannot be posted; it stays pending", "error", err.Error())
			return nil
		}
		if attempt >= len(s.opt.Backoff) {
			s.digests.WithLabelValues(resultFailed).Inc()
			log.Error("scheduled digest not accepted; it stays pending and is retried at the next sweep",
				"error", err.Error(), "attempts", attempt+1)
			return nil
		}
		log.Warn("scheduled digest not accepted; retrying", "error", err.Error(), "attempt", attempt+1, "wait", s.opt.Backoff[attempt].String())
		select {
		case <-ctx.Done():
			return nil
		case <-s.opt.After(s.opt.Backoff[attempt]):
		}
	}
}

// post calls the Poster. Should the call panic, the delivery is marked
// uncertain (it may have been posted) before the panic goes on.
func (s *Scheduler) post(ctx context.Context, sub Subscription, d Delivery, dg briefing.Digest) (err error) {
	ok := false
	defer func() {
		if !ok && err == nil {
			if merr := s.st.MarkUncertain(ctx, sub.ID, d.FireTime, "panic while posting"); merr != nil {
				s.log.Error("scheduled digest: record interrupted post", "subscription", sub.ID, "error", merr.Error())
			}
		}
	}()
	s.crashPoint("post")
	pctx, cancel := context.WithTimeout(ctx, s.opt.PostTimeout)
	defer cancel()
	err = s.opt.Poster.Post(pctx, sub, dg)
	ok = true
	return err
}

func (s *Scheduler) crashPoint(step string) {
	if s.crash != nil {
		s.crash(step)
	}
}

// notify tells Run that subscriptions changed.
func (s *Scheduler) notify() {
	select {
	case s.changed <- struct{}{}:
	default:
	}
}
