package bot

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"briefbot/briefing"
	"briefbot/briefing/corpus"
	"briefbot/briefing/schedule"
	"briefbot/briefing/store"
)

// post is one message a fakeChat accepted.
type post struct {
	To    Destination
	Reply Reply
}

// text is everything a reader of the post sees, in one string.
func (p post) text() string {
	var b strings.Builder
	b.WriteString(p.Reply.Title + "\n")
	for _, s := range p.Reply.Sections {
		b.WriteString(s.Heading + "\n")
		for _, l := range s.Lines {
			b.WriteString(l.Text + "\n")
		}
	}
	b.WriteString(p.Reply.Footer)
	return b.String()
}

// replyText is what a user reads in a reply.
func replyText(r Reply) string { return post{Reply: r}.text() }

// fakeChat records posts; err is returned after accepting one.
type fakeChat struct {
	mu    sync.Mutex
	posts []post
	err   error
}

// Name and CanPost make fakeChat a Chat once Chat names itself and says
// whether it can post (harmless before).
func (c *fakeChat) Name() string  { return "slack" }
func (c *fakeChat) CanPost() bool { return true }

func (c *fakeChat) Listen(ctx context.Context, h Handler) error {
	<-ctx.Done()
	return nil
}

func (c *fakeChat) Post(ctx context.Context, to Destination, r Reply) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.posts = append(c.posts, post{To: to, Reply: r})
	return c.err
}

func (c *fakeChat) Posts() []post {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]post(nil), c.posts...)
}

// env is the chat side of scheduled digests over the real scheduler, store
// and library (the embedded sample corpus, indexed at 04:00 on Monday 2
// June 2025), posting to a fake Slack.
type env struct {
	now   time.Time
	st    *store.Store
	lib   *briefing.Library
	chat  *fakeChat
	sched *schedule.Scheduler
	cmds  *SubscriptionCommands
}

