// Package feeds turns news feeds (RSS, Atom, JSON Feed) into articles of
// the library: a Fetcher that is polite and refuses to reach internal
// addresses, parsing through gofeed, full text from the linked page when
// an item is only a teaser (through the corpus's HTML path and its
// furniture rules), and a Poller that keeps every feed on its own
// schedule with conditional GET, backoff and bounded concurrency.
//
// Articles from feeds are stored under the ID "feed/<feed id>/<item key>"
// with no corpus path, so the folder re-scan leaves them alone.
package feeds

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"briefbot/briefing"
	"briefbot/briefing/corpus"
	"briefbot/briefing/store"
)

// Library is what the poller needs from the briefing library
// (*briefing.Library implements it).
type Library interface {
	PutArticles(ctx context.Context, in []briefing.Incoming) (briefing.Put, error)
	DeleteArticles(ctx context.Context, prefix string, cutoff time.Time) (int, error)
	SaveIndex(ctx context.Context) error // persists what the two above changed
}

// Options configure a Poller. Store and Fetcher are required; Library is
// required by PollAll, Run and Remove (managing the list needs no library).
type Options struct {
	Store   *store.Store
	Library Library
	Fetcher *Fetcher

	Interval    time.Duration // default poll interval; default 15m
	Backlog     time.Duration // items published longer ago than this are not new; default 7d
	Retention   time.Duration // feed articles older than this are pruned; 0 keeps everything
	Concurrency int           // feeds polled at once; default 8
	FailAfter   int           // consecutive failures before a feed is failing; default 5
	MaxBackoff  time.Duration // longest wait after failures; default 24h

	// OnFailing, when set, is called once when a feed becomes failing (not
	// again until it has recovered and failed anew).
	OnFailing func(ctx context.Context, f Feed)

	Log     *slog.Logger
	Metrics *Metrics
	Now     func() time.Time // default time.Now
	Rand    func() float64   // jitter source in [0, 1); default math/rand/v2
}

// Feed is a feed as users see it: its stored state and how many items it
// has yielded.
type Feed struct {
	store.Feed
	Items int
}

// Name is the feed's title, else its URL.
func (f Feed) Name() string {
	if f.Title != "" {
		return f.Title
	}
	return f.URL
}

// Poller polls feeds and files their items into the library.
type Poller struct {
	opt  Options
	log  *slog.Logger
	m    *Metrics
	wake chan struct{}

	hints map[int64]hints // polling hints from each feed's last 200; Run's goroutine only
}

// hints are what a feed said about how often to poll it.
type hints struct {
	ttl       time.Duration
	skipHours map[int]bool
	skipDays  map[time.Weekday]bool
}

