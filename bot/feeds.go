package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"briefbot/briefing/feeds"
	"briefbot/briefing/schedule"
)

// Feeds manages the news feeds from chat: "/brief feeds", "feeds add
// URL" and "feeds remove ID" (*feeds.Poller implements it).
type Feeds interface {
	Add(ctx context.Context, url string) (feeds.Feed, bool, error)
	Remove(ctx context.Context, id int64) (feeds.Feed, error)
	List(ctx context.Context) ([]feeds.Feed, error)
}

const feedsExample = "/brief feeds add https://example.com/feed.xml"

// feeds handles "/brief feeds [add URL | remove ID]". Anyone may add or
// remove a feed, so both are announced in the channel; mistakes get an
// ephemeral reply saying what is accepted.
func (r *Router) feeds(ctx context.Context, args string) Reply {
	if r.opt.Feeds == nil {
		return Reply{Ephemeral: true, Title: "News feeds are not available on this bot."}
	}
	word, rest := splitCommand(args)
	switch word {
	case "", "list":
		return r.listFeeds(ctx)
	case "add":
		u := strings.Trim(strings.TrimSpace(rest), "<>") // Slack wraps links in <...>
		if i := strings.IndexByte(u, '|'); i >= 0 {
			u = u[:i] // <url|label>
		}
		if u == "" || strings.ContainsAny(u, " \t\n") {
			r.m.errors.WithLabelValues("bad_input").Inc()
			return feedsUsage("`feeds add` takes one feed address.")
		}
		f, created, err := r.opt.Feeds.Add(ctx, u)
		switch {
		case errors.Is(err, feeds.ErrBadURL):
			r.m.errors.WithLabelValues("bad_input").Inc()
			return feedsUsage(capitalize(strings.TrimPrefix(err.Error(), feeds.ErrBadURL.Error()+": ")))
		case err != nil:
			return r.internal("feeds add", err)
		case !created:
			return Reply{Ephemeral: true, Title: fmt.Sprintf("Feed #%d already follows %s.", f.ID, f.URL)}
		}
		return Reply{Title: fmt.Sprintf("Added feed #%d: %s", f.ID, f.URL), Sections: []Section{{Lines: []Line{
			{Text: "It is polled within a minute; its new articles reach the next digest. /brief feeds shows how it is doing."},
		}}}}
	case "remove", "rm", "delete":
		id, err := strconv.ParseInt(strings.TrimPrefix(strings.TrimSpace(rest), "#"), 10, 64)
		if err != nil || id <= 0 {
			r.m.errors.WithLabelValues("bad_input").Inc()
			return feedsUsage("`feeds remove` takes a feed number from /brief feeds, for example /brief feeds remove 3.")
		}
		f, err := r.opt.Feeds.Remove(ctx, id)
		switch {
		case errors.Is(err, feeds.ErrNotFound):
			return Reply{Ephemeral: true, Title: fmt.Sprintf("There is no feed #%d; /brief feeds lists them.", id)}
		case err != nil:
			return r.internal("feeds remove", err)
		}
		return Reply{Title: fmt.Sprintf("Removed feed #%d: %s", f.ID, f.Name()), Sections: []Section{{Lines: []Line{
			{Text: "Its articles are no longer answered from or listed in digests."},
		}}}}
	}
	r.m.errors.WithLabelValues("bad_input").Inc()
	return feedsUsage(fmt.Sprintf("%q is not a feeds action.", word))
}

func (r *Router) listFeeds(ctx context.Context) Reply {
	list, err := r.opt.Feeds.List(ctx)
	if err != nil {
		return r.internal("feeds", err)
	}
	if len(list) == 0 {
		return Reply{Ephemeral: true, Title: "No news feeds yet.", Sections: []Section{{Lines: []Line{
			{Text: "Add one with " + feedsExample + " (RSS, Atom or JSON Feed)."},
		}}}}
	}
	rep := Reply{Ephemeral: true, Title: countOf(len(list), "news feed")}
	var ok, failing Section
	failing.Heading = "Failing"
	for _, f := range list {
		line := Line{Text: fmt.Sprintf("#%d %s — %s", f.ID, Shorten(f.Name(), 80), r.feedState(f)), URL: f.SiteURL}
		if f.Failing {
			failing.Lines = append(failing.Lines, line)
		} else {
			ok.Lines = append(ok.Lines, line)
		}
	}
	if len(failing.Lines) > 0 {
		rep.Sections = append(rep.Sections, failing)
	}
	if len(ok.Lines) > 0 {
		rep.Sections = append(rep.Sections, ok)
	}
	rep.Footer = "/brief feeds add URL · /brief feeds remove ID"
	return rep
}

