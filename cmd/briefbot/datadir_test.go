package main

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"briefbot/bot/slack/slackfake"
	"briefbot/config"
)

// A second serve on a data directory refuses to start and says why.
func TestSecondServeIsRefused(t *testing.T) {
	data := t.TempDir()
	startServe(t, map[string]string{"BRIEFBOT_DATA_DIR": data}, io.Discard, serveHooks{})
	cfg, err := config.Load(func(k string) string {
		return map[string]string{"BRIEFBOT_HTTP_ADDR": "127.0.0.1:0", "BRIEFBOT_CORPUS_DIR": newsDir(t), "BRIEFBOT_DATA_DIR": data}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- serve(ctx, cfg, slog.New(slog.DiscardHandler), serveHooks{ready: ready}) }()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "in use by another briefbot serve") || !strings.Contains(err.Error(), "BRIEFBOT_DATA_DIR") {
			t.Errorf("second serve: %v; want a refusal naming the running serve and the fix", err)
		}
	case <-ready:
		cancel()
		<-done
		t.Errorf("a second serve started on the same data directory")
	}
}

// `briefbot index` run while serve runs: serve answers from what it
// indexed, without a restart (serve is not watching the folder and its own
// re-scan is an hour away).
func TestIndexWhileServing(t *testing.T) {
	fake := slackfake.New(t, slackfake.Options{BotToken: slackToken})
	dir, data := t.TempDir(), t.TempDir()
	write := func(name, text string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("tram.md", "---\ntitle: Tram line opens to the airport\nsource: Transit Example\n---\nThe new tram line carried its first passengers to the airport terminal on Sunday morning.\n")
	base, _ := startServe(t, map[string]string{
		"SLACK_SIGNING_SECRET": slackSecret, "SLACK_BOT_TOKEN": slackToken, "SLACK_API_URL": fake.APIURL(),
		"BRIEFBOT_CORPUS_DIR": dir, "BRIEFBOT_DATA_DIR": data, "BRIEFBOT_REFRESH": "1h", "BRIEFBOT_WATCH": "off",
	}, io.Discard, serveHooks{})

	write("beehive.md", "---\ntitle: Rooftop beehives thrive downtown\nsource: City Example\n---\nBeekeepers counted twelve healthy rooftop hives above the library, each producing honey through the dry summer.\n")
	code, out, errOut := runCLI(t, nil, "", "index", "--corpus", dir, "--data", data)
	if code != 0 || !strings.Contains(out, "1 added") {
		t.Fatalf("index beside serve: exit %d\n%s%s", code, out, errOut)
	}
	slackCommand(t, base, "ask how are the rooftop beehives doing?", fake.ResponseURL("q"), time.Now(), false)
	if answer := response(t, fake, "q"); !strings.Contains(answer, "Rooftop beehives thrive") {
		t.Errorf("serve does not answer from what index added:\n%s", answer)
	}
}
