package feeds

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"

	"briefbot/briefing"
	"briefbot/briefing/store"
)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type env struct {
	t     *testing.T
	ctx   context.Context
	st    *store.Store
	lib   *briefing.Library
	p     *Poller
	clock *clock
	srv   *httptest.Server
	mux   *http.ServeMux
	hits  sync.Map // path -> *atomic.Int64
	fails []Feed   // OnFailing calls
	opt   Options
}

func newEnv(t *testing.T, tweak func(*Options, *FetcherOptions)) *env {
	t.Helper()
	e := &env{t: t, ctx: context.Background(), clock: &clock{t: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)}, mux: http.NewServeMux()}
	e.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.hit(r.URL.Path).Add(1)
		e.mux.ServeHTTP(w, r)
	}))
	t.Cleanup(e.srv.Close)
	dir := t.TempDir()
	st, err := store.Open(e.ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	lib, _, err := briefing.Open(e.ctx, st, briefing.Options{Corpus: fstest.MapFS{}, Now: e.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	e.st, e.lib = st, lib
	fo := FetcherOptions{AllowPrivate: true, Timeout: 5 * time.Second, Now: e.clock.Now}
	opt := Options{Store: st, Library: lib, Now: e.clock.Now, Rand: func() float64 { return 0.5 }, Concurrency: 4,
		OnFailing: func(_ context.Context, f Feed) { e.fails = append(e.fails, f) }}
	if tweak != nil {
		tweak(&opt, &fo)
	}
	fe := NewFetcher(fo)
	t.Cleanup(fe.Close)
	opt.Fetcher = fe
	e.opt = opt
	if e.p, err = New(opt); err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *env) hit(path string) *atomic.Int64 {
	v, _ := e.hits.LoadOrStore(path, new(atomic.Int64))
	return v.(*atomic.Int64)
}

func (e *env) hits_(path string) int64 { return e.hit(path).Load() }

// fixture serves testdata/name at path with {{BASE}} replaced, an ETag,
// and 304 for a matching If-None-Match.
func (e *env) fixture(path, name, ctype string) {
	data, err := os.ReadFile("testdata/" + name)
	if err != nil {
		e.t.Fatal(err)
	}
	e.serveBytes(path, data, ctype)
}

func (e *env) serveBytes(path string, data []byte, ctype string) {
	body := bytes.ReplaceAll(data, []byte("{{BASE}}"), []byte(e.srv.URL))
	etag := fmt.Sprintf(`"%x"`, len(body))
	e.mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("Content-Type", ctype)
		w.Header().Set("ETag", etag)
		w.Write(body)
	})
}

func (e *env) add(path string) Feed {
	e.t.Helper()
	f, created, err := e.p.Add(e.ctx, e.srv.URL+path)
	if err != nil || !created {
		e.t.Fatalf("add %s: created %v, %v", path, created, err)
	}
	return f
}

func (e *env) poll() Round {
	e.t.Helper()
	r, err := e.p.PollAll(e.ctx)
	if err != nil {
		e.t.Fatalf("poll: %v", err)
	}
	return r
}

func (e *env) articles() []briefing.Article {
	e.t.Helper()
	arts, err := e.lib.Articles(e.ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	return arts
}

func (e *env) feed(id int64) store.Feed {
	e.t.Helper()
	f, err := e.st.Feed(e.ctx, id)
	if err != nil {
		e.t.Fatal(err)
	}
	return f
}

func TestFormats(t *testing.T) {
	tests := []struct {
		file, ctype string
		source      string
		title       string
		author      string
		published   time.Time
		wantText    string
		n           int
	}{
		{"rss.xml", "application/rss+xml", "Harbour Ledger", "Tugboat crews vote to modernise the river pilot station", "Mara Ostlund",
			time.Date(2026, 11, 30, 9, 15, 0, 0, time.UTC), "sheltered mooring for two pilot launches", 2},
		{"atom.xml", "application/atom+xml", "Valley Orchard Review", "Cider makers test frost-hardy apple rootstock", "Lena Farrow",
			time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC), "measure bud survival", 1},
		{"feed.json", "application/feed+json", "Tramway Notes", "City replaces overhead tram wires on the river line", "Pell Sorensen",
			time.Date(2026, 11, 30, 7, 30, 0, 0, time.UTC), "section insulators", 1},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			e := newEnv(t, nil)
			e.fixture("/feed", tt.file, tt.ctype)
			f := e.add("/feed")
			r := e.poll()
			if r.OK != 1 || r.Added != tt.n {
				t.Fatalf("round %+v, want 1 ok and %d added", r, tt.n)
			}
			var got *briefing.Article
			for _, a := range e.articles() {
				if a.Title == tt.title {
					got = &a
				}
			}
			if got == nil {
				t.Fatalf("no article titled %q in %+v", tt.title, e.articles())
			}
			if got.Source != tt.source || got.Author != tt.author || !got.Published.Equal(tt.published) || !strings.HasPrefix(got.URL, e.srv.URL+"/") {
				t.Errorf("article %+v", *got)
			}
			if !strings.HasPrefix(got.ID, fmt.Sprintf("feed/%d/", f.ID)) {
				t.Errorf("ID %q is not in the feed's namespace", got.ID)
			}
			ans, err := e.lib.Ask(e.ctx, tt.wantText, briefing.AskOptions{})
			if err != nil || len(ans.Passages) == 0 || !strings.Contains(ans.Passages[0].Text, tt.wantText) {
				t.Errorf("ask %q: %v %+v", tt.wantText, err, ans.Passages)
			}
			if st := e.feed(f.ID); st.Title != tt.source || st.ETag == "" || st.Failures != 0 {
				t.Errorf("feed state %+v", st)
			}
			// Polling again costs one conditional request and adds nothing.
			before := e.hits_("/feed")
			r = e.poll()
			if r.NotModified != 1 || r.Added != 0 || e.hits_("/feed") != before+1 {
				t.Errorf("second round %+v, %d requests", r, e.hits_("/feed")-before)
			}
			if n := len(e.articles()); n != tt.n {
				t.Errorf("%d articles after the second poll, want %d", n, tt.n)
			}
		})
	}
}

