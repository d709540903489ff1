package slack

import (
	"context"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/slack-go/slack/slackevents"

	"briefbot/bot"
)

// command is a slash command, from Socket Mode or HTTP.
type command struct {
	Channel, User, Text, ResponseURL, TriggerID string
}

// commandJob answers a slash command; the caller runs it on the runtime
// once the command is acknowledged.
func (a *Adapter) commandJob(h bot.Handler, c command) func(context.Context) {
	if c.ResponseURL != "" && !a.slackHost(c.ResponseURL) {
		// A signed request may still carry any URL: never post a reply
		// (or the bot's traffic) to a host that is not Slack's.
		a.log.Warn("slash command's response_url is not on a Slack host; answering in the channel instead", "channel", c.Channel)
		c.ResponseURL = ""
	}
	return func(ctx context.Context) {
		if c.TriggerID != "" && !a.first(ctx, "command:"+c.TriggerID) {
			a.count(bot.Command, "duplicate")
			return
		}
		req := bot.Request{Platform: platform, Kind: bot.Command, Channel: c.Channel, User: c.User, Text: strings.TrimSpace(c.Text)}
		a.answer(ctx, h, req, func(ctx context.Context, r bot.Reply) error {
			return a.replyCommand(ctx, c, r)
		})
	}
}

// eventJob handles an Events API callback; the caller runs it on the
// runtime once the event is acknowledged.
func (a *Adapter) eventJob(h bot.Handler, cb *slackevents.EventsAPICallbackEvent, inner slackevents.EventsAPIInnerEvent) func(context.Context) {
	return func(ctx context.Context) { a.onEvent(ctx, h, cb, inner) }
}

func (a *Adapter) onEvent(ctx context.Context, h bot.Handler, cb *slackevents.EventsAPICallbackEvent, inner slackevents.EventsAPIInnerEvent) {
	if cb == nil {
		return
	}
	if cb.EventID != "" && !a.first(ctx, "event:"+cb.EventID) {
		a.log.Debug("duplicate event ignored", "event_id", cb.EventID)
		a.m.requests.WithLabelValues("event", "duplicate").Inc()
		return
	}
	for _, au := range cb.Authorizations {
		if au.IsBot && au.UserID != "" {
			a.botID.learn(au.UserID)
		}
	}
	switch ev := inner.Data.(type) {
	case *slackevents.AppMentionEvent:
		a.onMention(ctx, h, ev)
	case *slackevents.MessageEvent:
		a.onMessage(ctx, h, ev)
	default:
		a.log.Debug("event ignored", "event_type", inner.Type, "event_id", cb.EventID)
		a.m.requests.WithLabelValues("event", "ignored").Inc()
	}
}

// onMention answers an @mention in the thread of the mention.
func (a *Adapter) onMention(ctx context.Context, h bot.Handler, ev *slackevents.AppMentionEvent) {
	self := a.botUserID(ctx)
	if ev.BotID != "" || ev.User == "" || ev.User == self || ev.Edited != nil {
		a.count(bot.Mention, "ignored")
		return
	}
	if !a.first(ctx, "message:"+ev.Channel+":"+ev.TimeStamp) {
		a.count(bot.Mention, "duplicate")
		return
	}
	thread := ev.ThreadTimeStamp
	if thread == "" {
		thread = ev.TimeStamp
	}
	req := bot.Request{Platform: platform, Kind: bot.Mention, Channel: ev.Channel, User: ev.User, Text: cleanText(ev.Text, self)}
	a.answer(ctx, h, req, func(ctx context.Context, r bot.Reply) error {
		if r.Ephemeral {
			return a.postEphemeral(ctx, ev.Channel, ev.User, thread, render(r))
		}
		return a.postThread(ctx, ev.Channel, thread, render(r))
	})
}

// onMessage answers a direct message in the DM (in its thread when the
// message was in one). Other messages, edits, bots and the bot itself are
// ignored.
func (a *Adapter) onMessage(ctx context.Context, h bot.Handler, ev *slackevents.MessageEvent) {
	if ev.ChannelType != slackevents.ChannelTypeIM || ev.SubType != "" || ev.BotID != "" || ev.User == "" {
		a.count(bot.Direct, "ignored")
		return
	}
	self := a.botUserID(ctx)
	if ev.User == self {
		a.count(bot.Direct, "ignored")
		return
	}
	if !a.first(ctx, "message:"+ev.Channel+":"+ev.TimeStamp) {
		a.count(bot.Direct, "duplicate")
		return
	}
	req := bot.Request{Platform: platform, Kind: bot.Direct, Channel: ev.Channel, User: ev.User, Text: cleanText(ev.Text, self)}
	a.answer(ctx, h, req, func(ctx context.Context, r bot.Reply) error {
		return a.postThread(ctx, ev.Channel, ev.ThreadTimeStamp, render(r))
	})
}

