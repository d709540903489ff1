package slack

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"

	"briefbot/bot"
)

// runSocketMode connects over Socket Mode and answers through h until ctx
// is done. slack-go reconnects by itself; it gives up only on a bad token.
func (a *Adapter) runSocketMode(ctx context.Context, h bot.Handler) error {
	smc := socketmode.New(a.api, socketmode.OptionLog(slog.NewLogLogger(a.log.Handler(), slog.LevelDebug)))
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errc := make(chan error, 1)
	go func() { errc <- smc.RunContext(ctx) }()
	for {
		select {
		case err := <-errc:
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("slack: socket mode: %w", err)
		case evt := <-smc.Events:
			a.onSocketEvent(ctx, smc, h, evt)
		}
	}
}

// onSocketEvent acknowledges every envelope at once, then hands commands
// and events to the background.
func (a *Adapter) onSocketEvent(ctx context.Context, smc *socketmode.Client, h bot.Handler, evt socketmode.Event) {
	switch evt.Type {
	case socketmode.EventTypeConnecting:
		a.log.Debug("socket mode connecting")
	case socketmode.EventTypeConnected:
		a.log.Info("socket mode connected")
	case socketmode.EventTypeHello:
		a.log.Debug("socket mode hello")
	case socketmode.EventTypeConnectionError:
		if e, ok := evt.Data.(*slack.ConnectionErrorEvent); ok && e.ErrorObj != nil {
			a.log.Warn("socket mode connection failed; retrying", "method", "apps.connections.open", "attempt", e.Attempt, "backoff", e.Backoff.String(), "error", e.ErrorObj.Error())
		}
	case socketmode.EventTypeInvalidAuth:
		a.log.Error("socket mode: Slack rejected the app token (SLACK_APP_TOKEN)", "method", "apps.connections.open")
	case socketmode.EventTypeIncomingError:
		if e, ok := evt.Data.(*slack.IncomingEventError); ok {
			a.log.Warn("socket mode read failed", "error", e.Error())
		}
	case socketmode.EventTypeErrorWriteFailed:
		if e, ok := evt.Data.(*socketmode.ErrorWriteFailed); ok && e.Cause != nil {
			a.log.Warn("socket mode write failed", "error", e.Cause.Error())
		}
	case socketmode.EventTypeErrorBadMessage:
		// An envelope slack-go cannot parse (an event type it does not know):
		// acknowledge it anyway, or Slack sends it again.
		start := time.Now()
		var env struct {
			EnvelopeID string `json:"envelope_id"`
			Type       string `json:"type"`
		}
		if e, ok := evt.Data.(*socketmode.ErrorBadMessage); ok {
			_ = json.Unmarshal(e.Message, &env)
			a.log.Debug("socket mode: unparsed envelope", "envelope_type", env.Type, "error", e.Cause.Error())
		}
		if env.EnvelopeID != "" {
			a.ack(ctx, smc, env.EnvelopeID, start)
			a.m.requests.WithLabelValues("event", "ignored").Inc()
		}
	case socketmode.EventTypeEventsAPI:
		start := time.Now()
		if evt.Request != nil {
			a.ack(ctx, smc, evt.Request.EnvelopeID, start)
		}
		ev, ok := evt.Data.(slackevents.EventsAPIEvent)
		if !ok || ev.Type != slackevents.CallbackEvent {
			a.m.requests.WithLabelValues("event", "ignored").Inc()
			return
		}
		cb, _ := ev.Data.(*slackevents.EventsAPICallbackEvent)
		a.run(ctx, "event", a.eventJob(h, cb, ev.InnerEvent))
	case socketmode.EventTypeSlashCommand:
		start := time.Now()
		if evt.Request != nil {
			a.ack(ctx, smc, evt.Request.EnvelopeID, start)
		}
		cmd, ok := evt.Data.(slack.SlashCommand)
		if !ok {
			a.m.requests.WithLabelValues("command", "bad_request").Inc()
			return
		}
		a.run(ctx, "command", a.commandJob(h, command{Channel: cmd.ChannelID, User: cmd.UserID, Text: cmd.Text, ResponseURL: cmd.ResponseURL, TriggerID: cmd.TriggerID}))
	case socketmode.EventTypeInteractive:
		if evt.Request != nil {
			a.ack(ctx, smc, evt.Request.EnvelopeID, time.Now())
		}
		a.m.requests.WithLabelValues("interactive", "ignored").Inc()
	}
}

func (a *Adapter) ack(ctx context.Context, smc *socketmode.Client, envelopeID string, start time.Time) {
	if err := smc.AckCtx(ctx, envelopeID, nil); err != nil {
		a.log.Warn("socket mode ack failed", "envelope_id", envelopeID, "error", err.Error())
		return
	}
	a.m.ack.WithLabelValues("socket").Observe(time.Since(start).Seconds())
}

// run runs an acknowledged request's job on the runtime; once shutdown has
// begun the request is dropped (Socket Mode is closing too).
func (a *Adapter) run(ctx context.Context, kind string, job func(context.Context)) {
	if !a.rt.Go(ctx, job) {
		a.log.Warn("request dropped: shutting down", "kind", kind)
		a.m.requests.WithLabelValues(kind, "error").Inc()
	}
}
