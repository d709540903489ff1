package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/robfig/cron/v3"

	"briefbot/briefing"
	"briefbot/briefing/store"
)

// DigestLibrary is what the Scheduler needs from the briefing library
// (*briefing.Library implements it; its Digest waits for a corpus refresh
// in flight, so a window never closes over articles not yet committed).
type DigestLibrary interface {
	Digest(ctx context.Context, req briefing.DigestRequest) (briefing.Digest, error)
}

// Target is a channel on a platform, where a configured schedule posts.
type Target struct {
	Platform string // "slack" or "discord"
	Channel  string
}

// ErrPartlyPosted is wrapped by a Chat's Post error when the platform
// accepted part of the reply (a long digest split over several messages)
// before failing. The scheduler does not send such a delivery again, which
// would repeat the accepted part: it is recorded as uncertain and its
// articles go into the next digest.
var ErrPartlyPosted = errors.New("reply partly posted")

// ConfigPrefix starts the id of every subscription that comes from the
// configuration: "config-slack-C0123".
const ConfigPrefix = "config-"

// SchedulerOptions configure a Scheduler. Store and Library are required.
type SchedulerOptions struct {
	Store   *store.Store
	Library DigestLibrary
	Chats   map[string]Chat // by platform: "slack", "discord"

	Location    *time.Location // zone of schedules that name none; default UTC
	FirstWindow time.Duration  // what a subscription's first digest covers; default 24h
	Catchup     time.Duration  // how late a missed digest is still sent; default 6h
	PostEmpty   bool           // post "nothing new" instead of staying quiet

	// ConfigSchedule and ConfigTargets are the schedule from the
	// configuration and where it posts: one subscription per target, with
	// the id ConfigPrefix+platform+"-"+channel, created or updated when
	// the scheduler starts, and stopped when no longer configured.
	ConfigSchedule string
	ConfigTargets  []Target

	Log        *slog.Logger
	Registerer prometheus.Registerer // for briefbot_digests_total; nil: not registered

	Now   func() time.Time                       // default time.Now
	After func(d time.Duration) <-chan time.Time // waits between retries; default time.After
	// Backoff is the wait before each retry of a failed post; its length
	// is the number of retries. Default 1s, 4s: three attempts.
	Backoff []time.Duration
	// Sweep is how often Run retries pending deliveries and looks for due
	// ones it may have missed; default 1m.
	Sweep       time.Duration
	PostTimeout time.Duration // for one platform call; default 30s
}

// Scheduler delivers scheduled digests to their channels. Digests are
// built with the library and posted through the Chat of the
// subscription's platform.
//
// Guarantee: each (subscription, fire time) is posted at most once, and
// the articles of a fire time that is not posted are carried by the
// subscription's next digest, never lost. The delivery is recorded as
// pending, with its window, before anything is posted; as posting just
// before the platform is called; and as posted, with the subscription's
// last delivered window end advanced in the same transaction, once the
// platform accepts it. A post the platform refuses (an error from
// Chat.Post: 429, 5xx, network) is retried with backoff (1s, 4s), then
// stays pending and is retried at the next sweep, until it is accepted or
// a later fire time of the subscription comes due (that digest's window
// covers it, so the pending one is superseded). After a crash or kill -9:
//   - before the pending record: the fire time is caught up at start when
//     it is at most Catchup old (otherwise skipped, and carried as above);
//   - after it, before the platform call: it is posted at start (or
//     superseded, when later fire times were missed meanwhile);
//   - during the platform call, or after acceptance but before the posted
//     record: it is not sent again. It is marked uncertain and logged, and
//     its window is not counted as delivered, so its articles are also in
//     the subscription's next digest: at worst seen twice, never lost;
//   - after the posted record: nothing is left to do.
//
// The same holds for a Post that panics, or that fails with
// ErrPartlyPosted. What no client can tell apart: a Post that returns an
// error although the platform did accept the message (a response lost to
// a timeout) is retried, and shows twice.
//
// Fire times missed while the bot was down are caught up once at start:
// the latest of them, when it is at most Catchup old, carries everything
// since the last delivered digest; the others are recorded as skipped and
// logged.
type Scheduler struct {
	opt     SchedulerOptions
	st      *store.Store
	log     *slog.Logger
	digests *prometheus.CounterVec
	started time.Time
	config  []store.Subscription
	changed chan struct{} // subscriptions were added or removed

	initMu sync.Mutex
	inited bool

	locksMu sync.Mutex
	locks   map[string]*sync.Mutex // one delivery run per subscription at a time

	crash func(step string) // tests: simulate a crash at a step
}

