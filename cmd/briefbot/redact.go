package main

import (
	"bytes"
	"io"
	"strings"

	"briefbot/config"
)

// secretVars are the variables whose values never appear in output.
var secretVars = []string{"SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET", "DISCORD_BOT_TOKEN", "OPENAI_API_KEY"}

// minRedacted is the shortest value redacted: shorter ones would match
// ordinary text.
const minRedacted = 8

// secretsOf returns the configured secrets of getenv, longest first (so a
// secret containing another is redacted whole).
func secretsOf(getenv func(string) string) []string {
	var out []string
	for _, k := range secretVars {
		if v := strings.TrimSpace(getenv(k)); len(v) >= minRedacted {
			out = append(out, v)
		}
	}
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && len(out[j]) > len(out[j-1]); j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// configSecrets returns the secrets of cfg, for briefing.Options.Secrets.
func configSecrets(cfg config.Config) []string {
	vals := map[string]string{
		"SLACK_BOT_TOKEN": cfg.Slack.BotToken, "SLACK_APP_TOKEN": cfg.Slack.AppToken, "SLACK_SIGNING_SECRET": cfg.Slack.SigningSecret,
		"DISCORD_BOT_TOKEN": cfg.Discord.BotToken, "OPENAI_API_KEY": cfg.LLM.APIKey,
	}
	return secretsOf(func(k string) string { return vals[k] })
}

// redactor is an io.Writer that replaces every configured secret in what
// it writes with [redacted]. Each Write is redacted on its own: log/slog
// handlers and fmt.Fprint write a record or a line in one call, so a
// secret is never split across writes by them.
type redactor struct {
	w       io.Writer
	secrets [][]byte
}

// redacting wraps w; with no secrets it returns w itself.
func redacting(w io.Writer, secrets []string) io.Writer {
	if len(secrets) == 0 || w == nil {
		return w
	}
	r := &redactor{w: w}
	for _, s := range secrets {
		r.secrets = append(r.secrets, []byte(s))
	}
	return r
}

// Write writes p with its secrets redacted. It reports len(p) when the
// redacted text was written whole.
func (r *redactor) Write(p []byte) (int, error) {
	out := p
	for _, s := range r.secrets {
		if bytes.Contains(out, s) {
			out = bytes.ReplaceAll(out, s, []byte("[redacted]"))
		}
	}
	if _, err := r.w.Write(out); err != nil {
		return 0, err
	}
	return len(p), nil
}
