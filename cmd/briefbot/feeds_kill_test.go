package main

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack/slacktest"
)

// TestServeFeedAcrossKill runs the real binary: a feed added from Slack is
// polled and its item reaches a scheduled digest; after kill -9 and a
// restart the item is not posted again, and an item polled while down
// (briefbot feeds poll) reaches exactly one digest.
func TestServeFeedAcrossKill(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "briefbot")
	build := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}

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
	numPosts := func() int { postsMu.Lock(); defer postsMu.Unlock(); return len(posts) }
	waitPosts := func(n int) []string {
		t.Helper()
		deadline := time.Now().Add(60 * time.Second)
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
			time.Sleep(50 * time.Millisecond)
		}
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

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	env := append(os.Environ()[:0:0],
		"PATH="+os.Getenv("PATH"), "HOME="+dir,
		"SLACK_SIGNING_SECRET="+slackSecret, "SLACK_BOT_TOKEN="+slackToken, "SLACK_API_URL="+fake.GetAPIURL(),
		"BRIEFBOT_DIGEST_SCHEDULE=@every 2s", "BRIEFBOT_DIGEST_CHANNELS=slack:CDIGEST", "BRIEFBOT_DIGEST_EMPTY=post",
		"BRIEFBOT_FEEDS_ALLOW_PRIVATE=true", "BRIEFBOT_CORPUS_DIR="+t.TempDir(), "BRIEFBOT_DATA_DIR="+filepath.Join(dir, "data"),
		"BRIEFBOT_HTTP_ADDR="+addr,
	)
	var logs bytes.Buffer
	start := func() *exec.Cmd {
		cmd := exec.Command(bin, "serve")
		cmd.Env, cmd.Dir, cmd.Stderr = env, dir, &logs
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(30 * time.Second)
		for {
			resp, err := http.Get("http://" + addr + "/readyz")
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode == 200 {
					return cmd
				}
			}
			if time.Now().After(deadline) {
				cmd.Process.Kill()
				cmd.Wait()
				t.Fatalf("serve never became ready:\n%s", logs.String())
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	kill := func(cmd *exec.Cmd) {
		cmd.Process.Kill() // SIGKILL: no shutdown code runs
		cmd.Wait()
	}

	cmd := start()
	slackCommand(t, "http://"+addr, "feeds add "+feed.URL+"/rss.xml", responses.URL+"/add", time.Now(), false)
	got.wait(t, "response_url/add", "Added feed #1", 30*time.Second)
	first := items[0]
	for count(waitPosts(numPosts()+1), first) == 0 {
	}
	// One more digest, so that the first one's delivery is recorded: a kill
	// while a post is in flight is the scheduler's business (it is then not
	// sent again and its articles go to the next digest).
	waitPosts(numPosts() + 1)
	kill(cmd)

	mu.Lock()
	second := "Footbridge over the weir reopens to walkers"
	items = append(items, second)
	mu.Unlock()
	poll := exec.Command(bin, "feeds", "poll")
	poll.Env, poll.Dir = env, dir
	if out, err := poll.CombinedOutput(); err != nil || !bytes.Contains(out, []byte("1 articles added")) {
		t.Fatalf("feeds poll: %v\n%s", err, out)
	}

	cmd = start()
	defer kill(cmd)
	for count(waitPosts(numPosts()+1), second) == 0 {
	}
	ps := waitPosts(numPosts() + 2)
	if c1, c2 := count(ps, first), count(ps, second); c1 != 1 || c2 != 1 {
		t.Errorf("across kill -9: %q in %d digests, %q in %d; want 1 each\n%s", first, c1, second, c2, logs.String())
	}
}
