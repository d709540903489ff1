package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"briefbot/bot"
	"briefbot/bot/slack/slackfake"
	"briefbot/briefing"
)

// TestServeRepliesCarryNoSecret: an article that quotes the bot token is
// answered in Slack with the token redacted.
func TestServeRepliesCarryNoSecret(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "leak.md"), []byte("---\ntitle: Tidal plant wiki leak\n---\nThe tidal power plant's engineers pasted "+slackToken+" into the plant's public wiki on Monday, the operator said.\n"), 0o644)
	fake := slackfake.New(t, slackfake.Options{BotToken: slackToken})
	base, _ := startServe(t, map[string]string{
		"SLACK_SIGNING_SECRET": slackSecret, "SLACK_BOT_TOKEN": slackToken, "SLACK_API_URL": fake.APIURL(),
		"BRIEFBOT_CORPUS_DIR": dir,
	}, io.Discard, serveHooks{})
	if resp := slackCommand(t, base, "ask tidal power plant wiki", fake.ResponseURL("leak"), time.Now(), false); resp.StatusCode != 200 {
		t.Fatalf("command: %s", resp.Status)
	}
	body := response(t, fake, "leak")
	if strings.Contains(body, slackToken) || !strings.Contains(body, "redacted") {
		t.Errorf("the reply carries the token:\n%s", body)
	}
}

func TestRedactReplyAndDigest(t *testing.T) {
	const sec = "xoxb-1234-5678-abcdefgh"
	r := redactReply(bot.Reply{
		Title: "t " + sec, Footer: sec,
		Sections: []bot.Section{{Heading: sec, URL: "https://x.example/" + sec, Meta: sec,
			Lines: []bot.Line{{Text: "q " + sec, URL: sec, Cites: []bot.Cite{{N: 1, URL: sec}}}}}},
	}, []string{sec})
	if s := fmt.Sprintf("%+v", r); strings.Contains(s, sec) || strings.Count(s, "[redacted]") != 8 {
		t.Errorf("redactReply left a secret or redacted the wrong fields: %s", s)
	}
	art := briefing.Article{Title: sec, Source: sec, Author: sec, URL: sec}
	lib := digestFunc(func(context.Context, briefing.DigestRequest) (briefing.Digest, error) {
		return briefing.Digest{Topic: sec, Overview: sec, Themes: []briefing.Theme{{Phrase: sec, Articles: []briefing.Article{art}}},
			Items:     []briefing.DigestItem{{Article: art, Also: []briefing.Article{art}, Summary: []briefing.Quote{{Text: sec, Cite: 1}}}},
			Citations: []briefing.Citation{{N: 1, Article: art}}, Articles: 1}, nil
	})
	d, err := redactDigests(lib, []string{sec}).Digest(context.Background(), briefing.DigestRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if s := fmt.Sprintf("%+v", d); strings.Contains(s, sec) || d.Articles != 1 || d.Items[0].Summary[0].Cite != 1 {
		t.Errorf("redactDigests: %s", s)
	}
	if redactDigests(lib, nil) == nil {
		t.Error("no secrets: want the library itself")
	}
}

type digestFunc func(context.Context, briefing.DigestRequest) (briefing.Digest, error)

func (f digestFunc) Digest(ctx context.Context, req briefing.DigestRequest) (briefing.Digest, error) {
	return f(ctx, req)
}
