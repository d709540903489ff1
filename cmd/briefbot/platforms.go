package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"briefbot/bot"
	"briefbot/bot/discord"
	"briefbot/bot/slack"
	"briefbot/briefing/store"
	"briefbot/config"
)

// platforms returns the chat platforms cfg configures, constructed but not
// listening (constructors do no I/O). A new platform is one entry here.
// seen remembers the deliveries each platform took (durably: see
// seenLater).
func platforms(cfg config.Config, log *slog.Logger, reg prometheus.Registerer, seen bot.Seen) ([]bot.Chat, error) {
	var chats []bot.Chat
	var errs []error
	add := func(name string, enabled bool, open func(log *slog.Logger) (bot.Chat, error)) {
		if !enabled {
			return
		}
		c, err := open(log.With("platform", name))
		if err != nil {
			errs = append(errs, fmt.Errorf("serve: %s: %w", name, err))
			return
		}
		chats = append(chats, c)
	}

	workers := answerWorkers(cfg, cpus())
	add("slack", cfg.Slack.Enabled(), func(log *slog.Logger) (bot.Chat, error) {
		return chat(slack.New(slack.Config{
			BotToken: cfg.Slack.BotToken, AppToken: cfg.Slack.AppToken, SigningSecret: cfg.Slack.SigningSecret,
			APIURL: cfg.Slack.APIURL, Log: log, Registerer: reg, Seen: seen, Workers: workers,
		}))
	})
	add("discord", cfg.Discord.Enabled(), func(log *slog.Logger) (bot.Chat, error) {
		return chat(discord.New(discord.Config{
			BotToken: cfg.Discord.BotToken, AppID: cfg.Discord.AppID, PublicKey: cfg.Discord.PublicKey,
			GuildID: cfg.Discord.GuildID, APIURL: cfg.Discord.APIURL, Log: log, Registerer: reg, Seen: seen, Workers: workers,
		}))
	})
	return chats, errors.Join(errs...)
}

// chat turns a constructor's result into a bot.Chat (never a non-nil
// interface holding a nil pointer).
func chat[C bot.Chat](c C, err error) (bot.Chat, error) {
	if err != nil {
		return nil, err
	}
	return c, nil
}

// seenLater is the store's bot.Seen for platforms built before the store
// is open. Nothing asks it before: the platforms' routes answer 503 and
// Listen starts only once the store is open.
type seenLater struct {
	s atomic.Pointer[store.Seen]
}

func (l *seenLater) FirstSeen(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	s := l.s.Load()
	if s == nil {
		return true, errors.New("serve: deliveries asked about before the store was open")
	}
	return s.FirstSeen(ctx, key, ttl)
}