// Digest outcomes, the result label of briefbot_digests_total.
const (
	resultPosted   = "posted"    // posted on time
	resultCaughtUp = "caught_up" // posted at start for a fire time missed while down
	resultSkipped  = "skipped"   // missed longer ago than Catchup, or superseded
	resultEmpty    = "empty"     // nothing new: not posted
	resultFailed   = "failed"    // the platform refused every attempt: stays pending
)

// NewScheduler checks the options and returns a Scheduler; nothing runs
// until Run (or Tick). The configured schedule is parsed in Location; an
// error says what is wrong with it.
func NewScheduler(opt SchedulerOptions) (*Scheduler, error) {
	if opt.Store == nil || opt.Library == nil {
		return nil, errors.New("scheduler: Store and Library are required")
	}
	if opt.Location == nil {
		opt.Location = time.UTC
	}
	if opt.FirstWindow <= 0 {
		opt.FirstWindow = 24 * time.Hour
	}
	if opt.Catchup <= 0 {
		opt.Catchup = 6 * time.Hour
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
		st:      opt.Store,
		log:     opt.Log,
		started: opt.Now(),
		changed: make(chan struct{}, 1),
		locks:   map[string]*sync.Mutex{},
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
			return nil, fmt.Errorf("scheduler: register metrics: %w", err)
		}
	}
	if opt.ConfigSchedule != "" {
		sched, err := ParseSchedule(opt.ConfigSchedule, opt.Location)
		if err != nil {
			return nil, fmt.Errorf("scheduler: digest schedule %q: %w", opt.ConfigSchedule, err)
		}
		for _, t := range opt.ConfigTargets {
			if opt.Chats[t.Platform] == nil {
				return nil, fmt.Errorf("scheduler: digest channel %s:%s: no %s connection to post with", t.Platform, t.Channel, t.Platform)
			}
			s.config = append(s.config, store.Subscription{
				ID: ConfigPrefix + t.Platform + "-" + t.Channel, Platform: t.Platform, Channel: t.Channel,
				Spec: sched.Spec(), TZ: sched.Location().String(),
			})
		}
	}
	return s, nil
}

// Run delivers digests until ctx is done. It first catches up (Tick at
// now), then lets robfig/cron fire each subscription at its times, with
// Recover and SkipIfStillRunning, plus a sweep every Sweep that retries
// pending deliveries. Subscriptions added or removed from chat are picked
// up at once. When ctx is done it stops cron and waits for running
// deliveries (a platform call in flight is finished, not cut off), then
// returns nil; it fails only when the store cannot be prepared.
func (s *Scheduler) Run(ctx context.Context) error {
	if err := s.ready(ctx); err != nil {
		return err
	}
	if err := s.Tick(ctx, s.opt.Now()); err != nil {
		s.log.Error("scheduled digests: catch up", "error", err.Error())
	}
	logger := cronLogger{s.log}
	c := cron.New(cron.WithLocation(time.UTC), cron.WithLogger(logger),
		cron.WithChain(cron.Recover(logger), cron.SkipIfStillRunning(logger)))
	c.Schedule(cron.Every(s.opt.Sweep), cron.FuncJob(func() {
		if err := s.Tick(ctx, s.opt.Now()); err != nil {
			s.log.Error("scheduled digests: sweep", "error", err.Error())
		}
	}))
	type entry struct {
		id       cron.EntryID
		spec, tz string
	}
	entries := map[string]entry{}
	resync := func() {
		subs, err := s.st.Subscriptions(ctx, store.SubscriptionFilter{Active: true})
		if err != nil {
			s.log.Error("scheduled digests: load subscriptions", "error", err.Error())
			return
		}
		want := map[string]bool{}
		for _, sub := range subs {
			want[sub.ID] = true
			if e, ok := entries[sub.ID]; ok && e.spec == sub.Spec && e.tz == sub.TZ {
				continue
			} else if ok {
				c.Remove(e.id)
			}
			sched, err := s.schedule(sub)
			if err != nil {
				s.log.Error("scheduled digests: bad stored schedule", "subscription", sub.ID, "error", err.Error())
				continue
			}
			id := sub.ID
			eid := c.Schedule(sched, cron.FuncJob(func() { s.runOne(ctx, id) }))
			entries[id] = entry{id: eid, spec: sub.Spec, tz: sub.TZ}
		}
		for id, e := range entries {
			if !want[id] {
				c.Remove(e.id)
				delete(entries, id)
			}
		}
	}
	resync()
	c.Start()
	s.log.Info("scheduled digests running", "subscriptions", len(entries))
	for {
		select {
		case <-ctx.Done():
			<-c.Stop().Done()
			return nil
		case <-s.changed:
			resync()
		}
	}
}

