package main

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"briefbot/bot/slack/slackfake"
)

// uplandFeed is an RSS feed, /rss.xml on a test server, whose items are the
// titles added so far (each dated an hour ago). It stops when the test ends.
type uplandFeed struct {
	mu    sync.Mutex
	items []string
	srv   *httptest.Server
}

func newUplandFeed(t *testing.T, first string) *uplandFeed {
	t.Helper()
	f := &uplandFeed{items: []string{first}}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		defer f.mu.Unlock()
		var b strings.Builder
		fmt.Fprintf(&b, `<?xml version="1.0"?><rss version="2.0"><channel><title>Upland Gazette</title><link>%s/</link>`, f.srv.URL)
		for i, title := range f.items {
			fmt.Fprintf(&b, `<item><guid>g%d</guid><title>%s</title><link>%s/p/%d</link><pubDate>%s</pubDate><description>%s</description></item>`,
				i, title, f.srv.URL, i, time.Now().Add(-time.Hour).UTC().Format(time.RFC1123Z),
				strings.Repeat(title+" was reported by the council on Tuesday evening after a long meeting. ", 12))
		}
		b.WriteString(`</channel></rss>`)
		io.WriteString(w, b.String())
	}))
	t.Cleanup(f.srv.Close)
	return f
}

// URL is the feed's address.
func (f *uplandFeed) URL() string { return f.srv.URL + "/rss.xml" }

// add publishes one more item.
func (f *uplandFeed) add(title string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.items = append(f.items, title)
}

// digests returns the messages the fake Slack accepted in channel, text
// and blocks.
func digests(fake *slackfake.Server, channel string) []string {
	var out []string
	for _, p := range fake.Posts() {
		if p.Channel == channel {
			out = append(out, p.Text+"\n"+p.Blocks)
		}
	}
	return out
}

// waitDigests waits until n messages were posted to channel and returns
// them; the deadline only stops a broken test from hanging.
func waitDigests(t *testing.T, fake *slackfake.Server, channel string, n int) []string {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		if ps := digests(fake, channel); len(ps) >= n {
			return ps
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d digests posted to %s, want %d", len(digests(fake, channel)), channel, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitDigestWith waits until a message in channel carries title, and
// returns them all; the deadline only stops a broken test from hanging.
func waitDigestWith(t *testing.T, fake *slackfake.Server, channel, title string) []string {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		ps := digests(fake, channel)
		if countIn(ps, title) > 0 {
			return ps
		}
		if time.Now().After(deadline) {
			t.Fatalf("no digest in %s carries %q; got %q", channel, title, ps)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// countIn counts the messages that mention title.
func countIn(ps []string, title string) int {
	n := 0
	for _, p := range ps {
		if strings.Contains(p, title) {
			n++
		}
	}
	return n
}
