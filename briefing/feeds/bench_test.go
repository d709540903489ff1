package feeds

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"briefbot/briefing"
	"briefbot/briefing/store"
)

// benchFeeds is how many feeds the benchmarks poll: BRIEFBOT_BENCH_FEEDS,
// default 1000.
func benchFeeds(b *testing.B) int {
	if v := os.Getenv("BRIEFBOT_BENCH_FEEDS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			b.Fatalf("BRIEFBOT_BENCH_FEEDS=%q is not a positive number", v)
		}
		return n
	}
	return 1000
}

// benchSetup opens a store and library in a temporary directory and a
// poller over srv's feeds /f/0 ... /f/n-1.
func benchSetup(b *testing.B, srv *httptest.Server, n int) (*Poller, *briefing.Library) {
	b.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	lib, _, err := briefing.Open(ctx, st, briefing.Options{Corpus: fstest.MapFS{}})
	if err != nil {
		b.Fatal(err)
	}
	fe := NewFetcher(FetcherOptions{AllowPrivate: true})
	b.Cleanup(fe.Close)
	p, err := New(Options{Store: st, Library: lib, Fetcher: fe, Concurrency: 8})
	if err != nil {
		b.Fatal(err)
	}
	urls := make([]string, n)
	for i := range urls {
		urls[i] = fmt.Sprintf("%s/f/%d", srv.URL, i)
	}
	if err := p.Seed(ctx, urls); err != nil {
		b.Fatal(err)
	}
	return p, lib
}

// maxRSS reports the process's peak resident set (VmHWM) in MB; 0 when
// /proc is not there.
func maxRSS() float64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(rest), " kB"))
			return float64(kb) / 1024
		}
	}
	return 0
}

// BenchmarkPollRound304 is one polling round over 1,000 feeds (one local
// server) that all answer 304 Not Modified.
func BenchmarkPollRound304(b *testing.B) {
	n := benchFeeds(b)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("If-None-Match") == `"v1"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", `"v1"`)
		fmt.Fprintf(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>Feed %s</title><link>http://example.com/</link><item><guid>%s-1</guid><title>Item of %s</title><description>%s</description></item></channel></rss>`,
			r.URL.Path, r.URL.Path, r.URL.Path, strings.Repeat("Harbour cranes were repaired on Tuesday after the storm. ", 20))
	}))
	defer srv.Close()
	p, _ := benchSetup(b, srv, n)
	ctx := context.Background()
	if r, err := p.PollAll(ctx); err != nil || r.OK != n {
		b.Fatalf("first round %+v %v", r, err)
	}
	b.ResetTimer()
	for b.Loop() {
		r, err := p.PollAll(ctx)
		if err != nil || r.NotModified != n {
			b.Fatalf("round %+v %v", r, err)
		}
	}
	b.ReportMetric(float64(n), "feeds")
	b.ReportMetric(maxRSS(), "peak-RSS-MB")
}

// BenchmarkIndexNewItems polls 1,000 feeds of 50 new teaser items each,
// every item's full text fetched from a local article page, extracted and
// indexed: one round from empty.
func BenchmarkIndexNewItems(b *testing.B) {
	n := benchFeeds(b)
	const items = 50
	page := func(feed, item string) string {
		var body strings.Builder
		for k := range 6 {
			fmt.Fprintf(&body, "<p>Paragraph %d of story %s in feed %s. The council met on Tuesday to discuss the ferry timetable, the harbour wall and the new footbridge over the weir, and residents asked how the repairs would be paid for before the winter storms.</p>", k, item, feed)
		}
		return `<!DOCTYPE html><html><head><title>Story ` + item + `</title></head><body><nav><a href="/">Home</a> <a href="/news">News</a></nav><article><h1>Story ` + item + ` of feed ` + feed + `</h1>` +
			body.String() + `</article><footer>© 2026 Example News. All rights reserved.</footer></body></html>`
	}
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
		switch {
		case len(parts) == 2 && parts[0] == "f":
			var b strings.Builder
			fmt.Fprintf(&b, `<?xml version="1.0"?><rss version="2.0"><channel><title>Feed %s</title><link>%s/</link>`, parts[1], srv.URL)
			for i := range items {
				fmt.Fprintf(&b, `<item><guid>%s-%d</guid><title>Story %d of feed %s</title><link>%s/p/%s/%d</link><pubDate>%s</pubDate><description>Story %d begins here…</description></item>`,
					parts[1], i, i, parts[1], srv.URL, parts[1], i, time.Now().Add(-time.Hour).UTC().Format(time.RFC1123Z), i)
			}
			b.WriteString(`</channel></rss>`)
			w.Write([]byte(b.String()))
		case len(parts) == 3 && parts[0] == "p":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Write([]byte(page(parts[1], parts[2])))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	ctx := context.Background()
	for b.Loop() {
		b.StopTimer()
		p, lib := benchSetup(b, srv, n)
		b.StartTimer()
		r, err := p.PollAll(ctx)
		if err != nil || r.Added != n*items {
			b.Fatalf("round %+v %v", r, err)
		}
		b.StopTimer()
		if arts, _ := lib.Articles(ctx); len(arts) != n*items {
			b.Fatalf("%d articles", len(arts))
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(n*items), "articles")
	b.ReportMetric(maxRSS(), "peak-RSS-MB")
}