// runOne is a subscription's cron job.
func (s *Scheduler) runOne(ctx context.Context, id string) {
	sub, err := s.st.Subscription(ctx, id)
	if err != nil {
		s.log.Error("scheduled digest: load subscription", "subscription", id, "error", err.Error())
		return
	}
	if !sub.Active {
		return
	}
	if err := s.process(ctx, sub, s.opt.Now()); err != nil {
		s.log.Error("scheduled digest", "subscription", id, "error", err.Error())
	}
}

// Tick processes every active subscription as of now: it records fire
// times that came due (catching up or skipping missed ones) and delivers
// pending digests. Run calls it at start and at each sweep; tests call it
// with an injected clock. A subscription being delivered by another call
// is left to it.
func (s *Scheduler) Tick(ctx context.Context, now time.Time) error {
	if err := s.ready(ctx); err != nil {
		return err
	}
	subs, err := s.st.Subscriptions(ctx, store.SubscriptionFilter{Active: true})
	if err != nil {
		return fmt.Errorf("scheduler: %w", err)
	}
	var errs []error
	for _, sub := range subs {
		if err := s.process(ctx, sub, now); err != nil {
			errs = append(errs, fmt.Errorf("scheduler: subscription %s: %w", sub.ID, err))
		}
	}
	return errors.Join(errs...)
}

// ready prepares the store once: deliveries left posting by a previous
// process become uncertain, and the configured subscriptions are synced.
func (s *Scheduler) ready(ctx context.Context) error {
	s.initMu.Lock()
	defer s.initMu.Unlock()
	if s.inited {
		return nil
	}
	lost, err := s.st.RecoverPosting(ctx)
	if err != nil {
		return fmt.Errorf("scheduler: %w", err)
	}
	for _, d := range lost {
		s.log.Error("scheduled digest was interrupted while posting: not sending it again; its articles go into the next digest",
			"subscription", d.Subscription, "fire_time", d.FireTime, "attempts", d.Attempts)
	}
	if err := s.st.SyncSubscriptions(ctx, ConfigPrefix, s.config, s.opt.Now()); err != nil {
		return fmt.Errorf("scheduler: %w", err)
	}
	s.inited = true
	return nil
}

// lock returns a subscription's delivery lock.
func (s *Scheduler) lock(id string) *sync.Mutex {
	s.locksMu.Lock()
	defer s.locksMu.Unlock()
	l := s.locks[id]
	if l == nil {
		l = &sync.Mutex{}
		s.locks[id] = l
	}
	return l
}

func (s *Scheduler) schedule(sub store.Subscription) (Schedule, error) {
	loc, err := LoadZone(sub.TZ)
	if err != nil {
		return Schedule{}, err
	}
	return ParseSchedule(sub.Spec, loc)
}

