package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack/slacktest"

	"briefbot/config"
)

// TestServeFeedFromChatReachesDigestOnce adds a feed from Slack while
// serving; its items reach the scheduled digest exactly once, and a new
// item polled while serve is down (briefbot feeds poll) reaches the first
// digest after the restart, the old one not again.
func TestServeFeedFromChatReachesDigestOnce(t *testing.T) {
	var mu sync.Mutex
	items := []string{"Quarry lake swimming ban lifted after water tests"}
	var feed *httptest.Server
	feed = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		var b strings.Builder
		fmt.Fprintf(&b, `<?xml version="1.0"?><rss version="2.0"><channel><title>Upland Gazette</title><link>%s/</link>`, feed.URL)
		for i, title := range items {
			fmt.Fprintf(&b, `<item><guid>g%d</guid><title>%s</title><link>%s/p/%d</link><pubDate>%s</pubDate><description>%s</description></item>`,
				i, title, feed.URL, i, time.Now().Add(-time.Hour).UTC().Format(time.RFC1123Z),
				strings.Repeat(title+" was reported by the council on Tuesday evening after a long meeting. ", 12))
		}
		b.WriteString(`</channel></rss>`)
		io.WriteString(w, b.String())
	}))
	defer feed.Close()

	var got capture
	responses := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got.add("response_url"+r.URL.Path, string(b))
	}))
	defer responses.Close()
	var postsMu sync.Mutex
	var posts []string
	fake := slacktest.NewTestServer(func(c slacktest.Customize) {
		c.Handle("/chat.postMessage", func(w http.ResponseWriter, r *http.Request) {
			r.ParseForm()
			if r.PostForm.Get("channel") == "CDIGEST" {
				postsMu.Lock()
				posts = append(posts, r.PostForm.Get("text")+"\n"+r.PostForm.Get("blocks"))
				postsMu.Unlock()
			}
			fmt.Fprintf(w, `{"ok":true,"channel":%q,"ts":"1700000000.000100"}`, r.PostForm.Get("channel"))
		})
		c.Handle("/auth.test", func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, `{"ok":true,"user_id":"UBOT","bot_id":"B1","team_id":"T1"}`)
		})
	})
	fake.Start()
	defer fake.Stop()
	// waitPosts waits until n digests were posted, on the fake's record.
	waitPosts := func(n int) []string {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for {
			postsMu.Lock()
			p := append([]string(nil), posts...)
			postsMu.Unlock()
			if len(p) >= n {
				return p
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d digests posted, want %d", len(p), n)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	numPosts := func() int {
		postsMu.Lock()
		defer postsMu.Unlock()
		return len(posts)
	}
	count := func(ps []string, title string) int {
		n := 0
		for _, p := range ps {
			if strings.Contains(p, title) {
				n++
			}
		}
		return n
	}

	env := map[string]string{
		"SLACK_SIGNING_SECRET": slackSecret, "SLACK_BOT_TOKEN": slackToken, "SLACK_API_URL": fake.GetAPIURL(),
		"BRIEFBOT_DIGEST_SCHEDULE": "@every 2s", "BRIEFBOT_DIGEST_CHANNELS": "slack:CDIGEST", "BRIEFBOT_DIGEST_EMPTY": "post",
		"BRIEFBOT_FEEDS_ALLOW_PRIVATE": "true", "BRIEFBOT_CORPUS_DIR": t.TempDir(), "BRIEFBOT_DATA_DIR": t.TempDir(),
		"BRIEFBOT_HTTP_ADDR": "127.0.0.1:0",
	}
	logs := &syncWriter{w: &bytes.Buffer{}}
	run := func() (base string, stop func()) {
		cfg, err := config.Load(func(k string) string { return env[k] })
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		ready := make(chan string, 1)
		done := make(chan error, 1)
		go func() { done <- serve(ctx, cfg, slog.New(slog.NewTextHandler(logs, nil)), serveHooks{ready: ready}) }()
		select {
		case addr := <-ready:
			base = "http://" + addr
		case err := <-done:
			t.Fatalf("serve stopped: %v", err)
		}
		for {
			resp, err := http.Get(base + "/readyz")
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode == 200 {
					break
				}
			}
			time.Sleep(20 * time.Millisecond)
		}
		return base, func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("serve returned %v", err)
			}
		}
	}

	base, stop := run()
	slackCommand(t, base, "feeds add "+feed.URL+"/rss.xml", responses.URL+"/add", time.Now(), false)
	t.Cleanup(func() {
		if t.Failed() {
			t.Log(logs.String())
		}
	})
	got.wait(t, "response_url/add", "Added feed #1", 20*time.Second)
	first := items[0]
	for {
		ps := waitPosts(numPosts() + 1)
		if count(ps, first) > 0 {
			break
		}
	}
	n := len(waitPosts(0))
	ps := waitPosts(n + 2) // two more digests: nothing new
	if c := count(ps, first); c != 1 {
		t.Fatalf("%q in %d digests, want 1", first, c)
	}
	slackCommand(t, base, "feeds", responses.URL+"/list", time.Now(), false)
	got.wait(t, "response_url/list", "#1 Upland Gazette", 20*time.Second)
	stop()

	mu.Lock()
	second := "Footbridge over the weir reopens to walkers"
	items = append(items, second)
	mu.Unlock()
	// Polled by `briefbot feeds poll` (a cron) while serve is down.
	if code, out, errOut := runCLI(t, env, "", "feeds", "poll"); code != 0 || !strings.Contains(out, "1 articles added") {
		t.Fatalf("feeds poll: exit %d\n%s%s", code, out, errOut)
	}
	_, stop = run()
	defer stop()
	for {
		ps := waitPosts(numPosts() + 1)
		if count(ps, second) > 0 {
			break
		}
	}
	n = len(waitPosts(0))
	ps = waitPosts(n + 2)
	if c1, c2 := count(ps, first), count(ps, second); c1 != 1 || c2 != 1 {
		t.Errorf("across a restart: %q in %d digests, %q in %d; want 1 each", first, c1, second, c2)
	}
}
