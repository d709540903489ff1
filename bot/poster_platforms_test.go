package bot_test

// These tests deliver scheduled digests through the scheduler, the Poster
// and the real Slack and Discord adapters to fakes speaking their wire
// formats: their exported fakes, slackfake and discordfake.
// They are an external test package because bot/slack and bot/discord
// import bot.

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"briefbot/bot"
	"briefbot/bot/discord"
	"briefbot/bot/discord/discordfake"
	"briefbot/bot/slack"
	"briefbot/bot/slack/slackfake"
	"briefbot/briefing"
	"briefbot/briefing/corpus"
	"briefbot/briefing/schedule"
	"briefbot/briefing/store"
)

// fakeSlack is slackfake's Slack whose first failures chat.postMessage
// calls get a 503.
type fakeSlack struct {
	*slackfake.Server
	failures int
}

type slackPost struct {
	Channel, ThreadTS, TS, Text string
}

func newFakeSlack(t *testing.T) *fakeSlack {
	f := &fakeSlack{Server: slackfake.New(t, slackfake.Options{BotToken: "xoxb-test-token"})}
	f.Fail(func(method string, _ int) *slackfake.Failure {
		if method == "chat.postMessage" && f.failures > 0 {
			f.failures--
			return &slackfake.Failure{Status: http.StatusServiceUnavailable}
		}
		return nil
	})
	return f
}

// topLevel returns the accepted messages that start a digest (not thread
// continuations).
func (f *fakeSlack) topLevel() []slackPost {
	var out []slackPost
	for _, p := range f.Posts() {
		if p.ThreadTS == "" {
			out = append(out, slackPost{Channel: p.Channel, ThreadTS: p.ThreadTS, TS: p.TS, Text: p.Text + "\n" + p.Blocks})
		}
	}
	return out
}

// fakeDiscord is discordfake's Discord whose first failures calls get a
// 500.
type fakeDiscord struct {
	*discordfake.Server
	failures int
}

type discordPost struct {
	Channel string
	Text    string // content and embed texts
	Reply   bool   // a reply to an earlier message (a continuation)
}

func newFakeDiscord(t *testing.T) *fakeDiscord {
	f := &fakeDiscord{Server: discordfake.New(t, discordfake.Options{Token: "test-discord-token"})}
	f.Fail(func(string, int) *discordfake.Failure {
		if f.failures > 0 {
			f.failures--
			return &discordfake.Failure{Status: http.StatusInternalServerError, Message: "500: Internal Server Error"}
		}
		return nil
	})
	return f
}

func (f *fakeDiscord) all() []discordPost {
	var out []discordPost
	for _, m := range f.Messages() {
		var b strings.Builder
		b.WriteString(m.Content + "\n")
		for _, e := range m.Embeds {
			b.WriteString(e.Title + "\n" + e.Description + "\n")
			for _, fl := range e.Fields {
				b.WriteString(fl.Name + "\n" + fl.Value + "\n")
			}
			if e.Footer != nil {
				b.WriteString(e.Footer.Text + "\n")
			}
		}
		out = append(out, discordPost{Channel: m.Channel, Text: b.String(), Reply: m.Ref != ""})
	}
	return out
}

// fixture is the real library over the embedded sample corpus, indexed at
// 05:00 on Monday 2 June 2025 (UTC), and both adapters pointed at fakes.
type fixture struct {
	st    *store.Store
	lib   *briefing.Library
	slack *fakeSlack
	disc  *fakeDiscord
	chats map[string]bot.Chat
	now   time.Time
}

func newFixture(t *testing.T) *fixture {
	ctx := context.Background()
	f := &fixture{now: time.Date(2025, 6, 2, 5, 0, 0, 0, time.UTC), slack: newFakeSlack(t), disc: newFakeDiscord(t)}
	st, err := store.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	lib, _, err := briefing.Open(ctx, st, briefing.Options{Corpus: corpus.Sample(), Now: func() time.Time { return f.now }})
	if err != nil {
		t.Fatal(err)
	}
	sa, err := slack.New(slack.Config{BotToken: "xoxb-test-token", APIURL: f.slack.APIURL()})
	if err != nil {
		t.Fatal(err)
	}
	da, err := discord.New(discord.Config{BotToken: "test-discord-token", APIURL: f.disc.URL()})
	if err != nil {
		t.Fatal(err)
	}
	f.st, f.lib, f.chats = st, lib, map[string]bot.Chat{"slack": sa, "discord": da}
	return f
}

