package bot

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"log/slog"

	"briefbot/briefing/schedule"
)

// Subscriber is what the subscription commands need from the scheduler
// (*schedule.Scheduler implements it).
type Subscriber interface {
	Subscribe(ctx context.Context, sub schedule.Subscription) (schedule.Subscription, error)
	Unsubscribe(ctx context.Context, id string) (bool, error)
	Subscriptions(ctx context.Context, f schedule.SubscriptionFilter) ([]schedule.Subscription, error)
}

// SubscriptionOptions configure the subscription commands. Subscriber,
// CanPost, Location and FirstWindow are required (their defaults live in
// the configuration).
type SubscriptionOptions struct {
	Subscriber Subscriber
	// CanPost reports whether digests can be posted to a platform
	// ((*Poster).CanPost: it has a connection with a bot token).
	CanPost     func(platform string) bool
	Location    *time.Location // zone of schedules that name none
	FirstWindow time.Duration  // what a first digest covers, as the scheduler's
	PostEmpty   bool           // whether "nothing new" is posted, as the scheduler's
	Now         func() time.Time
	Log         *slog.Logger
}

// SubscriptionCommands are the chat side of scheduled digests: the
// subscribe, unsubscribe and subscriptions commands (the router's
// Subscriptions). The schedules, subscriptions and deliveries themselves
// are briefing/schedule's.
type SubscriptionCommands struct {
	opt SubscriptionOptions
	log *slog.Logger
}

var _ Subscriptions = (*SubscriptionCommands)(nil)

