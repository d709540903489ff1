package main

import (
	"bytes"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"briefbot/bot/slack/slackfake"
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

	first := "Quarry lake swimming ban lifted after water tests"
	feed := newUplandFeed(t, first)
	fake := slackfake.New(t, slackfake.Options{BotToken: slackToken})

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	env := append(os.Environ()[:0:0],
		"PATH="+os.Getenv("PATH"), "HOME="+dir,
		"SLACK_SIGNING_SECRET="+slackSecret, "SLACK_BOT_TOKEN="+slackToken, "SLACK_API_URL="+fake.APIURL(),
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
		deadline := time.Now().Add(60 * time.Second)
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
	defer kill(cmd) // on failure; killing twice is harmless
	slackCommand(t, "http://"+addr, "feeds add "+feed.URL(), fake.ResponseURL("add"), time.Now(), false)
	if r := response(t, fake, "add"); !strings.Contains(r, "Added feed #1") {
		t.Fatalf("feeds add: %s", r)
	}
	waitDigestWith(t, fake, "CDIGEST", first)
	// One more digest, so that the first one's delivery is recorded: a kill
	// while a post is in flight is the scheduler's business (it is then not
	// sent again and its articles go to the next digest).
	waitDigests(t, fake, "CDIGEST", len(digests(fake, "CDIGEST"))+1)
	kill(cmd)

	second := "Footbridge over the weir reopens to walkers"
	feed.add(second)
	poll := exec.Command(bin, "feeds", "poll")
	poll.Env, poll.Dir = env, dir
	if out, err := poll.CombinedOutput(); err != nil || !bytes.Contains(out, []byte("1 articles added")) {
		t.Fatalf("feeds poll: %v\n%s", err, out)
	}

	cmd = start()
	defer kill(cmd)
	waitDigestWith(t, fake, "CDIGEST", second)
	ps := waitDigests(t, fake, "CDIGEST", len(digests(fake, "CDIGEST"))+2)
	kill(cmd) // before reading its log
	if c1, c2 := countIn(ps, first), countIn(ps, second); c1 != 1 || c2 != 1 {
		t.Errorf("across kill -9: %q in %d digests, %q in %d; want 1 each\n%s", first, c1, second, c2, logs.String())
	}
}