func TestRSSHints(t *testing.T) {
	e := newEnv(t, func(o *Options, _ *FetcherOptions) { o.Interval = 10 * time.Minute })
	e.fixture("/feed", "rss.xml", "application/rss+xml")
	f := e.add("/feed")
	e.poll()
	// ttl 30 (minutes) is longer than the interval: honoured (Rand 0.5 is no jitter).
	if got, want := e.feed(f.ID).NextPoll, e.clock.Now().Add(30*time.Minute); !got.Equal(want) {
		t.Errorf("next poll %v, want %v", got, want)
	}
}

func TestNextHonoursHints(t *testing.T) {
	e := newEnv(t, nil)
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC) // a Tuesday
	tests := []struct {
		name   string
		h      hints
		maxAge time.Duration
		want   time.Time
	}{
		{"interval", hints{}, 0, now.Add(15 * time.Minute)},
		{"max-age", hints{}, 2 * time.Hour, now.Add(2 * time.Hour)},
		{"max-age capped at a day", hints{}, 30 * 24 * time.Hour, now.Add(24 * time.Hour)},
		{"ttl", hints{ttl: time.Hour}, 0, now.Add(time.Hour)},
		{"skip hour", hints{skipHours: map[int]bool{10: true, 11: true}}, 0, time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)},
		{"skip day", hints{skipDays: map[time.Weekday]bool{time.Tuesday: true}}, 0, time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		if got := e.p.next(now, tt.h, tt.maxAge); !got.Equal(tt.want) {
			t.Errorf("%s: next %v, want %v", tt.name, got, tt.want)
		}
	}
	// Backoff doubles from the interval up to the cap; Retry-After wins when longer.
	for _, tt := range []struct {
		failures int
		retry    time.Duration
		want     time.Duration
	}{{1, 0, 15 * time.Minute}, {2, 0, 30 * time.Minute}, {4, 0, 2 * time.Hour}, {30, 0, 24 * time.Hour}, {1, 3 * time.Hour, 3 * time.Hour}} {
		if got := e.p.backoff(tt.failures, tt.retry); got != tt.want {
			t.Errorf("backoff(%d, %v) = %v, want %v", tt.failures, tt.retry, got, tt.want)
		}
	}
	// Jitter stays within ±10%.
	e.p.opt.Rand = func() float64 { return 0 }
	if got := e.p.jitter(100 * time.Minute); got != 90*time.Minute {
		t.Errorf("jitter low %v", got)
	}
}

func TestTeaserGetsFullText(t *testing.T) {
	e := newEnv(t, nil)
	e.fixture("/teaser.xml", "teaser.xml", "application/rss+xml")
	e.fixture("/articles/drove-road-wall", "article.html", "text/html; charset=utf-8")
	e.add("/teaser.xml")
	if r := e.poll(); r.Added != 1 {
		t.Fatalf("round %+v", r)
	}
	arts := e.articles()
	if len(arts) != 1 {
		t.Fatalf("articles %+v", arts)
	}
	ans, err := e.lib.Ask(e.ctx, "through-stones tying the two faces", briefing.AskOptions{})
	if err != nil || len(ans.Passages) == 0 {
		t.Fatalf("the page's text is not indexed: %v %+v", err, ans)
	}
	var all strings.Builder
	ps, _ := e.st.ArticlesByID(e.ctx, []string{arts[0].ID})
	for _, a := range ps {
		pp, _ := e.st.ArticlePassages(e.ctx, a.Ord)
		for _, p := range pp {
			all.WriteString(p.Text + "\n")
		}
	}
	text := all.String()
	for _, want := range []string{"retired shepherd", "bring gloves and sturdy boots"} {
		if !strings.Contains(text, want) {
			t.Errorf("full text lacks %q:\n%s", want, text)
		}
	}
	for _, furniture := range []string{"Share on Facebook", "Sign up for our newsletter", "All rights reserved", "Cookie settings", "Read more"} {
		if strings.Contains(text, furniture) {
			t.Errorf("full text keeps furniture %q:\n%s", furniture, text)
		}
	}
	if arts[0].Title != "Volunteers rebuild the drystone wall on the old drove road" || arts[0].Source != "Moorland Weekly" {
		t.Errorf("article %+v", arts[0])
	}
	// The page is fetched once: the next poll (the feed unchanged) fetches nothing more.
	e.poll()
	if n := e.hits_("/articles/drove-road-wall"); n != 1 {
		t.Errorf("page fetched %d times", n)
	}
}

