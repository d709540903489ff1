package main

import (
	"fmt"
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"

	"briefbot/briefing"
	"briefbot/briefing/llm"
	"briefbot/config"
)

// llmOptions wires the optional LLM summariser into library options; with
// extractive set, or no LLM configured, answers stay extractive.
func llmOptions(cfg config.Config, extractive bool, reg prometheus.Registerer, log *slog.Logger) (briefing.Options, error) {
	opt := briefing.Options{Registerer: reg, Log: log, Secrets: configSecrets(cfg)}
	if extractive || !cfg.LLM.Enabled() {
		return opt, nil
	}
	c, err := llm.New(llm.Config{APIKey: cfg.LLM.APIKey, BaseURL: cfg.LLM.BaseURL, Model: cfg.LLM.Model, Registerer: reg, Log: log})
	if err != nil {
		return opt, fmt.Errorf("llm (OPENAI_BASE_URL, BRIEFBOT_LLM_MODEL): %w", err)
	}
	opt.Summarizer = c
	opt.SummaryTimeout = cfg.LLM.Timeout
	opt.MaxPromptTokens = cfg.LLM.MaxPromptTokens
	return opt, nil
}