// answer asks h (on the runtime's workers: a panic is an apology, a full
// queue a busy note) and delivers its reply, logging a failed delivery
// once.
func (a *Adapter) answer(ctx context.Context, h bot.Handler, req bot.Request, deliver func(context.Context, bot.Reply) error) {
	r := a.rt.Handle(ctx, h, req)
	if err := deliver(ctx, r); err != nil {
		a.log.Error("reply not delivered", "kind", req.Kind.String(), "channel", req.Channel, "user", req.User, "error", err.Error())
		a.count(req.Kind, "error")
		return
	}
	a.count(req.Kind, "ok")
}

func (a *Adapter) count(k bot.Kind, result string) {
	a.m.requests.WithLabelValues(k.String(), result).Inc()
}

var (
	mentionRE = regexp.MustCompile(`<@([A-Z0-9]+)(?:\|[^>]*)?>`)
	linkRE    = regexp.MustCompile(`<((?:https?|mailto):[^|>]+)(?:\|([^>]*))?>`)
)

var unescaper = strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&")

// cleanText turns a message's text into what the user asked: mentions of
// the bot (and a leading mention when the bot's id is unknown) removed,
// links reduced to their labels, Slack's escaping undone.
func cleanText(text, self string) string {
	text = strings.TrimSpace(text)
	for {
		loc := mentionRE.FindStringSubmatchIndex(text)
		if loc == nil || loc[0] != 0 || (self != "" && text[loc[2]:loc[3]] != self) {
			break
		}
		text = strings.TrimSpace(text[loc[1]:])
	}
	if self != "" {
		text = mentionRE.ReplaceAllStringFunc(text, func(m string) string {
			if mentionRE.FindStringSubmatch(m)[1] == self {
				return ""
			}
			return m
		})
	}
	text = linkRE.ReplaceAllStringFunc(text, func(m string) string {
		sm := linkRE.FindStringSubmatch(m)
		if sm[2] != "" {
			return sm[2]
		}
		return sm[1]
	})
	return strings.TrimSpace(strings.Join(strings.Fields(unescaper.Replace(text)), " "))
}

// botIdentity is the bot's own user id, from auth.test or an event's
// authorizations, so the bot never answers itself.
type botIdentity struct {
	mu     sync.Mutex
	id     string
	tried  time.Time
	failed bool
}

func (b *botIdentity) learn(id string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.id == "" {
		b.id = id
	}
}

// botUserID returns the bot's user id, asking auth.test once (again at most
// once a minute after a failure); "" when unknown.
func (a *Adapter) botUserID(ctx context.Context) string {
	a.botID.mu.Lock()
	defer a.botID.mu.Unlock()
	if a.botID.id != "" || a.api == nil {
		return a.botID.id
	}
	now := time.Now()
	if a.botID.failed && now.Sub(a.botID.tried) < time.Minute {
		return ""
	}
	a.botID.tried = now
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	resp, err := a.api.AuthTestContext(ctx)
	if err != nil {
		a.botID.failed = true
		a.log.Warn("auth.test failed; cannot tell the bot's own messages apart", "method", "auth.test", "error", err.Error())
		return ""
	}
	a.botID.failed = false
	a.botID.id = resp.UserID
	return a.botID.id
}

// first reports whether the delivery key (an event id, a trigger id, a
// message) is new, remembering it (durably when Config.Seen is the
// store's) for seenTTL. When the record fails the delivery is answered:
// twice is better than never.
func (a *Adapter) first(ctx context.Context, key string) bool {
	ok, err := a.seen.FirstSeen(ctx, platform+":"+key, seenTTL)
	if err != nil {
		a.log.Warn("could not check for a repeated delivery; answering it", "error", err.Error())
		return true
	}
	return ok
}

// slackHost reports whether raw is a URL briefbot may post a reply to:
// https on slack.com or slack-gov.com or a subdomain (response_urls are
// https://hooks.slack.com/...), or on the host of the configured API URL
// (a fake Slack in tests) with its scheme.
func (a *Adapter) slackHost(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || u.User != nil {
		return false
	}
	host := strings.ToLower(u.Hostname())
	if u.Scheme == "https" {
		for _, domain := range []string{"slack.com", "slack-gov.com"} {
			if host == domain || strings.HasSuffix(host, "."+domain) {
				return true
			}
		}
	}
	api, err := url.Parse(a.cfg.APIURL)
	return err == nil && u.Scheme == api.Scheme && host == strings.ToLower(api.Hostname())
}