func TestTeaserPageFailsKeepsTeaser(t *testing.T) {
	e := newEnv(t, nil)
	e.fixture("/teaser.xml", "teaser.xml", "application/rss+xml")
	e.mux.HandleFunc("/articles/", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "gone", http.StatusNotFound) })
	e.add("/teaser.xml")
	if r := e.poll(); r.Added != 1 || r.OK != 1 {
		t.Fatalf("round %+v", r)
	}
	if arts := e.articles(); len(arts) != 1 {
		t.Fatalf("articles %+v", arts)
	}
}

// rssWith is an RSS document of the given items (guid, title, description).
func rssWith(items ...[3]string) []byte {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0"?><rss version="2.0"><channel><title>Quay Bulletin</title><link>{{BASE}}/</link>`)
	for _, it := range items {
		fmt.Fprintf(&b, `<item><guid>%s</guid><title>%s</title><link>{{BASE}}/p/%s</link><pubDate>Mon, 30 Nov 2026 10:00:00 GMT</pubDate><description>%s</description></item>`, it[0], it[1], it[0], it[2])
	}
	b.WriteString(`</channel></rss>`)
	return []byte(b.String())
}

// long makes a description long enough not to be a teaser.
func long(s string) string { return strings.Repeat(s+" ", 40) }

func TestUpdatesAndRepublishing(t *testing.T) {
	e := newEnv(t, nil)
	var mu sync.Mutex
	body := rssWith([3]string{"a1", "Ferry timetable changes", long("The winter ferry timetable starts on Monday with fewer crossings.")})
	e.mux.HandleFunc("/feed", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		w.Write(bytes.ReplaceAll(body, []byte("{{BASE}}"), []byte(e.srv.URL)))
	})
	set := func(b []byte) { mu.Lock(); body = b; mu.Unlock() }
	e.add("/feed")
	if r := e.poll(); r.Added != 1 {
		t.Fatalf("first round %+v", r)
	}
	first := e.articles()[0]

	// The same content again (no validators): nothing new, nothing changed.
	if r := e.poll(); r.Added != 0 || r.Updated != 0 || r.OK != 1 {
		t.Errorf("unchanged round %+v", r)
	}
	// Republished under a new GUID with the same content: not new.
	set(rssWith([3]string{"a1-again", "Ferry timetable changes", long("The winter ferry timetable starts on Monday with fewer crossings.")}))
	if r := e.poll(); r.Added != 0 {
		t.Errorf("republished round %+v", r)
	}
	_ = first
	// An updated item replaces its article, keeping its first-seen time.
	e.clock.Add(time.Hour)
	set(rssWith([3]string{"a1", "Ferry timetable changes (updated)", long("The winter ferry timetable now starts on Tuesday with fewer crossings.")}))
	if r := e.poll(); r.Added != 0 || r.Updated != 1 {
		t.Errorf("updated round %+v", r)
	}
	arts := e.articles()
	if len(arts) != 1 || arts[0].Title != "Ferry timetable changes (updated)" || !arts[0].FirstSeen.Equal(first.FirstSeen) {
		t.Fatalf("after update %+v (first %+v)", arts, first)
	}
	ans, _ := e.lib.Ask(e.ctx, "ferry timetable Tuesday", briefing.AskOptions{})
	if len(ans.Passages) == 0 || !strings.Contains(ans.Passages[0].Text, "Tuesday") {
		t.Errorf("updated text not indexed: %+v", ans.Passages)
	}
	d, err := e.lib.Digest(e.ctx, briefing.DigestRequest{Since: e.clock.Now().Add(-30 * time.Minute), Until: e.clock.Now()})
	if err != nil || d.Articles != 0 {
		t.Errorf("an update is new again in the digest: %+v %v", d, err)
	}
}

func TestBacklogStoredButNotNew(t *testing.T) {
	e := newEnv(t, nil)
	old := rssWith([3]string{"old1", "Lighthouse keeper retires", long("The last keeper of the lighthouse on the headland retired after forty years.")})
	old = bytes.Replace(old, []byte("Mon, 30 Nov 2026"), []byte("Thu, 01 Oct 2026"), 1)
	e.serveBytes("/feed", append([]byte(nil), old...), "application/rss+xml")
	e.add("/feed")
	if r := e.poll(); r.Added != 1 {
		t.Fatalf("round %+v", r)
	}
	d, err := e.lib.Digest(e.ctx, briefing.DigestRequest{Since: e.clock.Now().Add(-24 * time.Hour), Until: e.clock.Now().Add(time.Second)})
	if err != nil || d.Articles != 0 {
		t.Errorf("backlog item in the digest: %+v %v", d, err)
	}
	ans, _ := e.lib.Ask(e.ctx, "lighthouse keeper retired", briefing.AskOptions{})
	if len(ans.Passages) == 0 {
		t.Error("backlog item not answered from")
	}
}