// feedState says how a feed is doing, in words.
func (r *Router) feedState(f feeds.Feed) string {
	items := countOf(f.Items, "item")
	switch {
	case f.Failing:
		return fmt.Sprintf("failing after %s: %s; last success %s", countOf(f.Failures, "attempt"), f.LastError, r.ago(f.LastOK))
	case f.Failures > 0:
		return fmt.Sprintf("%s · retrying after %s: %s", items, countOf(f.Failures, "failure"), f.LastError)
	case f.LastPoll.IsZero():
		return "not polled yet"
	}
	return fmt.Sprintf("%s · checked %s", items, r.ago(f.LastPoll))
}

func (r *Router) ago(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	d := r.opt.Now().Sub(t)
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return fmt.Sprintf("%d min ago", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%d h ago", int(d.Hours()))
	}
	return t.In(r.opt.Location).Format("2 Jan 2006")
}

func feedsUsage(problem string) Reply {
	return Reply{Ephemeral: true, Title: problem, Sections: []Section{{Lines: []Line{
		{Text: "/brief feeds — the news feeds briefbot follows and how they are doing."},
		{Text: "/brief feeds add URL — follow an RSS, Atom or JSON feed. Example: " + feedsExample},
		{Text: "/brief feeds remove ID — stop following one (IDs from /brief feeds)."},
	}}}}
}

// FailingNotice is the one message a digest channel gets when a feed
// starts failing.
func FailingNotice(f feeds.Feed) Reply {
	return Reply{Title: fmt.Sprintf("News feed #%d is failing: %s", f.ID, Shorten(f.Name(), 80)), Sections: []Section{{Lines: []Line{
		{Text: fmt.Sprintf("It has failed %s in a row (last error: %s). briefbot keeps retrying less often; digests go on without it.", countOf(f.Failures, "time"), f.LastError)},
		{Text: "/brief feeds shows its state; /brief feeds remove " + strconv.FormatInt(f.ID, 10) + " stops following it."},
	}}}}
}

// SubscriptionLister lists scheduled digests (*schedule.Scheduler implements it).
type SubscriptionLister interface {
	Subscriptions(ctx context.Context, f schedule.SubscriptionFilter) ([]schedule.Subscription, error)
}

// NotifyFailing posts FailingNotice(f) once to every channel that has an
// active scheduled digest, through chats (the platforms that can post
// unprompted). Failures to post are logged; the notice is not retried.
func NotifyFailing(ctx context.Context, subs SubscriptionLister, chats map[string]Chat, f feeds.Feed, log *slog.Logger) {
	list, err := subs.Subscriptions(ctx, schedule.SubscriptionFilter{Active: true})
	if err != nil {
		log.Error("failing feed notice: read subscriptions", "feed", f.ID, "error", err.Error())
		return
	}
	type target struct{ platform, channel string }
	seen := map[target]bool{}
	for _, sub := range list {
		t := target{sub.Platform, sub.Channel}
		chat := chats[t.platform]
		if seen[t] || chat == nil {
			continue
		}
		seen[t] = true
		pctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		err := chat.Post(pctx, Destination{Channel: t.channel}, FailingNotice(f))
		cancel()
		if err != nil {
			log.Warn("failing feed notice not posted", "feed", f.ID, "platform", t.platform, "channel", t.channel, "error", err.Error())
		} else {
			log.Info("failing feed notice posted", "feed", f.ID, "platform", t.platform, "channel", t.channel)
		}
	}
}