func newEnv(t *testing.T, loc *time.Location, config schedule.Schedule, targets ...schedule.Target) *env {
	t.Helper()
	ctx := context.Background()
	e := &env{now: time.Date(2025, 6, 2, 4, 0, 0, 0, time.UTC), chat: &fakeChat{}}
	clock := func() time.Time { return e.now }
	st, err := store.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	lib, _, err := briefing.Open(ctx, st, briefing.Options{Corpus: corpus.Sample(), Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	poster := NewPoster(map[string]Chat{"slack": e.chat})
	sched, err := schedule.New(schedule.Options{
		DB: st.DB(), Library: lib, Poster: poster, FirstWindow: 24 * time.Hour, Catchup: 6 * time.Hour,
		Config: config, ConfigTargets: targets, Now: clock,
	})
	if err != nil {
		t.Fatal(err)
	}
	cmds, err := NewSubscriptionCommands(SubscriptionOptions{
		Subscriber: sched, CanPost: poster.CanPost, Location: loc, FirstWindow: 24 * time.Hour, Now: clock,
	})
	if err != nil {
		t.Fatal(err)
	}
	e.st, e.lib, e.sched, e.cmds = st, lib, sched, cmds
	return e
}

func (e *env) tick(t *testing.T, at time.Time) {
	t.Helper()
	e.now = at
	if err := e.sched.Tick(context.Background(), at); err != nil {
		t.Fatal(err)
	}
}

func mustZone(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := schedule.LoadZone(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func TestSubscriptionCommands(t *testing.T) {
	e := newEnv(t, mustZone(t, "Europe/Berlin"), schedule.Schedule{})
	router := mustRouter(RouterOptions{Briefer: e.lib, Subscriptions: e.cmds, Now: func() time.Time { return e.now }})
	e.now = time.Date(2025, 6, 2, 5, 30, 0, 0, time.UTC) // 07:30 in Berlin
	ctx := context.Background()
	say := func(channel, text string) Reply {
		return router.Handle(ctx, Request{Platform: "slack", Kind: Command, Channel: channel, User: "U1", Text: text})
	}

	tests := []struct {
		name      string
		channel   string
		text      string
		ephemeral bool
		want      []string
		not       []string
	}{
		{
			name: "default schedule in the bot's zone", channel: "C1", text: "subscribe",
			want: []string{"Subscribed: a digest daily at 08:00 (Europe/Berlin)", "Topic: everything new", "Next: Mon 2 Jun 2025 08:00 CEST", "ID: 1", "/brief unsubscribe 1", "last 24 hours"},
		},
		{
			name: "schedule, zone and topic", channel: "C1", text: "subscribe weekly fri 17:30 tz America/New_York topic offshore wind",
			want: []string{"every Friday at 17:30 (America/New_York)", "Topic: offshore wind", "Next: Fri 6 Jun 2025 17:30 EDT", "ID: 2"},
		},
		{
			name: "zone alone keeps the default time", channel: "C2", text: "subscribe tz Asia/Tokyo",
			want: []string{"daily at 08:00 (Asia/Tokyo)", "Next: Tue 3 Jun 2025 08:00 JST"},
		},
		{
			name: "cron spec", channel: "C2", text: `subscribe cron "0 7 * * 1-5"`,
			want: []string{`cron "0 7 * * 1-5" (Europe/Berlin)`, "Next: Tue 3 Jun 2025 07:00 CEST"},
		},
		{
			name: "the same digest twice", channel: "C1", text: "subscribe daily 08:00", ephemeral: true,
			want: []string{"already has that digest", "ID: 1"},
		},
		{
			name: "bad time", channel: "C1", text: "subscribe daily 8pm", ephemeral: true,
			want: []string{`That schedule is not accepted: "8pm" is not a time of day`, "weekly mon 09:00", "Example: /brief subscribe"},
		},
		{
			name: "bad zone", channel: "C1", text: "subscribe daily 08:00 tz Berlin", ephemeral: true,
			want: []string{`"Berlin" is not a known time zone`, "Europe/Berlin"},
		},
		{
			name: "not a schedule", channel: "C1", text: "subscribe every morning", ephemeral: true,
			want: []string{`"every morning" is not a schedule`, "daily 08:00"},
		},
		{
			name: "too often for chat", channel: "C1", text: `subscribe cron "*/5 * * * *"`, ephemeral: true,
			want: []string{"fires more often than every 15m"},
		},
		{
			name: "topic without words", channel: "C1", text: "subscribe daily 09:00 topic", ephemeral: true,
			want: []string{"`topic` needs the words"},
		},
		{
			name: "list this channel", channel: "C1", text: "subscriptions", ephemeral: true,
			want: []string{"2 scheduled digests in this channel", "Digest 1", "Digest 2", "offshore wind"},
			not:  []string{"Asia/Tokyo"},
		},
		{
			name: "unsubscribe another channel's", channel: "C1", text: "unsubscribe 3", ephemeral: true,
			want: []string{`no scheduled digest "3" in this channel`},
		},
		{
			name: "unsubscribe without an id", channel: "C1", text: "unsubscribe", ephemeral: true,
			want: []string{"takes a subscription id or all"},
		},
		{
			name: "unsubscribe one", channel: "C1", text: "unsubscribe 2",
			want: []string{"Unsubscribed: digest 2 (every Friday at 17:30 (America/New_York) on offshore wind) stopped."},
		},
		{
			name: "unsubscribe all", channel: "C2", text: "unsubscribe all",
			want: []string{"Stopped 2 scheduled digests in this channel."},
		},
		{
			name: "nothing left", channel: "C2", text: "subscriptions", ephemeral: true,
			want: []string{"This channel has no scheduled digests.", "/brief subscribe"},
		},
	}
	for _, tt := range tests {
		r := say(tt.channel, tt.text)
		text := replyText(r)
		if r.Ephemeral != tt.ephemeral {
			t.Errorf("%s: ephemeral = %v, want %v:\n%s", tt.name, r.Ephemeral, tt.ephemeral, text)
		}
		for _, w := range tt.want {
			if !strings.Contains(text, w) {
				t.Errorf("%s: %q: reply lacks %q:\n%s", tt.name, tt.text, w, text)
			}
		}
		for _, w := range tt.not {
			if strings.Contains(text, w) {
				t.Errorf("%s: %q: reply has %q:\n%s", tt.name, tt.text, w, text)
			}
		}
	}

	// What remains is delivered: subscription 1, daily 08:00 in Berlin.
	e.tick(t, time.Date(2025, 6, 2, 6, 0, 0, 0, time.UTC))
	posts := e.chat.Posts()
	if len(posts) != 1 || posts[0].To.Channel != "C1" || !strings.Contains(posts[0].text(), "DeepSeek") {
		t.Fatalf("after the commands, posts = %d; want subscription 1's digest in C1", len(posts))
	}

	// A platform the bot cannot post to.
	r := e.cmds.Subscribe(ctx, Request{Platform: "discord", Channel: "42"}, "daily 08:00")
	if !r.Ephemeral || !strings.Contains(r.Title, "cannot be posted to Discord") {
		t.Errorf("subscribe on a platform without a chat = %+v", r)
	}
}

func TestConfigSubscriptionsFromChat(t *testing.T) {
	every6h, err := schedule.Parse("@every 6h", nil)
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, time.UTC, every6h, schedule.Target{Platform: "slack", Channel: "C1"})
	e.tick(t, e.now)
	ctx := context.Background()
	req := Request{Platform: "slack", Channel: "C1"}
	if text := replyText(e.cmds.List(ctx, req)); !strings.Contains(text, "Digest from the bot's configuration") || !strings.Contains(text, "every 6h") {
		t.Errorf("list shows:\n%s", text)
	}
	r := e.cmds.Unsubscribe(ctx, req, "config-slack-C1")
	if !r.Ephemeral || !strings.Contains(r.Title, "BRIEFBOT_DIGEST_SCHEDULE") {
		t.Errorf("unsubscribing a configured digest = %+v; want an explanation", r)
	}
	r = e.cmds.Unsubscribe(ctx, req, "all")
	if text := replyText(r); !strings.Contains(text, "no scheduled digests to stop") || !strings.Contains(text, "1 digests set in the bot's configuration") && !strings.Contains(text, "That digest is set in the bot's configuration") {
		t.Errorf("unsubscribe all with only a configured digest:\n%s", text)
	}
	if sub, _ := e.sched.Subscription(ctx, "config-slack-C1"); !sub.Active {
		t.Error("a configured digest was stopped from chat")
	}
}
