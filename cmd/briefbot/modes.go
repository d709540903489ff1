package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"briefbot/bot/slack"
	"briefbot/config"
)

// authChecker is a chat adapter that can check its token at start.
type authChecker interface {
	CheckAuth(ctx context.Context) (team, user string, err error)
}

// checkSlack checks the Slack bot token at start: a token Slack rejects
// stops serve with an error naming SLACK_BOT_TOKEN; a Slack that cannot be
// reached is only a warning (the token may be fine).
func checkSlack(ctx context.Context, a authChecker, log *slog.Logger) error {
	team, user, err := a.CheckAuth(ctx)
	switch {
	case errors.Is(err, slack.ErrTokenRejected):
		return usageError{fmt.Sprintf("SLACK_BOT_TOKEN: %v; copy the Bot User OAuth Token (xoxb-...) from OAuth & Permissions, and reinstall the app if it was revoked", err)}
	case err != nil:
		log.Warn("could not check the Slack bot token; going on", "error", err.Error())
	default:
		log.Info("slack token checked", "team", team, "bot_user", user)
	}
	return nil
}

// logModes logs each platform mode serve starts, and where scheduled
// digests from the configuration go.
func logModes(log *slog.Logger, cfg config.Config, addr string) {
	if cfg.Slack.SocketMode() {
		log.Info("slack started", "mode", "socket")
	}
	if cfg.Slack.HTTPMode() {
		log.Info("slack started", "mode", "http", "addr", addr, "commands", "/slack/commands", "events", "/slack/events")
	}
	if cfg.Discord.Gateway() {
		log.Info("discord started", "mode", "gateway")
	}
	if cfg.Discord.Interactions() {
		log.Info("discord started", "mode", "http", "addr", addr, "interactions", "/discord/interactions")
	}
	for _, t := range cfg.DigestChannels {
		log.Info("scheduled digests", "platform", t.Platform, "channel", t.Channel, "schedule", cfg.DigestSchedule)
	}
}
