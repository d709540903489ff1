package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"briefbot/bot/slack/slackfake"
)

// TestServeFeedFromChatReachesDigestOnce adds a feed from Slack while
// serving; its items reach the scheduled digest exactly once, and a new
// item polled while serve is down (briefbot feeds poll) reaches the first
// digest after the restart, the old one not again.
func TestServeFeedFromChatReachesDigestOnce(t *testing.T) {
	first := "Quarry lake swimming ban lifted after water tests"
	feed := newUplandFeed(t, first)
	fake := slackfake.New(t, slackfake.Options{BotToken: slackToken})

	env := map[string]string{
		"SLACK_SIGNING_SECRET": slackSecret, "SLACK_BOT_TOKEN": slackToken, "SLACK_API_URL": fake.APIURL(),
		"BRIEFBOT_DIGEST_SCHEDULE": "@every 2s", "BRIEFBOT_DIGEST_CHANNELS": "slack:CDIGEST", "BRIEFBOT_DIGEST_EMPTY": "post",
		"BRIEFBOT_FEEDS_ALLOW_PRIVATE": "true", "BRIEFBOT_CORPUS_DIR": t.TempDir(), "BRIEFBOT_DATA_DIR": t.TempDir(),
	}
	logs := &syncWriter{w: &bytes.Buffer{}}
	base, stop := startServe(t, env, logs, serveHooks{})
	slackCommand(t, base, "feeds add "+feed.URL(), fake.ResponseURL("add"), time.Now(), false)
	t.Cleanup(func() {
		if t.Failed() {
			t.Log(logs.String())
		}
	})
	if r := response(t, fake, "add"); !strings.Contains(r, "Added feed #1") {
		t.Fatalf("feeds add: %s", r)
	}
	waitDigestWith(t, fake, "CDIGEST", first)
	n := len(digests(fake, "CDIGEST"))
	ps := waitDigests(t, fake, "CDIGEST", n+2) // two more digests: nothing new
	if c := countIn(ps, first); c != 1 {
		t.Fatalf("%q in %d digests, want 1", first, c)
	}
	slackCommand(t, base, "feeds", fake.ResponseURL("list"), time.Now(), false)
	if r := response(t, fake, "list"); !strings.Contains(r, "#1 Upland Gazette") {
		t.Fatalf("feeds: %s", r)
	}
	stop()

	second := "Footbridge over the weir reopens to walkers"
	feed.add(second)
	// Polled by `briefbot feeds poll` (a cron) while serve is down.
	if code, out, errOut := runCLI(t, env, "", "feeds", "poll"); code != 0 || !strings.Contains(out, "1 articles added") {
		t.Fatalf("feeds poll: exit %d\n%s%s", code, out, errOut)
	}
	startServe(t, env, logs, serveHooks{}) // stopped when the test ends
	waitDigestWith(t, fake, "CDIGEST", second)
	n = len(digests(fake, "CDIGEST"))
	ps = waitDigests(t, fake, "CDIGEST", n+2)
	if c1, c2 := countIn(ps, first), countIn(ps, second); c1 != 1 || c2 != 1 {
		t.Errorf("across a restart: %q in %d digests, %q in %d; want 1 each", first, c1, second, c2)
	}
}
