package main

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"briefbot/bot/slack/slackfake"
)

// The integrity check reads the whole database, so serve runs it only when
// the last serve did not stop cleanly: at the first start, and after a
// stop that left no mark (a crash or a kill), but not after a clean stop.
func TestServeChecksTheDatabaseAfterAnUncleanStop(t *testing.T) {
	fake := slackfake.New(t, slackfake.Options{BotToken: slackToken})
	data := t.TempDir()
	mark := filepath.Join(data, cleanMark)
	run := func() string {
		t.Helper()
		logs := &syncWriter{w: &bytes.Buffer{}}
		_, stop := startServe(t, map[string]string{
			"SLACK_SIGNING_SECRET": slackSecret, "SLACK_BOT_TOKEN": slackToken, "SLACK_API_URL": fake.APIURL(),
			"BRIEFBOT_DATA_DIR": data,
		}, logs, serveHooks{})
		if _, err := os.Stat(mark); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("the clean-stop mark is still there while serve runs (%v): a crash now would skip the next check", err)
		}
		stop()
		if _, err := os.Stat(mark); err != nil {
			t.Errorf("no clean-stop mark after a clean stop: %v", err)
		}
		return logs.String()
	}
	const checking = "checking the database's integrity"
	if logs := run(); !strings.Contains(logs, checking) {
		t.Errorf("the first start did not check the database:\n%s", logs)
	}
	if logs := run(); strings.Contains(logs, checking) {
		t.Errorf("a start after a clean stop checked the database again:\n%s", logs)
	}
	if err := os.Remove(mark); err != nil { // as a crash leaves it
		t.Fatal(err)
	}
	if logs := run(); !strings.Contains(logs, checking) {
		t.Errorf("a start after an unclean stop did not check the database:\n%s", logs)
	}
}