func TestNewItemReachesDigestOnce(t *testing.T) {
	e := newEnv(t, nil)
	e.fixture("/feed", "rss.xml", "application/rss+xml")
	e.add("/feed")
	start := e.clock.Now()
	e.clock.Add(time.Minute)
	e.poll()
	e.clock.Add(time.Hour)
	d1, _ := e.lib.Digest(e.ctx, briefing.DigestRequest{Since: start, Until: e.clock.Now()})
	e.poll()
	d2, _ := e.lib.Digest(e.ctx, briefing.DigestRequest{Since: e.clock.Now(), Until: e.clock.Now().Add(time.Hour)})
	if d1.Articles != 2 || d2.Articles != 0 {
		t.Errorf("digests: first %d articles (want 2), next %d (want 0)", d1.Articles, d2.Articles)
	}
}

func TestFolderRefreshKeepsFeedArticles(t *testing.T) {
	e := newEnv(t, nil)
	e.fixture("/feed", "atom.xml", "application/atom+xml")
	e.add("/feed")
	e.poll()
	ch, err := e.lib.Refresh(e.ctx)
	if err != nil || ch.Deleted != 0 {
		t.Fatalf("refresh %+v %v", ch, err)
	}
	if n := len(e.articles()); n != 1 {
		t.Fatalf("%d articles after refresh", n)
	}
	// Reopening (which re-scans the folder) keeps them too, index included.
	lib, ch, err := briefing.Open(e.ctx, e.st, briefing.Options{Corpus: fstest.MapFS{}, Now: e.clock.Now})
	if err != nil || ch.Deleted != 0 {
		t.Fatalf("reopen %+v %v", ch, err)
	}
	ans, _ := lib.Ask(e.ctx, "frost-hardy rootstock", briefing.AskOptions{})
	if len(ans.Passages) == 0 {
		t.Error("feed article not found after reopening")
	}
}

func TestRetentionPrunes(t *testing.T) {
	e := newEnv(t, func(o *Options, _ *FetcherOptions) { o.Retention = 48 * time.Hour })
	e.fixture("/feed", "rss.xml", "application/rss+xml")
	e.add("/feed")
	if r := e.poll(); r.Added != 2 {
		t.Fatalf("round %+v", r)
	}
	e.clock.Add(24 * time.Hour) // the Nov 29 item is now older than 48h; the Nov 30 one is not
	r := e.poll()
	if r.Pruned != 1 || len(e.articles()) != 1 {
		t.Fatalf("round %+v, articles %d", r, len(e.articles()))
	}
	if ans, _ := e.lib.Ask(e.ctx, "night loading hours grain terminal", briefing.AskOptions{}); len(ans.Passages) > 0 && strings.Contains(ans.Passages[0].Text, "weighbridge") {
		t.Error("pruned article still in the index")
	}
	// Still in the feed, it is not added back.
	f, _ := e.st.Feeds(e.ctx)
	f[0].ETag = ""
	e.st.SaveFeedState(e.ctx, f[0])
	if r := e.poll(); r.Added != 0 {
		t.Errorf("pruned item added back: %+v", r)
	}
}

func TestRemoveDeletesArticles(t *testing.T) {
	e := newEnv(t, nil)
	e.fixture("/a", "rss.xml", "application/rss+xml")
	e.fixture("/b", "atom.xml", "application/atom+xml")
	fa := e.add("/a")
	e.add("/b")
	e.poll()
	if _, err := e.p.Remove(e.ctx, fa.ID); err != nil {
		t.Fatal(err)
	}
	if arts := e.articles(); len(arts) != 1 || arts[0].Source != "Valley Orchard Review" {
		t.Errorf("articles after remove %+v", arts)
	}
	if _, err := e.p.Remove(e.ctx, fa.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("second remove: %v", err)
	}
}

