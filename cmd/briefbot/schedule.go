package main

import (
	"database/sql"
	"fmt"
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"

	"briefbot/bot"
	"briefbot/briefing"
	"briefbot/briefing/schedule"
	"briefbot/config"
)

// scheduledDigests wires scheduled digests: the scheduler over the store's
// database, posting through the chats that have a bot token, and the chat
// commands that manage its subscriptions.
func scheduledDigests(cfg config.Config, db *sql.DB, lib *briefing.Library, posters map[string]bot.Chat,
	hooks serveHooks, log *slog.Logger, reg prometheus.Registerer) (*schedule.Scheduler, *bot.SubscriptionCommands, error) {
	targets := make([]schedule.Target, len(cfg.DigestChannels))
	for i, t := range cfg.DigestChannels {
		targets[i] = schedule.Target{Platform: t.Platform, Channel: t.Channel}
	}
	poster := bot.NewPoster(posters)
	sched, err := schedule.New(schedule.Options{
		DB: db, Library: redactDigests(lib, configSecrets(cfg)), Poster: poster,
		FirstWindow: cfg.DigestFirstWindow, Catchup: cfg.DigestCatchup, PostEmpty: cfg.DigestPostEmpty,
		Config: cfg.DigestSchedule, ConfigTargets: targets,
		Log: log, Registerer: reg, Now: hooks.now, After: hooks.after,
	})
	if err != nil {
		return nil, nil, fmt.Errorf("serve: scheduled digests: %w", err)
	}
	subs, err := bot.NewSubscriptionCommands(bot.SubscriptionOptions{
		Subscriber: sched, CanPost: poster.CanPost, Location: cfg.Timezone,
		FirstWindow: cfg.DigestFirstWindow, PostEmpty: cfg.DigestPostEmpty, Now: hooks.now, Log: log,
	})
	if err != nil {
		return nil, nil, fmt.Errorf("serve: scheduled digests: %w", err)
	}
	return sched, subs, nil
}
