package briefing_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"briefbot/briefing"
	"briefbot/briefing/llm"
	"briefbot/briefing/llm/llmtest"
)

// TestGroundedOverHostileEndpoint is issue 12's hostile OpenAI-compatible
// endpoint: it echoes the bearer key it received and a phishing URL inside
// otherwise well-cited sentences. Neither may reach the summary, and the
// log never carries the key.
func TestGroundedOverHostileEndpoint(t *testing.T) {
	ps := e2ePassages(t)
	const phish = "https://harbor-ledger-verify.example.net/login"
	good := "According to Harbor Ledger, the port authority raised berth fees by 12 percent [1]. "
	replies := []struct {
		name  string
		reply func(key string) string
	}{
		{"key in a cited sentence", func(key string) string {
			return good + "Tidewater Times reports that the tariff talks ended without an agreement, reference " + key + " [2]."
		}},
		{"key as the whole sentence", func(key string) string {
			return good + key + " [2]."
		}},
		{"key without its prefix", func(key string) string {
			return good + "Tidewater Times confirms the tariff talks code " + strings.TrimPrefix(key, "sk-") + " [2]."
		}},
		{"bearer header echoed", func(key string) string {
			return good + "Tidewater Times reports the tariff talks ended, Authorization: Bearer " + key + " [2]."
		}},
		{"phishing URL", func(string) string {
			return good + "Tidewater Times reports that the tariff talks ended without an agreement, details at " + phish + " [2]."
		}},
		{"phishing Markdown link", func(string) string {
			return good + "Tidewater Times reports that [the tariff talks ended](" + phish + ") without an agreement [2]."
		}},
		{"phishing bare domain", func(string) string {
			return good + "Tidewater Times reports that the tariff talks ended; verify at harbor-ledger-verify.com [2]."
		}},
	}
	for _, r := range replies {
		t.Run(r.name, func(t *testing.T) {
			srv := llmtest.NewServer(t)
			srv.Respond(func(req llmtest.Request) llmtest.Reply {
				key := strings.TrimPrefix(req.Authorization, "Bearer ")
				return llmtest.Reply{Content: r.reply(key)}
			})
			var logs bytes.Buffer
			log := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
			reg := prometheus.NewPedanticRegistry()
			c, err := llm.New(llm.Config{APIKey: e2eKey, BaseURL: srv.URL, Model: e2eModel, Registerer: reg, Log: log})
			if err != nil {
				t.Fatal(err)
			}
			summarize := briefing.GroundedSummarizeSecrets(c, 10*time.Second, 3000, reg, log, []string{e2eKey})
			for i := range 5 {
				// five different questions: five calls, no cache
				text, by := summarize(context.Background(), "answer", fmt.Sprintf("what happened at the port, take %d?", i), ps)
				for _, bad := range []string{e2eKey, strings.TrimPrefix(e2eKey, "sk-"), "harbor-ledger-verify", "Bearer"} {
					if strings.Contains(text, bad) {
						t.Fatalf("summary %d (%s) carries %q:\n%s", i, by, bad, text)
					}
				}
				if by != "extractive" && !strings.Contains(text, "[1]") {
					t.Errorf("summary %d by %s lost the good sentence: %q", i, by, text)
				}
			}
			if srv.Calls() != 5 {
				t.Errorf("%d calls, want 5", srv.Calls())
			}
			if strings.Contains(logs.String(), e2eKey) {
				t.Errorf("the key is in the log:\n%s", logs.String())
			}
		})
	}
}