// maxMissed bounds the skipped deliveries recorded for one long outage.
const maxMissed = 100

// process records the fire times of sub due by now and delivers its
// pending digests.
func (s *Scheduler) process(ctx context.Context, sub store.Subscription, now time.Time) error {
	l := s.lock(sub.ID)
	if !l.TryLock() {
		return nil
	}
	defer l.Unlock()
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
			if err := s.st.SkipDelivery(ctx, sub.ID, f, s.opt.FirstWindow, store.ReasonMissed); err != nil {
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
	pending, err := s.st.Deliveries(ctx, sub.ID, store.Pending)
	if err != nil {
		return err
	}
	for _, d := range pending {
		if err := s.deliver(ctx, sub, sched, d); err != nil {
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

// deliver builds and posts one pending delivery. Errors are store failures;
// a platform refusing the post is logged and leaves it pending.
func (s *Scheduler) deliver(ctx context.Context, sub store.Subscription, sched Schedule, d store.Delivery) error {
	log := s.log.With("subscription", sub.ID, "platform", sub.Platform, "channel", sub.Channel, "fire_time", d.FireTime)
	chat := s.opt.Chats[sub.Platform]
	if chat == nil {
		s.digests.WithLabelValues(resultFailed).Inc()
		log.Error("scheduled digest cannot be posted: no connection to this platform; it stays pending")
		return nil
	}
	dg, err := s.opt.Library.Digest(ctx, briefing.DigestRequest{Since: d.Since, Until: d.Until, Topic: sub.Topic})
	if err != nil {
		s.digests.WithLabelValues(resultFailed).Inc()
		log.Error("scheduled digest: build digest; it stays pending", "error", err.Error())
		return nil
	}
	// Whatever happens from here is recorded, even while shutting down.
	wctx := context.WithoutCancel(ctx)
	if dg.Articles == 0 && !s.opt.PostEmpty {
		if err := s.st.MarkEmpty(wctx, sub.ID, d.FireTime); err != nil && !errors.Is(err, store.ErrNotPending) {
			return err
		}
		s.digests.WithLabelValues(resultEmpty).Inc()
		log.Info("scheduled digest: nothing new, not posted", "since", d.Since)
		return nil
	}
	reply := s.reply(dg, sched.Location(), sub)
	for attempt := 0; ; attempt++ {
		if err := s.st.BeginPost(wctx, sub.ID, d.FireTime); errors.Is(err, store.ErrNotPending) {
			return nil
		} else if err != nil {
			return err
		}
		err := s.post(wctx, chat, sub, d, reply)
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

// post calls the platform. Should the call panic, the delivery is marked
// uncertain (it may have been posted) before the panic goes on.
func (s *Scheduler) post(ctx context.Context, chat Chat, sub store.Subscription, d store.Delivery, r Reply) (err error) {
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
	err = chat.Post(pctx, Destination{Channel: sub.Channel}, r)
	ok = true
	return err
}

// reply renders a scheduled digest; an empty one is one line.
func (s *Scheduler) reply(d briefing.Digest, loc *time.Location, sub store.Subscription) Reply {
	if d.Articles == 0 {
		return Reply{Title: DigestReply(d, loc).Title}
	}
	r := DigestReply(d, loc)
	note := "Scheduled digest"
	if !isConfig(sub.ID) {
		note += " · stop it with /brief unsubscribe " + sub.ID
	}
	if r.Footer != "" {
		r.Footer += " · " + note
	} else {
		r.Footer = note
	}
	return r
}

func isConfig(id string) bool { return strings.HasPrefix(id, ConfigPrefix) }

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

// cronLogger adapts slog to robfig/cron's Logger; its chatter is debug.
type cronLogger struct{ l *slog.Logger }

func (c cronLogger) Info(msg string, kv ...any) { c.l.Debug("cron: "+msg, kv...) }

func (c cronLogger) Error(err error, msg string, kv ...any) {
	c.l.Error("cron: "+msg, append(kv, "error", fmt.Sprint(err))...)
}
