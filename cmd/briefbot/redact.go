package main

import (
	"bytes"
	"context"
	"io"
	"strings"

	"briefbot/bot"
	"briefbot/briefing"
	"briefbot/briefing/schedule"
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

// redactText replaces every secret in s with [redacted].
func redactText(s string, secrets []string) string {
	for _, sec := range secrets {
		if strings.Contains(s, sec) {
			s = strings.ReplaceAll(s, sec, "[redacted]")
		}
	}
	return s
}

// redactReply returns r with every secret in its text and links replaced.
func redactReply(r bot.Reply, secrets []string) bot.Reply {
	r.Title, r.Footer = redactText(r.Title, secrets), redactText(r.Footer, secrets)
	sections := make([]bot.Section, len(r.Sections))
	for i, s := range r.Sections {
		s.Heading, s.URL, s.Meta = redactText(s.Heading, secrets), redactText(s.URL, secrets), redactText(s.Meta, secrets)
		lines := make([]bot.Line, len(s.Lines))
		for j, l := range s.Lines {
			l.Text, l.URL = redactText(l.Text, secrets), redactText(l.URL, secrets)
			cites := make([]bot.Cite, len(l.Cites))
			for k, c := range l.Cites {
				c.URL = redactText(c.URL, secrets)
				cites[k] = c
			}
			l.Cites = cites
			lines[j] = l
		}
		s.Lines = lines
		sections[i] = s
	}
	r.Sections = sections
	return r
}

// redactingHandler is the router as the chat platforms see it: no reply it
// gives carries a configured secret, even one quoted from an article.
type redactingHandler struct {
	h       bot.Handler
	secrets []string
}

// redactHandler wraps h; with no secrets it returns h itself.
func redactHandler(h bot.Handler, secrets []string) bot.Handler {
	if len(secrets) == 0 {
		return h
	}
	return redactingHandler{h: h, secrets: secrets}
}

// Handle answers req through h and redacts the reply.
func (r redactingHandler) Handle(ctx context.Context, req bot.Request) bot.Reply {
	return redactReply(r.h.Handle(ctx, req), r.secrets)
}

// redactingDigests is the library as the scheduler sees it: no digest it
// posts carries a configured secret.
type redactingDigests struct {
	lib     schedule.DigestLibrary
	secrets []string
}

// redactDigests wraps lib; with no secrets it returns lib itself.
func redactDigests(lib schedule.DigestLibrary, secrets []string) schedule.DigestLibrary {
	if len(secrets) == 0 {
		return lib
	}
	return redactingDigests{lib: lib, secrets: secrets}
}

// Digest builds the digest through lib and redacts it.
func (r redactingDigests) Digest(ctx context.Context, req briefing.DigestRequest) (briefing.Digest, error) {
	d, err := r.lib.Digest(ctx, req)
	if err != nil {
		return d, err
	}
	red := func(s string) string { return redactText(s, r.secrets) }
	art := func(a briefing.Article) briefing.Article {
		a.Title, a.Source, a.Author, a.URL = red(a.Title), red(a.Source), red(a.Author), red(a.URL)
		return a
	}
	arts := func(as []briefing.Article) []briefing.Article {
		out := make([]briefing.Article, len(as))
		for i, a := range as {
			out[i] = art(a)
		}
		return out
	}
	d.Topic, d.Overview = red(d.Topic), red(d.Overview)
	themes := make([]briefing.Theme, len(d.Themes))
	for i, th := range d.Themes {
		th.Phrase, th.Articles = red(th.Phrase), arts(th.Articles)
		themes[i] = th
	}
	d.Themes = themes
	items := make([]briefing.DigestItem, len(d.Items))
	for i, it := range d.Items {
		quotes := make([]briefing.Quote, len(it.Summary))
		for j, q := range it.Summary {
			q.Text = red(q.Text)
			quotes[j] = q
		}
		it.Article, it.Also, it.Summary = art(it.Article), arts(it.Also), quotes
		items[i] = it
	}
	d.Items = items
	cites := make([]briefing.Citation, len(d.Citations))
	for i, c := range d.Citations {
		c.Article = art(c.Article)
		cites[i] = c
	}
	d.Citations = cites
	return d, nil
}
