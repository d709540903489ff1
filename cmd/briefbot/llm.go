package main

import (
	"fmt"
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"

	"briefbot/briefing"
	"briefbot/briefing/llm"
	"briefbot/config"
)

// llmOptions wires the optional LLM into library options: summaries and
// the rewriting of questions into extra search words (BRIEFBOT_LLM_REWRITE),
// neither with extractive (which calls no chat model at all), and dense
// retrieval (BRIEFBOT_EMBED_MODEL). With none configured, answers stay
// offline and extractive.
func llmOptions(cfg config.Config, extractive bool, reg prometheus.Registerer, log *slog.Logger) (briefing.Options, error) {
	opt := briefing.Options{Registerer: reg, Log: log, Secrets: configSecrets(cfg)}
	if err := embedOptions(cfg, &opt); err != nil {
		return opt, err
	}
	if !cfg.LLM.Enabled() || extractive {
		return opt, nil
	}
	c, err := llm.New(llm.Config{APIKey: cfg.LLM.APIKey, BaseURL: cfg.LLM.BaseURL, Model: cfg.LLM.Model, Registerer: reg, Log: log})
	if err != nil {
		return opt, fmt.Errorf("llm (OPENAI_BASE_URL, BRIEFBOT_LLM_MODEL): %w", err)
	}
	if cfg.LLM.Rewrite {
		opt.Rewriter = c
	}
	opt.Summarizer = c
	opt.SummaryTimeout = cfg.LLM.Timeout
	opt.MaxPromptTokens = cfg.LLM.MaxPromptTokens
	return opt, nil
}

// embedOptions wires the optional embeddings model (on the LLM's server)
// into opt.
func embedOptions(cfg config.Config, opt *briefing.Options) error {
	if !cfg.Embed.Enabled() {
		return nil
	}
	e, err := llm.NewEmbedder(llm.Config{APIKey: cfg.LLM.APIKey, BaseURL: cfg.LLM.BaseURL, Model: cfg.Embed.Model, Log: opt.Log})
	if err != nil {
		return fmt.Errorf("embeddings (OPENAI_BASE_URL, BRIEFBOT_EMBED_MODEL): %w", err)
	}
	opt.Embedder = e
	opt.Embed = briefing.EmbedOptions{MinSimilarity: cfg.Embed.MinSimilarity}
	return nil
}
