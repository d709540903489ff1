package briefing

import (
	"context"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// GroundedSummarize exposes grounded to the external tests of
// summary_llm_test.go, which run it over briefing/llm (a package that
// imports this one).
func GroundedSummarize(s Summarizer, timeout time.Duration, maxPromptTokens int, reg prometheus.Registerer, log *slog.Logger) func(ctx context.Context, kind, question string, passages []SummaryPassage) (text, by string) {
	return newGrounded(s, timeout, maxPromptTokens, reg, log).summarize
}

// GroundedSummarizeSecrets is GroundedSummarize with configured secrets.
func GroundedSummarizeSecrets(s Summarizer, timeout time.Duration, maxPromptTokens int, reg prometheus.Registerer, log *slog.Logger, secrets []string) func(ctx context.Context, kind, question string, passages []SummaryPassage) (text, by string) {
	g := newGrounded(s, timeout, maxPromptTokens, reg, log)
	g.secrets = secrets
	return g.summarize
}