// scheduler makes a scheduler for the configured schedule (none when ""),
// posting through the adapters on the fixture's clock, and the chat
// commands over it; waits between retries return at once.
func (f *fixture) scheduler(t *testing.T, spec string, targets ...schedule.Target) (*schedule.Scheduler, *bot.SubscriptionCommands) {
	t.Helper()
	var config schedule.Schedule
	if spec != "" {
		var err error
		if config, err = schedule.Parse(spec, time.UTC); err != nil {
			t.Fatal(err)
		}
	}
	now := func() time.Time { return f.now }
	poster := bot.NewPoster(f.chats)
	s, err := schedule.New(schedule.Options{
		DB: f.st.DB(), Library: f.lib, Poster: poster, FirstWindow: 24 * time.Hour, Catchup: 6 * time.Hour,
		Config: config, ConfigTargets: targets, Now: now,
		After: func(time.Duration) <-chan time.Time {
			ch := make(chan time.Time, 1)
			ch <- f.now
			return ch
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	cmds, err := bot.NewSubscriptionCommands(bot.SubscriptionOptions{
		Subscriber: s, CanPost: poster.CanPost, Location: time.UTC, FirstWindow: 24 * time.Hour, Now: now,
	})
	if err != nil {
		t.Fatal(err)
	}
	return s, cmds
}

func (f *fixture) tick(t *testing.T, s *schedule.Scheduler, at time.Time) {
	f.now = at
	if err := s.Tick(context.Background(), at); err != nil {
		t.Fatal(err)
	}
}

func TestDigestsToSlackAndDiscord(t *testing.T) {
	f := newFixture(t)
	s, _ := f.scheduler(t, "daily 08:00", schedule.Target{Platform: "slack", Channel: "C0123"}, schedule.Target{Platform: "discord", Channel: "987654321"})
	f.tick(t, s, time.Date(2025, 6, 2, 7, 0, 0, 0, time.UTC)) // started: subscriptions made
	// Each platform refuses the first call; the scheduler retries.
	f.slack.failures, f.disc.failures = 1, 1
	f.tick(t, s, time.Date(2025, 6, 2, 8, 0, 0, 0, time.UTC))
	f.tick(t, s, time.Date(2025, 6, 2, 8, 1, 0, 0, time.UTC))

	sp := f.slack.topLevel()
	if len(sp) != 1 || sp[0].Channel != "C0123" {
		t.Fatalf("slack digests = %+v, want one in C0123", sp)
	}
	for _, want := range []string{"Briefing for Monday 2 June", "6 new articles", "DeepSeek"} {
		if !strings.Contains(sp[0].Text, want) {
			t.Errorf("slack digest lacks %q:\n%s", want, sp[0].Text)
		}
	}
	var first []discordPost
	for _, p := range f.disc.all() {
		if !p.Reply {
			first = append(first, p)
		}
	}
	if len(first) != 1 || first[0].Channel != "987654321" {
		t.Fatalf("discord digests = %+v, want one in 987654321", f.disc.all())
	}
	for _, want := range []string{"Briefing for Monday 2 June", "6 new articles", "DeepSeek"} {
		if !strings.Contains(first[0].Text, want) {
			t.Errorf("discord digest lacks %q:\n%s", want, first[0].Text)
		}
	}
	for _, id := range []string{"config-slack-C0123", "config-discord-987654321"} {
		ds, err := s.Deliveries(context.Background(), id)
		if err != nil || len(ds) != 1 || ds[0].Status != schedule.Posted || ds[0].Attempts != 2 {
			t.Errorf("%s deliveries = %+v, %v; want one posted on the second attempt", id, ds, err)
		}
	}

	// The next day: nothing new, nothing posted anywhere.
	before := len(f.slack.topLevel()) + len(f.disc.all())
	f.tick(t, s, time.Date(2025, 6, 3, 8, 0, 0, 0, time.UTC))
	if after := len(f.slack.topLevel()) + len(f.disc.all()); after != before {
		t.Errorf("%d messages posted on a day with nothing new", after-before)
	}
}

// A topic subscription made from chat reaches Slack with only its topic's
// stories.
func TestTopicSubscriptionToSlack(t *testing.T) {
	f := newFixture(t)
	s, cmds := f.scheduler(t, "")
	f.now = time.Date(2025, 6, 2, 7, 0, 0, 0, time.UTC)
	r := cmds.Subscribe(context.Background(), bot.Request{Platform: "slack", Channel: "C0456", User: "U1"}, "weekdays 08:00 topic Brussels supercomputers")
	if r.Ephemeral || !strings.Contains(r.Title, "weekdays at 08:00 (UTC)") {
		t.Fatalf("subscribe = %+v", r)
	}
	f.tick(t, s, time.Date(2025, 6, 2, 8, 0, 0, 0, time.UTC))
	sp := f.slack.topLevel()
	if len(sp) != 1 || sp[0].Channel != "C0456" {
		t.Fatalf("slack digests = %+v, want one in C0456", sp)
	}
	// Of the sample corpus, only the article on Europe's response
	// mentions either word.
	if !strings.Contains(sp[0].Text, "Briefing on Brussels supercomputers") || !strings.Contains(sp[0].Text, "1 new article") || !strings.Contains(sp[0].Text, "Europe") {
		t.Errorf("topic digest should carry the one article on its topic:\n%s", sp[0].Text)
	}
}
