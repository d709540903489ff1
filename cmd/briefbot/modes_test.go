package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack/slacktest"

	"briefbot/config"
)

// fakeSlackAuth is a slacktest server whose auth.test answers reply.
func fakeSlackAuth(t *testing.T, reply string) *slacktest.Server {
	t.Helper()
	srv := slacktest.NewTestServer(func(c slacktest.Customize) {
		c.Handle("/auth.test", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, reply) })
	})
	srv.Start()
	t.Cleanup(srv.Stop)
	return srv
}

// TestServeRefusesARejectedSlackToken: a bad token stops serve at start,
// with an error naming SLACK_BOT_TOKEN, instead of at the first event.
func TestServeRefusesARejectedSlackToken(t *testing.T) {
	fake := fakeSlackAuth(t, `{"ok":false,"error":"invalid_auth"}`)
	env := map[string]string{
		"SLACK_SIGNING_SECRET": slackSecret, "SLACK_BOT_TOKEN": slackToken, "SLACK_API_URL": fake.GetAPIURL(),
		"BRIEFBOT_HTTP_ADDR": "127.0.0.1:0", "BRIEFBOT_CORPUS_DIR": newsDir(t), "BRIEFBOT_DATA_DIR": t.TempDir(),
	}
	cfg, err := config.Load(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	// A safety net, not a timing check: serve must return on its own.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err = serve(ctx, cfg, slog.New(slog.NewTextHandler(&logs, nil)), serveHooks{})
	var ue usageError
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), "SLACK_BOT_TOKEN") || !strings.Contains(err.Error(), "invalid_auth") {
		t.Fatalf("serve = %v; want a usage error naming SLACK_BOT_TOKEN and invalid_auth", err)
	}
	if strings.Contains(err.Error()+logs.String(), slackToken) {
		t.Errorf("the token reached the error or the log")
	}
}

// TestServeLogsEachPlatformMode: serve says which modes it started.
func TestServeLogsEachPlatformMode(t *testing.T) {
	fake := fakeSlackAuth(t, `{"ok":true,"team":"Example","user":"briefbot","user_id":"UBOT","team_id":"T1"}`)
	pub, _, _ := ed25519.GenerateKey(nil)
	logs := &syncWriter{w: &bytes.Buffer{}}
	startServe(t, map[string]string{
		"SLACK_SIGNING_SECRET": slackSecret, "SLACK_BOT_TOKEN": slackToken, "SLACK_API_URL": fake.GetAPIURL(),
		"DISCORD_APP_ID": discordApp, "DISCORD_PUBLIC_KEY": hex.EncodeToString(pub),
		"BRIEFBOT_DIGEST_SCHEDULE": "daily 08:00", "BRIEFBOT_DIGEST_CHANNELS": "slack:CDIGEST",
	}, logs, serveHooks{})
	want := []string{
		`msg="slack token checked" platform=slack team=Example bot_user=briefbot`,
		`msg="slack started" mode=http`,
		`msg="discord started" mode=http`,
		`msg="scheduled digests" platform=slack channel=CDIGEST`,
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		missing := ""
		for _, w := range want {
			if !strings.Contains(logs.String(), w) {
				missing = w
				break
			}
		}
		if missing == "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the log lacks %s:\n%s", missing, logs)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if strings.Contains(logs.String(), `mode=socket`) || strings.Contains(logs.String(), `mode=gateway`) {
		t.Errorf("modes not configured are logged as started:\n%s", logs)
	}
}
