package main

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"briefbot/bot/slack/slackfake"
)

// A slash command Slack delivers again after serve restarted on the same
// data dir (the same trigger_id) is acknowledged and not answered again.
func TestServeAnswersACommandReplayedAfterARestartOnce(t *testing.T) {
	fake := slackfake.New(t, slackfake.Options{BotToken: slackToken})
	env := map[string]string{
		"SLACK_SIGNING_SECRET": slackSecret, "SLACK_BOT_TOKEN": slackToken, "SLACK_API_URL": fake.APIURL(),
		"BRIEFBOT_DATA_DIR": t.TempDir(), "BRIEFBOT_CORPUS_DIR": newsDir(t),
	}
	form := url.Values{"command": {"/brief"}, "text": {"ask what did sources say about export controls?"},
		"response_url": {fake.ResponseURL("replayed")}, "channel_id": {"C0SERVE"}, "user_id": {"U1"}, "team_id": {"T1"},
		"trigger_id": {"13345224609.738474920.8088930838d88f008e0"}}
	body := form.Encode()
	for run := range 2 {
		base, stop := startServe(t, env, io.Discard, serveHooks{})
		req, _ := http.NewRequest(http.MethodPost, base+"/slack/commands", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		slackfake.Sign(req, body, slackSecret, time.Now())
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("run %d: %s", run, resp.Status)
		}
		stop() // waits for the answers serve started
	}
	n := 0
	for _, p := range fake.Posts() {
		if p.Hook == "replayed" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("the command was answered %d times, want once", n)
	}
}
