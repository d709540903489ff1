package bot

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"briefbot/briefing"
	"briefbot/briefing/feeds"
	"briefbot/briefing/schedule"
	"briefbot/briefing/store"
)

// feedsText is a reply's visible text, title and lines.
func feedsText(r Reply) string {
	var b strings.Builder
	b.WriteString(r.Title + "\n")
	for _, s := range r.Sections {
		if s.Heading != "" {
			b.WriteString(s.Heading + "\n")
		}
		for _, l := range s.Lines {
			b.WriteString(l.Text + "\n")
		}
	}
	return b.String()
}

func TestFeedsCommands(t *testing.T) {
	ctx := context.Background()
	rss, err := os.ReadFile("../briefing/feeds/testdata/rss.xml")
	if err != nil {
		t.Fatal(err)
	}
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/broken.xml" {
			http.Error(w, "down", http.StatusBadGateway)
			return
		}
		w.Write([]byte(strings.ReplaceAll(string(rss), "{{BASE}}", srv.URL)))
	}))
	defer srv.Close()
	st, err := store.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	lib, _, err := briefing.Open(ctx, st, briefing.Options{Corpus: fstest.MapFS{}})
	if err != nil {
		t.Fatal(err)
	}
	fe := feeds.NewFetcher(feeds.FetcherOptions{AllowPrivate: true})
	defer fe.Close()
	now := time.Now()
	var notices []Reply
	p, err := feeds.New(feeds.Options{Store: st, Library: lib, Fetcher: fe, FailAfter: 2, Now: func() time.Time { return now },
		OnFailing: func(_ context.Context, f feeds.Feed) { notices = append(notices, FailingNotice(f)) }})
	if err != nil {
		t.Fatal(err)
	}
	r := mustRouter(RouterOptions{Briefer: lib, Feeds: p, Now: func() time.Time { return now }})
	do := func(text string) Reply {
		return r.Handle(ctx, Request{Platform: "slack", Kind: Command, Channel: "C1", User: "U1", Text: text})
	}
	steps := []struct {
		text      string
		ephemeral bool
		want      []string
	}{
		{"feeds", true, []string{"No news feeds yet", "/brief feeds add https://example.com/feed.xml"}},
		{"feeds add", true, []string{"takes one feed address", "Example: /brief feeds add"}},
		{"feeds add ftp://x.example.com/feed", true, []string{"not an http(s) URL", "https://example.com/feed.xml"}},
		{"feeds add <" + srv.URL + "/rss.xml|Harbour>", false, []string{"Added feed #1: " + srv.URL + "/rss.xml", "polled within a minute"}},
		{"feeds add " + srv.URL + "/rss.xml", true, []string{"Feed #1 already follows"}},
		{"feeds add " + srv.URL + "/broken.xml", false, []string{"Added feed #2"}},
		{"feeds", true, []string{"2 news feeds", "#1 " + srv.URL + "/rss.xml — not polled yet"}},
	}
	check := func(steps []struct {
		text      string
		ephemeral bool
		want      []string
	}) {
		t.Helper()
		for _, s := range steps {
			rep := do(s.text)
			got := feedsText(rep)
			if rep.Ephemeral != s.ephemeral {
				t.Errorf("%q: ephemeral %v", s.text, rep.Ephemeral)
			}
			for _, w := range s.want {
				if !strings.Contains(got, w) {
					t.Errorf("%q: reply lacks %q:\n%s", s.text, w, got)
				}
			}
		}
	}
	check(steps)
	for range 3 {
		if _, err := p.PollAll(ctx); err != nil {
			t.Fatal(err)
		}
		now = now.Add(48 * time.Hour)
	}
	check([]struct {
		text      string
		ephemeral bool
		want      []string
	}{
		{"feeds", true, []string{"Failing\n#2 " + srv.URL + "/broken.xml — failing after 3 attempts: HTTP 502 Bad Gateway; last success never", "#1 Harbour Ledger — 2 items · checked "}},
		{"feeds remove", true, []string{"takes a feed number"}},
		{"feeds remove 9", true, []string{"There is no feed #9"}},
		{"feeds remove #2", false, []string{"Removed feed #2: " + srv.URL + "/broken.xml"}},
		{"feeds frob", true, []string{`"frob" is not a feeds action`}},
		{"help", true, []string{"/brief feeds [add URL | remove ID]"}},
	})
	if len(notices) != 1 || !strings.Contains(feedsText(notices[0]), "News feed #2 is failing") || !strings.Contains(feedsText(notices[0]), "HTTP 502") {
		t.Errorf("notices %+v, want one", notices)
	}
	none := mustRouter(RouterOptions{Briefer: lib})
	if rep := none.Handle(ctx, Request{Text: "feeds"}); !strings.Contains(rep.Title, "not available") {
		t.Errorf("without feeds: %+v", rep)
	}
}

func TestNotifyFailingOncePerChannel(t *testing.T) {
	daily, err := schedule.Parse("daily 08:00", time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, time.UTC, daily, schedule.Target{Platform: "slack", Channel: "C1"}, schedule.Target{Platform: "slack", Channel: "C9"})
	ctx := context.Background()
	for _, sub := range []schedule.Subscription{
		{Platform: "slack", Channel: "C1", Spec: "daily 09:00", TZ: "UTC"},   // a second digest in C1: still one notice there
		{Platform: "discord", Channel: "42", Spec: "daily 09:00", TZ: "UTC"}, // no chat for discord: skipped
		{Platform: "slack", Channel: "C2", Spec: "weekly mon 09:00", TZ: "UTC"},
	} {
		if _, err := e.sched.Subscribe(ctx, sub); err != nil {
			t.Fatal(err)
		}
	}
	f := feeds.Feed{StoredFeed: feeds.StoredFeed{ID: 4, URL: "https://news.example.com/rss", Title: "Harbour <b>Ledger</b>", Failures: 5, LastError: "HTTP 500 Internal Server Error"}}
	NotifyFailing(ctx, e.sched, map[string]Chat{"slack": e.chat}, f, slog.New(slog.DiscardHandler))
	got := map[string]int{}
	for _, p := range e.chat.Posts() {
		got[p.To.Channel]++
		text := feedsText(p.Reply)
		for _, w := range []string{"News feed #4 is failing: Harbour <b>Ledger</b>", "5 times", "HTTP 500", "/brief feeds remove 4"} {
			if !strings.Contains(text, w) {
				t.Errorf("notice lacks %q:\n%s", w, text)
			}
		}
	}
	if len(got) != 3 || got["C1"] != 1 || got["C9"] != 1 || got["C2"] != 1 {
		t.Errorf("notices by channel %v, want one each in C1, C2, C9", got)
	}
}