// New returns a Poller.
func New(opt Options) (*Poller, error) {
	if opt.Store == nil || opt.Fetcher == nil {
		return nil, errors.New("feeds: Store and Fetcher are required")
	}
	if opt.Interval <= 0 {
		opt.Interval = 15 * time.Minute
	}
	if opt.Backlog <= 0 {
		opt.Backlog = 7 * 24 * time.Hour
	}
	if opt.Concurrency <= 0 {
		opt.Concurrency = 8
	}
	if opt.FailAfter <= 0 {
		opt.FailAfter = 5
	}
	if opt.MaxBackoff <= 0 {
		opt.MaxBackoff = 24 * time.Hour
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Rand == nil {
		opt.Rand = rand.Float64
	}
	p := &Poller{opt: opt, log: opt.Log, m: opt.Metrics, wake: make(chan struct{}, 1), hints: map[int64]hints{}}
	if p.log == nil {
		p.log = slog.New(slog.DiscardHandler)
	}
	if p.m == nil {
		p.m = NewMetrics(nil)
	}
	return p, nil
}

var errNoLibrary = errors.New("feeds: no Library given")

// ErrBadURL wraps a feed address that cannot be accepted; its message says
// what is accepted.
var ErrBadURL = errors.New("bad feed URL")

// Add stores the feed at rawURL, due at once, and wakes Run. A URL that is
// stored already is returned with created false.
func (p *Poller) Add(ctx context.Context, rawURL string) (Feed, bool, error) {
	u, err := p.check(rawURL)
	if err != nil {
		return Feed{}, false, err
	}
	now := p.opt.Now()
	f, created, err := p.opt.Store.AddFeed(ctx, u, now, now)
	if err != nil {
		return Feed{}, false, err
	}
	if created {
		p.log.Info("feed added", "feed", f.ID, "url", f.URL)
	}
	p.Wake()
	return Feed{Feed: f}, created, nil
}

// Seed adds the configured feeds that are not stored yet, their first
// polls spread over a minute so that many feeds do not fire together.
// Feeds added earlier are left as they are.
func (p *Poller) Seed(ctx context.Context, urls []string) error {
	var errs []error
	now := p.opt.Now()
	for _, raw := range urls {
		u, err := p.check(raw)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		next := now.Add(time.Duration(p.opt.Rand() * float64(min(time.Minute, p.opt.Interval))))
		if _, _, err := p.opt.Store.AddFeed(ctx, u, next, now); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// check validates a feed address as a user gave it.
func (p *Poller) check(raw string) (string, error) {
	u, err := CheckURL(raw)
	if err != nil {
		return "", fmt.Errorf("%w: %s", ErrBadURL, err.Error())
	}
	host := u.Hostname()
	if !p.opt.Fetcher.opt.AllowPrivate {
		if ip, err := netip.ParseAddr(host); (err == nil && !p.opt.Fetcher.allowed(ip)) || strings.EqualFold(host, "localhost") || strings.HasSuffix(strings.ToLower(host), ".localhost") {
			return "", fmt.Errorf("%w: %s is not a public address; feeds must be on the public internet, e.g. https://example.com/feed.xml", ErrBadURL, host)
		}
	}
	return u.String(), nil
}

// ErrNotFound is wrapped by Remove's error when there is no such feed (it
// is store.ErrNotFound, so that callers need not import the store).
var ErrNotFound = store.ErrNotFound

// Remove deletes the feed with the given id and its articles (index
// included). Its error wraps ErrNotFound when there is no such feed.
func (p *Poller) Remove(ctx context.Context, id int64) (Feed, error) {
	if p.opt.Library == nil {
		return Feed{}, errNoLibrary
	}
	f, err := p.opt.Store.Feed(ctx, id)
	if err != nil {
		return Feed{}, err
	}
	if err := p.opt.Store.RemoveFeed(ctx, id); err != nil {
		return Feed{}, err
	}
	n, err := p.opt.Library.DeleteArticles(ctx, prefix(id), time.Time{})
	if err == nil {
		err = p.opt.Library.SaveIndex(ctx)
	}
	if err != nil {
		return Feed{Feed: f}, fmt.Errorf("feeds: remove articles of feed %d: %w", id, err)
	}
	p.log.Info("feed removed", "feed", id, "url", f.URL, "articles", n)
	return Feed{Feed: f}, nil
}

// List returns every feed with its item count, ordered by id.
func (p *Poller) List(ctx context.Context) ([]Feed, error) {
	list, err := p.opt.Store.Feeds(ctx)
	if err != nil {
		return nil, err
	}
	counts, err := p.opt.Store.CountFeedItems(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Feed, len(list))
	for i, f := range list {
		out[i] = Feed{Feed: f, Items: counts[f.ID]}
	}
	return out, nil
}

// Wake makes Run look at the feeds now (after an Add).
func (p *Poller) Wake() {
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

func prefix(id int64) string { return "feed/" + strconv.FormatInt(id, 10) + "/" }

// Round counts what one PollAll did.
type Round struct {
	Feeds, OK, NotModified, Errors, Skipped int
	Added, Updated                          int // articles
	Pruned                                  int
}

// PollAll polls every feed once, at most Concurrency at a time, and
// returns when all are done: the `briefbot feeds poll` of people who run
// their own cron. A feed backing off after failures (or told to wait by
// Retry-After) is skipped until its time.
func (p *Poller) PollAll(ctx context.Context) (Round, error) {
	var r Round
	if p.opt.Library == nil {
		return r, errNoLibrary
	}
	list, err := p.opt.Store.Feeds(ctx)
	if err != nil {
		return r, err
	}
	r.Feeds = len(list)
	now := p.opt.Now()
	results := make(chan outcome)
	jobs := make(chan store.Feed)
	go func() {
		defer close(jobs)
		for _, f := range list {
			if f.Failures > 0 && f.NextPoll.After(now) {
				p.m.polls.WithLabelValues("skipped").Inc()
				r.Skipped++
				continue
			}
			select {
			case jobs <- f:
			case <-ctx.Done():
				return
			}
		}
	}()
	workers := min(p.opt.Concurrency, max(len(list), 1))
	done := make(chan struct{})
	for range workers {
		go func() {
			defer func() { done <- struct{}{} }()
			for f := range jobs {
				results <- p.poll(ctx, f)
			}
		}()
	}
	go func() {
		for range workers {
			<-done
		}
		close(results)
	}()
	for o := range results {
		batch := p.drain(o, results)
		p.commit(ctx, batch, &r)
	}
	pr, perr := p.prune(ctx)
	r.Pruned = pr
	if list, err := p.opt.Store.Feeds(ctx); err == nil {
		p.m.failing.Set(float64(countFailing(list)))
	}
	serr := p.opt.Library.SaveIndex(ctx)
	return r, errors.Join(ctx.Err(), perr, serr)
}

// drain collects o and whatever other outcomes are ready, so that they
// are written in one transaction.
func (p *Poller) drain(o outcome, results <-chan outcome) []outcome {
	batch := []outcome{o}
	for len(batch) < 64 {
		select {
		case o, ok := <-results:
			if !ok {
				return batch
			}
			batch = append(batch, o)
		default:
			return batch
		}
	}
	return batch
}

// Run polls each feed when it is due until ctx is done: on its own
// schedule, at most Concurrency at a time, one broken or slow feed never
// holding up the others. It returns ctx's error.
func (p *Poller) Run(ctx context.Context) error {
	if p.opt.Library == nil {
		return errNoLibrary
	}
	results := make(chan outcome)
	inflight := map[int64]bool{}
	timer := time.NewTimer(0)
	defer timer.Stop()
	lastPrune, lastSave := time.Time{}, time.Now()
	var r Round
	for {
		select {
		case <-ctx.Done():
			for len(inflight) > 0 { // let the workers finish; their work is dropped
				o := <-results
				delete(inflight, o.feed.ID)
			}
			if err := p.opt.Library.SaveIndex(context.WithoutCancel(ctx)); err != nil {
				p.log.Error("saving the index failed", "error", err.Error())
			}
			return ctx.Err()
		case <-p.wake:
		case <-timer.C:
		case o := <-results:
			batch := p.drain(o, results)
			for _, o := range batch {
				delete(inflight, o.feed.ID)
			}
			p.commit(ctx, batch, &r)
			// The index is written when the polls in flight are done, or
			// every half minute while they keep coming.
			if len(inflight) == 0 || time.Since(lastSave) > 30*time.Second {
				lastSave = time.Now()
				if err := p.opt.Library.SaveIndex(ctx); err != nil && ctx.Err() == nil {
					p.log.Error("saving the index failed", "error", err.Error())
				}
			}
		}
		now := p.opt.Now()
		if p.opt.Retention > 0 && now.Sub(lastPrune) >= time.Hour {
			lastPrune = now
			if _, err := p.prune(ctx); err != nil && ctx.Err() == nil {
				p.log.Error("pruning feed articles failed", "error", err.Error())
			}
		}
		next := now.Add(time.Minute) // look again at least every minute, for feeds added elsewhere
		list, err := p.opt.Store.Feeds(ctx)
		if err != nil && ctx.Err() == nil {
			p.log.Error("reading feeds failed", "error", err.Error())
		}
		for _, f := range list {
			if inflight[f.ID] {
				continue
			}
			if f.NextPoll.After(now) {
				next = minTime(next, f.NextPoll)
				continue
			}
			if len(inflight) >= p.opt.Concurrency {
				continue // polled when a worker is free
			}
			inflight[f.ID] = true
			go func() {
				o := p.poll(ctx, f)
				results <- o // Run receives until every in-flight poll is back
			}()
		}
		p.m.failing.Set(float64(countFailing(list)))
		timer.Reset(max(next.Sub(now), 10*time.Millisecond))
	}
}

func countFailing(list []store.Feed) int {
	n := 0
	for _, f := range list {
		if f.Failing {
			n++
		}
	}
	return n
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

// prune removes feed articles older than Retention.
func (p *Poller) prune(ctx context.Context) (int, error) {
	if p.opt.Retention <= 0 {
		return 0, nil
	}
	n, err := p.opt.Library.DeleteArticles(ctx, "feed/", p.opt.Now().Add(-p.opt.Retention))
	if n > 0 {
		p.log.Info("pruned feed articles", "articles", n, "retention", p.opt.Retention.String())
	}
	return n, err
}

// outcome is one poll's result, to be written by the single writer.
type outcome struct {
	feed     store.Feed // as it was when polled
	resp     Response
	err      error
	parsed   *parsed
	incoming []briefing.Incoming
	items    []store.FeedItem
	bytes    int
	took     time.Duration
}

// poll fetches one feed and prepares its new and changed items (with full
// text where needed). It writes nothing.
func (p *Poller) poll(ctx context.Context, f store.Feed) outcome {
	o := outcome{feed: f}
	start := time.Now()
	o.resp, o.err = p.opt.Fetcher.Get(ctx, Request{URL: f.URL, ETag: f.ETag, LastModified: f.LastModified})
	o.took = time.Since(start)
	o.bytes = len(o.resp.Body)
	if o.err != nil || o.resp.NotModified {
		return o
	}
	base := o.resp.URL
	pf, err := parseFeed(decodeCharset(o.resp.Body, o.resp.ContentType), base)
	o.resp.Body = nil
	if err != nil {
		o.err = err
		return o
	}
	o.parsed = &pf
	keys := make([]string, len(pf.Items))
	hashes := make([]string, len(pf.Items))
	for i, x := range pf.Items {
		keys[i], hashes[i] = x.Key, x.Hash
	}
	known, err := p.opt.Store.FeedItems(ctx, f.ID, keys, hashes)
	if err != nil {
		o.err = err
		return o
	}
	byHash := map[string]bool{}
	for _, k := range known {
		byHash[k.Hash] = true
	}
	now := p.opt.Now()
	source := pf.Title
	if source == "" {
		source = hostOf(pf.SiteURL, f.URL)
	}
	for _, x := range pf.Items {
		old, seen := known[x.Key]
		rec := store.FeedItem{Key: x.Key, Hash: x.Hash, Published: x.Published, Seen: now}
		switch {
		case seen && old.Hash == x.Hash:
			continue // unchanged
		case seen:
			rec.Seen = old.Seen // updated: replaces the article, not new again
		case byHash[x.Hash]:
			o.items = append(o.items, rec) // republished under a new key: not new
			continue
		}
		if p.opt.Retention > 0 && !x.Published.IsZero() && x.Published.Before(now.Add(-p.opt.Retention)) {
			o.items = append(o.items, rec) // would be pruned at once
			continue
		}
		doc, ok := p.article(ctx, f, source, x)
		if !ok {
			continue
		}
		in := briefing.Incoming{Doc: doc}
		if !x.Published.IsZero() && x.Published.Before(now.Add(-p.opt.Backlog)) {
			in.FirstSeen = x.Published // backlog: kept and answered from, not new
		}
		o.incoming = append(o.incoming, in)
		o.items = append(o.items, rec)
		if ctx.Err() != nil {
			o.err = ctx.Err()
			return o
		}
	}
	return o
}

// article builds the document of one item: its own content, or the
// linked page's article when the item is only a teaser.
func (p *Poller) article(ctx context.Context, f store.Feed, source string, x item) (corpus.Document, bool) {
	d := corpus.Document{
		ID:     prefix(f.ID) + x.Key,
		Title:  x.Title,
		Source: source,
		Author: x.Author,
		URL:    x.Link,
		Hash:   x.Hash,
	}
	d.Published = x.Published
	d.Text = itemText(x)
	if isTeaser(d.Text) && x.Link != "" {
		if page, err := p.fullText(ctx, x.Link); err != nil {
			p.log.Info("full text not fetched; keeping the feed's text", "feed", f.ID, "url", x.Link, "error", err.Error())
		} else if words(page.Text) > words(d.Text) {
			d.Text = page.Text
			if d.Author == "" {
				d.Author = page.Author
			}
			if d.Published.IsZero() {
				d.Published = page.Published
			}
			if d.Title == "" {
				d.Title = page.Title
			}
		}
	}
	if d.Text == "" {
		d.Text = d.Title
	}
	if d.Text == "" {
		return d, false
	}
	return d, true
}

// fullText fetches a page and extracts its article through the corpus's
// HTML path.
func (p *Poller) fullText(ctx context.Context, link string) (corpus.Document, error) {
	start := time.Now()
	resp, err := p.opt.Fetcher.Get(ctx, Request{URL: link, Accept: "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"})
	p.m.latency.WithLabelValues("page").Observe(time.Since(start).Seconds())
	p.m.bytes.Add(float64(len(resp.Body)))
	if err != nil {
		return corpus.Document{}, err
	}
	if ct := strings.ToLower(resp.ContentType); ct != "" && !strings.Contains(ct, "html") {
		return corpus.Document{}, fmt.Errorf("the page is %s, not HTML", ct)
	}
	return corpus.Parse("page.html", resp.Body)
}

func hostOf(urls ...string) string {
	for _, s := range urls {
		if u, err := CheckURL(s); err == nil {
			return strings.TrimPrefix(u.Hostname(), "www.")
		}
	}
	return ""
}

// commit writes a batch of outcomes: the articles in one transaction, then
// each feed's items and state.
func (p *Poller) commit(ctx context.Context, batch []outcome, r *Round) {
	// A feed removed while it was polled stays removed: its poll is dropped.
	batch = slices.DeleteFunc(batch, func(o outcome) bool {
		_, err := p.opt.Store.Feed(ctx, o.feed.ID)
		return errors.Is(err, store.ErrNotFound)
	})
	var in []briefing.Incoming
	for _, o := range batch {
		in = append(in, o.incoming...)
	}
	put, perr := p.opt.Library.PutArticles(ctx, in)
	if perr != nil && ctx.Err() == nil {
		p.log.Error("storing feed articles failed", "articles", len(in), "error", perr.Error())
	}
	r.Added += put.Added
	r.Updated += put.Changed
	p.m.added.Add(float64(put.Added))
	now := p.opt.Now()
	for _, o := range batch {
		if ctx.Err() != nil {
			return // nothing of this poll is recorded: the next one repeats it
		}
		if o.err == nil && perr != nil {
			o.err = fmt.Errorf("store articles: %w", perr)
		}
		if o.err == nil {
			if err := p.opt.Store.PutFeedItems(ctx, o.feed.ID, o.items); err != nil {
				o.err = err
			}
		}
		p.settle(ctx, o, now, r)
	}
}

// settle records one poll's result in the feed's state and metrics.
func (p *Poller) settle(ctx context.Context, o outcome, now time.Time, r *Round) {
	f := o.feed
	f.LastPoll = now
	p.m.bytes.Add(float64(o.bytes))
	p.m.latency.WithLabelValues("feed").Observe(o.took.Seconds())
	if o.err != nil {
		r.Errors++
		p.m.polls.WithLabelValues("error").Inc()
		f.Failures++
		f.LastError = userError(o.err)
		var se *StatusError
		wait := time.Duration(0)
		if errors.As(o.err, &se) {
			wait = se.RetryAfter
		}
		f.NextPoll = now.Add(p.backoff(f.Failures, wait))
		p.log.Warn("feed poll failed", "feed", f.ID, "url", f.URL, "failures", f.Failures, "next_poll", f.NextPoll.Format(time.RFC3339), "error", f.LastError)
		if f.Failures >= p.opt.FailAfter && !f.Failing {
			f.Failing = true
			p.log.Error("feed is failing", "feed", f.ID, "url", f.URL, "failures", f.Failures, "error", f.LastError)
		}
		if f.Failing && !f.Notified && p.opt.OnFailing != nil {
			f.Notified = true
			p.opt.OnFailing(ctx, Feed{Feed: f})
		}
	} else {
		if f.Failing {
			p.log.Info("feed recovered", "feed", f.ID, "url", f.URL)
		}
		f.Failures, f.LastError, f.Failing, f.Notified, f.LastOK = 0, "", false, false, now
		if o.resp.NotModified {
			r.NotModified++
			p.m.polls.WithLabelValues("not_modified").Inc()
		} else {
			r.OK++
			p.m.polls.WithLabelValues("ok").Inc()
		}
		if o.resp.ETag != "" || o.resp.LastModified != "" || !o.resp.NotModified {
			f.ETag, f.LastModified = o.resp.ETag, o.resp.LastModified
		}
		h := p.hints[f.ID]
		if o.parsed != nil {
			h = hints{ttl: o.parsed.TTL, skipHours: o.parsed.SkipHours, skipDays: o.parsed.SkipDays}
			p.hints[f.ID] = h
			if o.parsed.Title != "" {
				f.Title = o.parsed.Title
			}
			if o.parsed.SiteURL != "" {
				f.SiteURL = o.parsed.SiteURL
			}
		}
		f.NextPoll = p.next(now, h, o.resp.MaxAge)
		if o.resp.PermanentURL != "" && o.resp.PermanentURL != f.URL {
			p.log.Info("feed moved permanently", "feed", f.ID, "from", f.URL, "to", o.resp.PermanentURL)
			f.URL = o.resp.PermanentURL
		}
	}
	if err := p.opt.Store.SaveFeedState(ctx, f); err != nil && ctx.Err() == nil {
		if f.URL != o.feed.URL { // the new address is another feed's already
			f.URL = o.feed.URL
			err = p.opt.Store.SaveFeedState(ctx, f)
		}
		if err != nil {
			p.log.Error("saving feed state failed", "feed", f.ID, "error", err.Error())
		}
	}
}

// next is when to poll a healthy feed again: the interval, or longer when
// the feed's TTL or Cache-Control max-age ask for it (at most a day),
// with ±10% jitter, moved out of the hours and days the feed asks to be
// skipped.
func (p *Poller) next(now time.Time, h hints, maxAge time.Duration) time.Time {
	d := p.opt.Interval
	d = max(d, min(h.ttl, 24*time.Hour), min(maxAge, 24*time.Hour))
	t := now.Add(p.jitter(d))
	for range 24 * 7 {
		u := t.UTC()
		if !h.skipHours[u.Hour()] && !h.skipDays[u.Weekday()] {
			break
		}
		t = u.Truncate(time.Hour).Add(time.Hour)
	}
	return t
}

// backoff is how long to wait after the given number of consecutive
// failures: the interval doubled each time up to MaxBackoff, or longer
// when the server asked with Retry-After (up to a day), with jitter.
func (p *Poller) backoff(failures int, retryAfter time.Duration) time.Duration {
	d := p.opt.Interval
	for i := 1; i < failures && d < p.opt.MaxBackoff; i++ {
		d *= 2
	}
	d = min(d, p.opt.MaxBackoff)
	d = p.jitter(d)
	return max(d, min(retryAfter, 24*time.Hour))
}

// jitter spreads d by ±10%.
func (p *Poller) jitter(d time.Duration) time.Duration {
	return d + time.Duration((p.opt.Rand()-0.5)*0.2*float64(d))
}

// userError is an error as `/brief feeds` shows it: short and free of
// internals.
func userError(err error) string {
	s := err.Error()
	if errors.Is(err, context.DeadlineExceeded) {
		s = "timed out"
	}
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}