func TestFailures(t *testing.T) {
	tests := []struct {
		name    string
		handler http.HandlerFunc
		wantErr string
	}{
		{"500", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "boom", 500) }, "HTTP 500"},
		{"malformed XML", func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>Broken</title><item><title>x</ti`)
		}, "malformed feed"},
		{"not a feed", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "<html><body>hello</body></html>") }, "not a feed"},
		{"404", func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) }, "HTTP 404"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, func(o *Options, _ *FetcherOptions) { o.FailAfter = 3 })
			var broken atomic.Bool
			broken.Store(false)
			good := rssWith([3]string{"g1", "Canal lock reopens", long("The canal lock reopened after repairs to its gates.")})
			e.mux.HandleFunc("/feed", func(w http.ResponseWriter, r *http.Request) {
				if broken.Load() {
					tt.handler(w, r)
					return
				}
				w.Write(bytes.ReplaceAll(good, []byte("{{BASE}}"), []byte(e.srv.URL)))
			})
			e.fixture("/other", "atom.xml", "application/atom+xml")
			f := e.add("/feed")
			e.add("/other")
			e.poll()
			broken.Store(true)
			for i := 1; i <= 5; i++ {
				e.clock.Add(48 * time.Hour) // past any backoff
				r := e.poll()
				if r.Errors != 1 || r.NotModified != 1 {
					t.Fatalf("round %d: %+v (the other feed must still be polled)", i, r)
				}
				st := e.feed(f.ID)
				if st.Failures != i || !strings.Contains(st.LastError, tt.wantErr) || st.Failing != (i >= 3) {
					t.Fatalf("after %d failures: %+v", i, st)
				}
			}
			if len(e.fails) != 1 || e.fails[0].ID != f.ID {
				t.Errorf("failing notices %+v, want exactly one", e.fails)
			}
			if n := len(e.articles()); n != 2 {
				t.Errorf("%d articles, want the 2 stored before the failures", n)
			}
			list, _ := e.p.List(e.ctx)
			if !list[0].Failing || list[0].LastError == "" {
				t.Errorf("list %+v", list[0])
			}
			// Recovery clears the state; a later run of failures notifies again.
			broken.Store(false)
			e.clock.Add(48 * time.Hour)
			e.poll()
			if st := e.feed(f.ID); st.Failing || st.Failures != 0 || st.LastError != "" {
				t.Errorf("after recovery %+v", st)
			}
		})
	}
}

func TestRetryAfter(t *testing.T) {
	e := newEnv(t, nil)
	e.mux.HandleFunc("/feed", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "7200")
		http.Error(w, "slow down", http.StatusTooManyRequests)
	})
	f := e.add("/feed")
	e.poll()
	st := e.feed(f.ID)
	if want := e.clock.Now().Add(2 * time.Hour); st.NextPoll.Before(want) || !strings.Contains(st.LastError, "429") {
		t.Errorf("after 429: %+v, want next poll ≥ %v", st, want)
	}
	r := e.poll()
	if r.Skipped != 1 || e.hits_("/feed") != 1 {
		t.Errorf("polled again before Retry-After: %+v, %d requests", r, e.hits_("/feed"))
	}
	e.clock.Add(2*time.Hour + time.Minute)
	if r := e.poll(); r.Errors != 1 || e.hits_("/feed") != 2 {
		t.Errorf("after the wait: %+v", r)
	}
}

func TestNonUTF8(t *testing.T) {
	e := newEnv(t, nil)
	// ISO-8859-1: é is 0xE9, ü is 0xFC.
	doc := []byte("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><rss version=\"2.0\"><channel><title>Caf\xe9 Zeitung</title><link>{{BASE}}/</link>" +
		"<item><guid>z1</guid><title>M\xfcller opens a caf\xe9 by the harbour</title><link>{{BASE}}/z1</link><description>" +
		strings.Repeat("The new caf\xe9 serves fish soup to dock workers before dawn. ", 30) + "</description></item></channel></rss>")
	e.serveBytes("/feed", doc, "application/rss+xml; charset=ISO-8859-1")
	e.add("/feed")
	if r := e.poll(); r.Added != 1 {
		t.Fatalf("round %+v", r)
	}
	a := e.articles()[0]
	if a.Title != "Müller opens a café by the harbour" || a.Source != "Café Zeitung" {
		t.Errorf("article %+v", a)
	}
}

func TestCharsetFromContentType(t *testing.T) {
	e := newEnv(t, nil)
	// No XML declaration: the charset comes from the Content-Type alone.
	doc := []byte("<rss version=\"2.0\"><channel><title>Sm\xf6rg\xe5s Posten</title><link>{{BASE}}/</link>" +
		"<item><guid>s1</guid><title>K\xf6ket by the pier</title><link>{{BASE}}/s1</link><description>" +
		strings.Repeat("The k\xf6k serves herring to ferry crews at six. ", 30) + "</description></item></channel></rss>")
	e.serveBytes("/feed", doc, "text/xml; charset=windows-1252")
	e.add("/feed")
	if r := e.poll(); r.Added != 1 {
		t.Fatalf("round %+v", r)
	}
	if a := e.articles()[0]; a.Title != "Köket by the pier" || a.Source != "Smörgås Posten" {
		t.Errorf("article %+v", a)
	}
}

func TestLimits(t *testing.T) {
	block := make(chan struct{})
	t.Cleanup(func() { close(block) })
	tests := []struct {
		name    string
		handler http.HandlerFunc
		wantErr string
	}{
		{"50 MB", func(w http.ResponseWriter, r *http.Request) {
			chunk := bytes.Repeat([]byte("x"), 1<<20)
			w.Write([]byte(`<?xml version="1.0"?><rss version="2.0"><channel><title>`))
			for range 50 {
				if _, err := w.Write(chunk); err != nil {
					return
				}
			}
		}, "response too large"},
		{"slow", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/rss+xml")
			w.WriteHeader(200)
			w.Write([]byte(`<?xml version="1.0"?><rss version="2.0">`))
			w.(http.Flusher).Flush()
			select {
			case <-block:
			case <-r.Context().Done():
			}
		}, "timed out"},
		{"redirect loop", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/loop2", http.StatusFound) }, "redirect loop"},
		{"too many redirects", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, r.URL.Path+"/x", http.StatusFound)
		}, "more than 5 redirects"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			timeout := 20 * time.Second
			if tt.name == "slow" {
				// The server never finishes: the timeout ends it. It also
				// bounds the good feed's fetch on the other host, so it is
				// long enough for a loaded -race CI box, and no longer than
				// needed to keep the test quick.
				timeout = 2 * time.Second
			}
			e := newEnv(t, func(_ *Options, fo *FetcherOptions) { fo.Timeout = timeout; fo.MaxBytes = 4 << 20 })
			e.mux.HandleFunc("/feed", tt.handler)
			e.mux.HandleFunc("/feed/", tt.handler)
			e.mux.HandleFunc("/loop2", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/feed", http.StatusFound) })
			// The good feed is on another host: a slow host holds up only its own feeds.
			other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				data, _ := os.ReadFile("testdata/feed.json")
				w.Write(data)
			}))
			defer other.Close()
			f := e.add("/feed")
			if _, _, err := e.p.Add(e.ctx, other.URL+"/feed.json"); err != nil {
				t.Fatal(err)
			}
			r := e.poll()
			if r.Errors != 1 || r.OK != 1 || r.Added != 1 {
				t.Errorf("round %+v: want the broken feed failed and the good one read", r)
			}
			if st := e.feed(f.ID); !strings.Contains(st.LastError, tt.wantErr) {
				t.Errorf("last error %q, want %q", st.LastError, tt.wantErr)
			}
		})
	}
}

func TestPermanentRedirect(t *testing.T) {
	e := newEnv(t, nil)
	e.fixture("/new.xml", "rss.xml", "application/rss+xml")
	e.mux.HandleFunc("/old.xml", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/new.xml", http.StatusMovedPermanently)
	})
	e.mux.HandleFunc("/temp.xml", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/new2.xml", http.StatusFound)
	})
	e.fixture("/new2.xml", "atom.xml", "application/atom+xml")
	f := e.add("/old.xml")
	g := e.add("/temp.xml")
	if r := e.poll(); r.Added != 3 {
		t.Fatalf("round %+v", r)
	}
	if got := e.feed(f.ID).URL; got != e.srv.URL+"/new.xml" {
		t.Errorf("moved feed's URL %q", got)
	}
	if got := e.feed(g.ID).URL; got != e.srv.URL+"/temp.xml" {
		t.Errorf("temporarily redirected feed's URL changed to %q", got)
	}
	r := e.poll()
	if r.Added != 0 || e.hits_("/old.xml") != 1 || len(e.articles()) != 3 {
		t.Errorf("second round %+v, old URL hit %d times, %d articles", r, e.hits_("/old.xml"), len(e.articles()))
	}
}

func TestOneRequestPerHost(t *testing.T) {
	e := newEnv(t, func(o *Options, _ *FetcherOptions) { o.Concurrency = 8 })
	var cur, peak atomic.Int64
	e.mux.HandleFunc("/f/", func(w http.ResponseWriter, r *http.Request) {
		n := cur.Add(1)
		defer cur.Add(-1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		w.Write(bytes.ReplaceAll(rssWith([3]string{r.URL.Path, "Item " + r.URL.Path, long("Harbour news item.")}), []byte("{{BASE}}"), []byte(e.srv.URL)))
	})
	for i := range 12 {
		e.add(fmt.Sprintf("/f/%d", i))
	}
	if r := e.poll(); r.OK != 12 {
		t.Fatalf("round %+v", r)
	}
	if peak.Load() != 1 {
		t.Errorf("%d requests at once to one host", peak.Load())
	}
}

func TestSSRF(t *testing.T) {
	var reached atomic.Int64
	inside := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reached.Add(1)
		io.WriteString(w, "secret")
	}))
	ln, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Skip("no 127.0.0.2 on this host:", err)
	}
	inside.Listener = ln
	inside.Start()
	defer inside.Close()
	_, insidePort, _ := net.SplitHostPort(ln.Addr().String())

	// outside stands for a public server: its address is allowed by name below.
	outside := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/to-inside":
			http.Redirect(w, r, inside.URL+"/admin", http.StatusFound)
		case "/to-metadata":
			http.Redirect(w, r, "http://169.254.169.254/latest/meta-data/", http.StatusMovedPermanently)
		default:
			io.WriteString(w, "public")
		}
	}))
	defer outside.Close()
	_, outsidePort, _ := net.SplitHostPort(outside.Listener.Addr().String())

	fe := NewFetcher(FetcherOptions{
		Timeout: 2 * time.Second,
		Allow:   []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}, // "public" for this test
		LookupIP: func(ctx context.Context, host string) ([]netip.Addr, error) {
			switch host {
			case "news.example.com":
				return []netip.Addr{netip.MustParseAddr("127.0.0.2")}, nil
			case "rebind.example.com":
				return []netip.Addr{netip.MustParseAddr("10.1.2.3"), netip.MustParseAddr("127.0.0.2")}, nil
			}
			return nil, errors.New("no such host")
		},
	})
	defer fe.Close()
	ctx := context.Background()
	if _, err := fe.Get(ctx, Request{URL: outside.URL + "/plain"}); err != nil {
		t.Fatalf("an allowed address is refused: %v", err)
	}
	for _, u := range []string{
		"http://127.0.0.2:" + insidePort + "/admin",
		"http://[::1]:" + insidePort + "/",
		"http://169.254.169.254/latest/meta-data/",
		"http://0.0.0.0:" + insidePort + "/",
		"http://[::ffff:127.0.0.2]:" + insidePort + "/",
		"http://news.example.com:" + insidePort + "/admin",
		"http://rebind.example.com:" + insidePort + "/admin",
		outside.URL + "/to-inside",
		outside.URL + "/to-metadata",
		"http://127.0.0.1:" + outsidePort + "/to-inside",
	} {
		_, err := fe.Get(ctx, Request{URL: u})
		var be *BlockedError
		if !errors.As(err, &be) {
			t.Errorf("%s: error %v, want refused", u, err)
		}
	}
	if n := reached.Load(); n != 0 {
		t.Errorf("the internal server was reached %d times", n)
	}
	for _, u := range []string{"file:///etc/passwd", "gopher://example.com/", "ftp://example.com/feed", "//example.com/feed", "https://user:pw@example.com/feed"} {
		if _, err := fe.Get(ctx, Request{URL: u}); err == nil || !strings.Contains(err.Error(), "https://example.com/feed.xml") {
			t.Errorf("%s: %v, want a refusal with an example", u, err)
		}
	}
}

func TestPublic(t *testing.T) {
	f := NewFetcher(FetcherOptions{})
	for addr, want := range map[string]bool{
		"93.184.216.34": true, "2606:4700::1111": true, "8.8.8.8": true,
		"127.0.0.1": false, "127.9.9.9": false, "10.0.0.1": false, "172.16.5.4": false, "192.168.1.1": false,
		"169.254.169.254": false, "0.0.0.0": false, "100.64.0.1": false, "::1": false, "::": false,
		"fe80::1": false, "fd00::1": false, "::ffff:10.0.0.1": false, "64:ff9b::a00:1": false, "64:ff9b::808:808": true,
		"224.0.0.1": false, "255.255.255.255": false,
	} {
		if got := f.Public(netip.MustParseAddr(addr)); got != want {
			t.Errorf("Public(%s) = %v, want %v", addr, got, want)
		}
	}
}

func TestAddRefuses(t *testing.T) {
	e := newEnv(t, func(_ *Options, fo *FetcherOptions) { fo.AllowPrivate = false })
	for _, u := range []string{"http://127.0.0.1/feed", "http://localhost:8080/feed", "http://169.254.169.254/", "file:///etc/passwd", "example.com/feed", "http://[::1]/x"} {
		if _, _, err := e.p.Add(e.ctx, u); !errors.Is(err, ErrBadURL) || !strings.Contains(err.Error(), "example.com/feed.xml") {
			t.Errorf("add %s: %v", u, err)
		}
	}
	if _, created, err := e.p.Add(e.ctx, "https://news.example.org/rss"); err != nil || !created {
		t.Errorf("add public: %v %v", created, err)
	}
	if _, created, err := e.p.Add(e.ctx, "https://news.example.org/rss"); err != nil || created {
		t.Errorf("add twice: created %v, %v", created, err)
	}
}

func TestOPML(t *testing.T) {
	in := `<?xml version="1.0" encoding="UTF-8"?>
<opml version="1.0"><head><title>My feeds</title></head><body>
<outline text="News">
  <outline text="Harbour Ledger" type="rss" xmlUrl="https://ledger.example.com/rss" htmlUrl="https://ledger.example.com/"/>
  <outline text="Orchard" type="rss" xmlUrl="https://orchard.example.com/atom.xml"/>
</outline>
<outline text="Tram" type="rss" xmlUrl="https://tram.example.com/feed.json"/>
<outline text="Dup" type="rss" xmlUrl="https://tram.example.com/feed.json"/>
</body></opml>`
	urls, err := ReadOPML(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"https://ledger.example.com/rss", "https://orchard.example.com/atom.xml", "https://tram.example.com/feed.json"}
	if fmt.Sprint(urls) != fmt.Sprint(want) {
		t.Errorf("urls %v", urls)
	}
	var b bytes.Buffer
	list := []Feed{{Feed: store.Feed{ID: 1, URL: want[0], Title: "Harbour & Ledger"}}, {Feed: store.Feed{ID: 2, URL: want[1]}}}
	if err := WriteOPML(&b, list); err != nil {
		t.Fatal(err)
	}
	back, err := ReadOPML(&b)
	if err != nil || fmt.Sprint(back) != fmt.Sprint(want[:2]) {
		t.Errorf("round trip %v %v", back, err)
	}
	if _, err := ReadOPML(strings.NewReader("not xml at all")); err == nil || !strings.Contains(err.Error(), "OPML") {
		t.Errorf("bad OPML: %v", err)
	}
}

func TestRunPollsDueFeeds(t *testing.T) {
	e := newEnv(t, nil)
	e.fixture("/feed", "rss.xml", "application/rss+xml")
	ctx, cancel := context.WithCancel(e.ctx)
	done := make(chan error, 1)
	go func() { done <- e.p.Run(ctx) }()
	f := e.add("/feed")
	// Wait (on the store, not the clock) until Run has polled it.
	for e.feed(f.ID).LastOK.IsZero() {
		select {
		case err := <-done:
			t.Fatalf("run returned %v", err)
		case <-time.After(5 * time.Millisecond):
		}
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("run: %v", err)
	}
	if n := len(e.articles()); n != 2 {
		t.Errorf("%d articles", n)
	}
}

func TestRemovedWhilePolled(t *testing.T) {
	e := newEnv(t, nil)
	arrived, release := make(chan struct{}), make(chan struct{})
	data, _ := os.ReadFile("testdata/rss.xml")
	e.mux.HandleFunc("/feed", func(w http.ResponseWriter, r *http.Request) {
		close(arrived)
		<-release
		w.Write(bytes.ReplaceAll(data, []byte("{{BASE}}"), []byte(e.srv.URL)))
	})
	f := e.add("/feed")
	done := make(chan Round)
	go func() {
		r, _ := e.p.PollAll(e.ctx)
		done <- r
	}()
	<-arrived
	if _, err := e.p.Remove(e.ctx, f.ID); err != nil {
		t.Fatal(err)
	}
	close(release)
	<-done
	if arts := e.articles(); len(arts) != 0 {
		t.Errorf("a removed feed's articles came back: %+v", arts)
	}
	if counts, _ := e.st.CountFeedItems(e.ctx); counts[f.ID] != 0 {
		t.Errorf("item records of a removed feed: %v", counts)
	}
}

// TestCrashBetweenWrites: a crash after the articles were committed but
// before the feed's item records and state were (the next poll repeats
// the request) leaves no duplicate and nothing lost, index included.
func TestCrashBetweenWrites(t *testing.T) {
	e := newEnv(t, nil)
	e.fixture("/feed", "rss.xml", "application/rss+xml")
	f := e.add("/feed")
	before := e.feed(f.ID)
	e.poll()
	// Undo what was written after the articles, as if the process died there.
	if _, err := e.st.DB().ExecContext(e.ctx, `DELETE FROM feed_items`); err != nil {
		t.Fatal(err)
	}
	if err := e.st.SaveFeedState(e.ctx, before); err != nil {
		t.Fatal(err)
	}
	lib, _, err := briefing.Open(e.ctx, e.st, briefing.Options{Corpus: fstest.MapFS{}, Now: e.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	opt := e.opt
	opt.Library = lib
	p, err := New(opt)
	if err != nil {
		t.Fatal(err)
	}
	r, err := p.PollAll(e.ctx)
	if err != nil || r.OK != 1 || r.Added != 0 || r.Updated != 0 {
		t.Fatalf("round after the crash %+v %v", r, err)
	}
	if arts, _ := lib.Articles(e.ctx); len(arts) != 2 {
		t.Errorf("%d articles, want 2", len(arts))
	}
	if ans, _ := lib.Ask(e.ctx, "pilot station Gull Point rebuild", briefing.AskOptions{}); len(ans.Groups) != 1 {
		t.Errorf("answer groups %d, want the one article once", len(ans.Groups))
	}
	d, _ := lib.Digest(e.ctx, briefing.DigestRequest{Since: e.clock.Now().Add(-time.Hour), Until: e.clock.Now().Add(time.Second)})
	if d.Articles != 2 {
		t.Errorf("digest of %d articles, want 2", d.Articles)
	}
}

func TestGzipAndUserAgent(t *testing.T) {
	e := newEnv(t, nil)
	data, _ := os.ReadFile("testdata/atom.xml")
	var agents, encodings []string
	var mu sync.Mutex
	e.mux.HandleFunc("/feed", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		agents, encodings = append(agents, r.UserAgent()), append(encodings, r.Header.Get("Accept-Encoding"))
		mu.Unlock()
		w.Header().Set("Content-Type", "application/atom+xml")
		w.Header().Set("Content-Encoding", "gzip")
		zw := gzip.NewWriter(w)
		zw.Write(bytes.ReplaceAll(data, []byte("{{BASE}}"), []byte(e.srv.URL)))
		zw.Close()
	})
	e.add("/feed")
	if r := e.poll(); r.Added != 1 {
		t.Fatalf("round %+v", r)
	}
	if len(agents) != 1 || !strings.Contains(agents[0], "briefbot") || !strings.Contains(encodings[0], "gzip") {
		t.Errorf("User-Agent %q, Accept-Encoding %q", agents, encodings)
	}
}
