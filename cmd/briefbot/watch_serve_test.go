package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"briefbot/bot/slack/slackfake"
)

// TestServeWatchesTheCorpus writes, edits in place and removes an article
// in the corpus folder of a running serve whose re-scans are an hour
// apart: the file watcher makes each change answerable within seconds.
func TestServeWatchesTheCorpus(t *testing.T) {
	fake := slackfake.New(t, slackfake.Options{BotToken: slackToken})
	dir := t.TempDir()
	write := func(name, text string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("ferry.md", "---\ntitle: Electric ferry enters service\nsource: Harbour Example\n---\nThe city's first battery ferry began carrying passengers across the bay on Monday, cutting the crossing's fuel bill.\n")
	logs := &syncWriter{w: &strings.Builder{}}
	base, _ := startServe(t, map[string]string{
		"SLACK_SIGNING_SECRET": slackSecret, "SLACK_BOT_TOKEN": slackToken, "SLACK_API_URL": fake.APIURL(),
		"BRIEFBOT_CORPUS_DIR": dir, "BRIEFBOT_REFRESH": "1h", "BRIEFBOT_FULL_REFRESH": "1h",
	}, logs, serveHooks{})

	n := 0
	// until asks question until the answer satisfies ok; the deadline only
	// stops a broken test from hanging.
	until := func(what, question string, ok func(string) bool) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for {
			n++
			id := fmt.Sprintf("q%d", n)
			slackCommand(t, base, "ask "+question, fake.ResponseURL(id), time.Now(), false)
			answer := response(t, fake, id)
			if ok(answer) {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: never; last answer:\n%s\nlogs:\n%s", what, answer, logs)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	const glacier = "how far did the glacier retreat?"
	write("glacier.md", "---\ntitle: Alpine glacier retreats a record distance\nsource: Mountain Example\n---\nSurveyors measured the glacier's tongue forty metres shorter than last autumn, the largest retreat since records began.\n")
	until("the new article answered", glacier, func(a string) bool { return strings.Contains(a, "forty metres shorter") })

	// Edited in place: no folder's time changes; only the event tells.
	write("glacier.md", "---\ntitle: Alpine glacier retreats a record distance\nsource: Mountain Example\n---\nSurveyors measured the glacier's tongue sixty metres shorter than last autumn, the largest retreat since records began.\n")
	until("the edit answered", glacier, func(a string) bool {
		return strings.Contains(a, "sixty metres shorter") && !strings.Contains(a, "forty metres")
	})

	// In a new subfolder, then renamed, then removed.
	if err := os.Mkdir(filepath.Join(dir, "alps"), 0o755); err != nil {
		t.Fatal(err)
	}
	write("alps/pass.txt", "Mountain pass reopens\n\nThe high pass reopened to traffic after snowplough crews cleared the avalanche debris overnight.\n")
	const pass = "when did the mountain pass reopen after the avalanche?"
	until("the article in a new folder answered", pass, func(a string) bool { return strings.Contains(a, "snowplough crews") })
	if err := os.Remove(filepath.Join(dir, "glacier.md")); err != nil {
		t.Fatal(err)
	}
	until("the removed article withdrawn", glacier, func(a string) bool { return !strings.Contains(a, "metres shorter") })
	if strings.Contains(logs.String(), "not watched") {
		t.Errorf("the watcher did not start:\n%s", logs)
	}
}

// TestServeFullRefreshFindsEdits: unwatched (BRIEFBOT_WATCH=off), a file
// edited in place is found by the full pass (BRIEFBOT_FULL_REFRESH), not
// by the cheap one, here an hour apart.
func TestServeFullRefreshFindsEdits(t *testing.T) {
	fake := slackfake.New(t, slackfake.Options{BotToken: slackToken})
	dir := t.TempDir()
	name := filepath.Join(dir, "glacier.md")
	text := "---\ntitle: Alpine glacier retreats a record distance\nsource: Mountain Example\n---\nSurveyors measured the glacier's tongue %s metres shorter than last autumn, the largest retreat since records began.\n"
	if err := os.WriteFile(name, []byte(fmt.Sprintf(text, "forty")), 0o644); err != nil {
		t.Fatal(err)
	}
	base, _ := startServe(t, map[string]string{
		"SLACK_SIGNING_SECRET": slackSecret, "SLACK_BOT_TOKEN": slackToken, "SLACK_API_URL": fake.APIURL(),
		"BRIEFBOT_CORPUS_DIR": dir, "BRIEFBOT_REFRESH": "1h", "BRIEFBOT_FULL_REFRESH": "100ms", "BRIEFBOT_WATCH": "off",
	}, io.Discard, serveHooks{})
	if err := os.WriteFile(name, []byte(fmt.Sprintf(text, "sixty")), 0o644); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second) // only stops a broken test from hanging
	for i := 0; ; i++ {
		id := fmt.Sprintf("q%d", i)
		slackCommand(t, base, "ask how far did the glacier retreat?", fake.ResponseURL(id), time.Now(), false)
		answer := response(t, fake, id)
		if strings.Contains(answer, "sixty metres") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the edit was never answered from; last answer:\n%s", answer)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