// NewSubscriptionCommands checks the options and returns the commands.
func NewSubscriptionCommands(opt SubscriptionOptions) (*SubscriptionCommands, error) {
	if opt.Subscriber == nil || opt.CanPost == nil || opt.Location == nil {
		return nil, errors.New("bot: subscription commands: Subscriber, CanPost and Location are required")
	}
	if opt.FirstWindow <= 0 {
		return nil, fmt.Errorf("bot: subscription commands: FirstWindow %s is not a positive duration", opt.FirstWindow)
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	c := &SubscriptionCommands{opt: opt, log: opt.Log}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	return c, nil
}

// maxPerChannel bounds the subscriptions one channel may hold.
const maxPerChannel = 20

// minChatInterval is the shortest time between digests a subscription made
// from chat may ask for (the configured schedule has no such limit).
const minChatInterval = 15 * time.Minute

var topicWord = regexp.MustCompile(`(?i)(?:^|\s)topic(?:\s+|$)`)

const subscribeExample = "/brief subscribe weekdays 07:30 tz America/New_York topic export controls"

// Subscribe handles "/brief subscribe [SCHEDULE] [tz ZONE] [topic TEXT]":
// it creates a subscription for the request's channel (default schedule
// daily 08:00 in SubscriptionOptions.Location) and replies with its id, what it
// does and when it first fires. A bad schedule or zone gets an ephemeral
// reply saying what is accepted.
func (s *SubscriptionCommands) Subscribe(ctx context.Context, req Request, args string) Reply {
	spec, topic := strings.TrimSpace(args), ""
	if m := topicWord.FindStringIndex(spec); m != nil {
		spec, topic = strings.TrimSpace(spec[:m[0]]), strings.TrimSpace(spec[m[1]:])
		if topic == "" {
			return subscribeUsage("`topic` needs the words to follow, such as topic export controls.")
		}
	}
	if f := strings.Fields(spec); len(f) == 0 || strings.EqualFold(f[0], "tz") {
		spec = strings.TrimSpace(schedule.DefaultSpec + " " + spec)
	}
	sched, err := schedule.Parse(spec, s.opt.Location)
	if err != nil {
		return subscribeUsage(scheduleProblem(err))
	}
	if sched.FiresWithin(minChatInterval, s.opt.Now()) {
		return subscribeUsage(fmt.Sprintf("That schedule fires more often than every %s, which is too often for a channel digest.", schedule.FormatDuration(minChatInterval)))
	}
	if !s.opt.CanPost(req.Platform) {
		return Reply{Ephemeral: true, Title: fmt.Sprintf("Scheduled digests cannot be posted to %s by this bot: it has no %s bot token to post with.", platformName(req.Platform), platformName(req.Platform))}
	}
	existing, err := s.opt.Subscriber.Subscriptions(ctx, schedule.SubscriptionFilter{Platform: req.Platform, Channel: req.Channel, Active: true})
	if err != nil {
		return s.internal("subscribe", err)
	}
	for _, sub := range existing {
		if sub.Spec == sched.Spec() && sub.TZ == sched.Location().String() && strings.EqualFold(sub.Topic, topic) {
			return Reply{Ephemeral: true, Title: "This channel already has that digest.", Sections: []Section{{Lines: s.describe(sub, sched)}}}
		}
	}
	if len(existing) >= maxPerChannel {
		return Reply{Ephemeral: true, Title: fmt.Sprintf("This channel already has %d scheduled digests; stop one with /brief unsubscribe ID first (/brief subscriptions lists them).", len(existing))}
	}
	sub, err := s.opt.Subscriber.Subscribe(ctx, schedule.Subscription{
		Platform: req.Platform, Channel: req.Channel, Spec: sched.Spec(), TZ: sched.Location().String(), Topic: topic,
	})
	if err != nil {
		return s.internal("subscribe", err)
	}
	s.log.Info("subscription created", "subscription", sub.ID, "platform", sub.Platform, "channel", sub.Channel,
		"user", req.User, "schedule", sched.Spec(), "tz", sub.TZ, "topic", sub.Topic)
	lines := s.describe(sub, sched)
	lines = append(lines, Line{Text: fmt.Sprintf("The first digest covers the last %s; each one after covers what is new since the one before. With nothing new, nothing is posted.", humanDuration(s.opt.FirstWindow))})
	if s.opt.PostEmpty {
		lines[len(lines)-1].Text = fmt.Sprintf("The first digest covers the last %s; each one after covers what is new since the one before.", humanDuration(s.opt.FirstWindow))
	}
	return Reply{Title: "Subscribed: a digest " + sched.String(), Sections: []Section{{Lines: lines}}}
}

// Unsubscribe handles "/brief unsubscribe ID|all" for the request's channel.
// Subscriptions from the configuration cannot be stopped from chat.
func (s *SubscriptionCommands) Unsubscribe(ctx context.Context, req Request, args string) Reply {
	id := strings.Trim(strings.TrimSpace(args), "`\"'#")
	if id == "" || len(strings.Fields(id)) > 1 {
		return Reply{Ephemeral: true, Title: "`unsubscribe` takes a subscription id or all, for example /brief unsubscribe 3 or /brief unsubscribe all; /brief subscriptions lists this channel's."}
	}
	subs, err := s.opt.Subscriber.Subscriptions(ctx, schedule.SubscriptionFilter{Platform: req.Platform, Channel: req.Channel, Active: true})
	if err != nil {
		return s.internal("unsubscribe", err)
	}
	if strings.EqualFold(id, "all") {
		var stopped, config int
		for _, sub := range subs {
			if sub.FromConfig() {
				config++
				continue
			}
			ok, err := s.opt.Subscriber.Unsubscribe(ctx, sub.ID)
			if err != nil {
				return s.internal("unsubscribe", err)
			}
			if ok {
				stopped++
			}
		}
		s.log.Info("subscriptions stopped", "platform", req.Platform, "channel", req.Channel, "user", req.User, "count", stopped)
		r := Reply{Title: fmt.Sprintf("Stopped %s in this channel.", countOf(stopped, "scheduled digest"))}
		if stopped == 0 {
			r = Reply{Ephemeral: true, Title: "This channel has no scheduled digests to stop."}
		}
		if config > 0 {
			r.Sections = []Section{{Lines: []Line{{Text: configNote(config)}}}}
		}
		return r
	}
	for _, sub := range subs {
		if !strings.EqualFold(sub.ID, id) {
			continue
		}
		if sub.FromConfig() {
			return Reply{Ephemeral: true, Title: configNote(1)}
		}
		if _, err := s.opt.Subscriber.Unsubscribe(ctx, sub.ID); err != nil {
			return s.internal("unsubscribe", err)
		}
		s.log.Info("subscription stopped", "subscription", sub.ID, "platform", req.Platform, "channel", req.Channel, "user", req.User)
		what := sub.Spec
		if sched, err := sub.Schedule(); err == nil {
			what = sched.String()
		}
		if sub.Topic != "" {
			what += " on " + sub.Topic
		}
		return Reply{Title: fmt.Sprintf("Unsubscribed: digest %s (%s) stopped.", sub.ID, what)}
	}
	return Reply{Ephemeral: true, Title: fmt.Sprintf("There is no scheduled digest %q in this channel; /brief subscriptions lists this channel's.", id)}
}

// List handles "/brief subscriptions": this channel's active subscriptions
// with their next fire times.
func (s *SubscriptionCommands) List(ctx context.Context, req Request) Reply {
	subs, err := s.opt.Subscriber.Subscriptions(ctx, schedule.SubscriptionFilter{Platform: req.Platform, Channel: req.Channel, Active: true})
	if err != nil {
		return s.internal("subscriptions", err)
	}
	if len(subs) == 0 {
		return Reply{Ephemeral: true, Title: "This channel has no scheduled digests.", Sections: []Section{{Lines: []Line{
			{Text: "Start one with /brief subscribe, for example: " + subscribeExample},
		}}}}
	}
	r := Reply{Ephemeral: true, Title: fmt.Sprintf("%s in this channel", countOf(len(subs), "scheduled digest"))}
	for _, sub := range subs {
		sched, err := sub.Schedule()
		if err != nil {
			r.Sections = append(r.Sections, Section{Heading: sub.ID, Lines: []Line{{Text: sub.Spec + " (not understood: " + err.Error() + ")"}}})
			continue
		}
		head := "Digest " + sub.ID
		if sub.FromConfig() {
			head = "Digest from the bot's configuration"
		}
		r.Sections = append(r.Sections, Section{Heading: head, Lines: s.describe(sub, sched)})
	}
	r.Footer = "Stop one with /brief unsubscribe ID, or all of them with /brief unsubscribe all."
	return r
}

// describe says what a subscription does and when it next fires.
func (s *SubscriptionCommands) describe(sub schedule.Subscription, sched schedule.Schedule) []Line {
	lines := []Line{{Text: "When: " + sched.String(), Style: Bullet}}
	if sub.Topic != "" {
		lines = append(lines, Line{Text: "Topic: " + sub.Topic, Style: Bullet})
	} else {
		lines = append(lines, Line{Text: "Topic: everything new", Style: Bullet})
	}
	if next := sched.Next(s.opt.Now()); !next.IsZero() {
		lines = append(lines, Line{Text: "Next: " + next.In(sched.Location()).Format("Mon 2 Jan 2006 15:04 MST"), Style: Bullet})
	} else {
		lines = append(lines, Line{Text: "Next: never (the schedule names no future time)", Style: Bullet})
	}
	if sub.FromConfig() {
		lines = append(lines, Line{Text: "Set by the bot's configuration", Style: Bullet})
	} else {
		lines = append(lines, Line{Text: "ID: " + sub.ID + " (stop it with /brief unsubscribe " + sub.ID + ")", Style: Bullet})
	}
	return lines
}

func subscribeUsage(problem string) Reply {
	return Reply{Ephemeral: true, Title: problem, Sections: []Section{{Lines: []Line{
		{Text: "/brief subscribe [daily HH:MM | weekdays HH:MM | weekly DAY HH:MM | cron \"SPEC\"] [tz ZONE] [topic TEXT]"},
		{Text: "Schedules: daily 08:00 · weekdays 07:30 · weekly mon 09:00 · cron \"0 8 * * 1-5\" · @every 6h. Without one: daily 08:00."},
		{Text: "Zones are IANA names such as Europe/Berlin, America/New_York or UTC."},
		{Text: "Example: " + subscribeExample},
	}}}}
}

// scheduleProblem turns a schedule.Parse error into one sentence for chat.
func scheduleProblem(err error) string {
	msg := err.Error()
	if errors.Is(err, schedule.ErrInvalid) {
		msg = strings.TrimPrefix(msg, schedule.ErrInvalid.Error()+": ")
		msg, _, _ = strings.Cut(msg, "; use daily HH:MM")
	}
	return "That schedule is not accepted: " + strings.TrimSuffix(msg, ".") + "."
}

func configNote(n int) string {
	if n == 1 {
		return "That digest is set in the bot's configuration (BRIEFBOT_DIGEST_SCHEDULE and BRIEFBOT_DIGEST_CHANNELS); ask whoever runs the bot to change it."
	}
	return fmt.Sprintf("%d digests set in the bot's configuration (BRIEFBOT_DIGEST_SCHEDULE and BRIEFBOT_DIGEST_CHANNELS) keep running; ask whoever runs the bot to change them.", n)
}

func (s *SubscriptionCommands) internal(cmd string, err error) Reply {
	s.log.Error("command failed", "command", cmd, "error", err.Error())
	return Reply{Ephemeral: true, Title: "Sorry, something went wrong on my side with that. It has been logged; please try again in a moment."}
}

// platformName is a Chat's Name as a user reads it: "slack" -> "Slack".
func platformName(p string) string { return capitalize(p) }

// humanDuration formats whole days as "24 hours"/"2 days" style text.
func humanDuration(d time.Duration) string {
	switch {
	case d%(24*time.Hour) == 0 && d > 24*time.Hour:
		return countOf(int(d/(24*time.Hour)), "day")
	case d%time.Hour == 0:
		return countOf(int(d/time.Hour), "hour")
	}
	return schedule.FormatDuration(d)
}
