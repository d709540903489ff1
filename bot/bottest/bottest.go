// Package bottest is a conformance suite for briefbot's chat platforms, in
// the manner of testing/slogtest. A platform's tests implement Harness (the
// platform's bot.Chat adapter driven through the platform's real wire
// protocol, against fakes of the platform's API) and call Run. Run checks
// what a user would check, the same on every platform: a question gets
// verbatim quotes with numbered citations and their sources; a bare
// question is an ask; digest, sources and help work; bad input gets usage
// with an example, privately where the platform allows; an answer too long
// for one message arrives as several, each within the platform's limits,
// with every citation whole and in order; and the bot never answers itself.
//
// Each platform runs the suite next to its adapter (bot/slack and
// bot/discord's conformance_test.go), over its exported fake (slackfake,
// discordfake).
//
// The suite drives the real bot.Router over a real briefing library of a
// small embedded corpus (testdata/corpus), with fixed clocks. Its subtests:
//
//   - ask/{command,mention,direct}: cited verbatim quotes, the source's title
//     and link, the answer to a mention in its thread; the handler gets one
//     Request of the right Kind with the text the user typed
//   - bare question is ask/{command,mention,direct}
//   - digest/{command,direct}, sources
//   - help/{command,mention,direct}: usage with an example, private for a
//     command
//   - bad input/...: an empty ask, a mistyped command, a bare /brief
//   - long answer is split/{command,mention,direct,post}
//   - handler panic is an apology/{command,mention,direct}: a handler that
//     panics gets the asker a short apology (privately where the platform
//     allows), and the next question is answered: the process lives on
//   - ignores itself
//
// A Harness needs no sleeps: a platform adapter's Listen waits for the
// answers in flight before it returns, so Replies can stop the adapter and
// then read what the fake API received.
package bottest

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"briefbot/bot"
	"briefbot/briefing"
	"briefbot/briefing/store"
)

// Message is one message of the bot's as a user sees it, taken from what the
// platform's fake API received, reduced to plain text.
type Message struct {
	// Text is the message's visible text, one rendered line per line: markup
	// and escaping removed, links reduced to their labels, block quotes kept
	// as lines starting with "> ", citation markers as "[n]".
	Text string
	// Links are the targets of the message's links, in order.
	Links []string
	// Ephemeral is true when only the asker can see the message.
	Ephemeral bool
	// Thread is the thread the message was posted in (Slack's thread_ts) or
	// the message it replies to (a Discord message reference); "" when it
	// stands on its own.
	Thread string
}

// Harness drives one platform for Run. Each Run subtest gets a new Harness
// from newHarness: an adapter answering through the given bot.Handler, with
// fakes of the platform's API of its own.
//
// Command, Mention, Direct, FromSelf and Post deliver a request as the
// platform does (a signed HTTP request, a Socket Mode envelope, a gateway
// event) and return once the adapter has taken it (acknowledged it, or read
// it off the gateway); they do not wait for the answer. They fail t when the
// platform's protocol is broken, for example when a command is not
// acknowledged as the platform requires.
type Harness interface {
	// Command sends "/brief text" as the platform's slash command. A platform
	// whose command takes structured options maps text onto them (first
	// word: the subcommand; the rest: its option). When text cannot be
	// typed on the platform at all (a free-text question where a subcommand
	// is required, a required option left empty), Command calls t.Skip.
	Command(t *testing.T, text string) Conversation
	// Mention sends a channel message from a user that @mentions the bot,
	// followed by text.
	Mention(t *testing.T, text string) Conversation
	// Direct sends text to the bot from a user in a direct message.
	Direct(t *testing.T, text string) Conversation
	// FromSelf delivers a message the bot itself posted, the way the
	// platform echoes the bot's own messages back to it, in a conversation
	// where the same text from a user would be answered.
	FromSelf(t *testing.T, text string) Conversation
	// Post sends r to a channel with the adapter's bot.Chat.Post, as a
	// scheduled digest is sent.
	Post(t *testing.T, r bot.Reply) Conversation
	// Ephemeral reports whether the platform can show the answer to a
	// request of this kind to the asker alone.
	Ephemeral(kind bot.Kind) bool
}

// Conversation is one request delivered through a Harness.
type Conversation interface {
	// Origin is the platform's id of the message that carried the request:
	// what a reply in its thread, or replying to it, has as Message.Thread.
	// "" for commands and posts.
	Origin() string
	// Replies waits until the bot has finished with every request delivered
	// through the harness so far (answered it, or decided to ignore it), then
	// returns the messages this conversation caused, in the order the
	// platform received them, as they finally stand (edits applied, deleted
	// messages left out). It fails t when a message breaks the platform's
	// limits. Once Replies has been called, the harness takes no more
	// requests: deliver everything first, then read the replies.
	Replies(t *testing.T) []Message
}

// Run runs the conformance suite. newHarness is called once per subtest.
// The subtests run concurrently (whatever -parallel says: a platform may
// take a while to shut down, as discordgo's gateway does), so newHarness
// must be safe to call concurrently.
func Run(t *testing.T, newHarness func(t *testing.T, h bot.Handler) Harness) {
	t.Helper()
	s := newSuite(t)
	var wg sync.WaitGroup
	for _, c := range s.cases() {
		wg.Go(func() {
			t.Run(c.name, func(t *testing.T) {
				rec := &recorder{next: s.router, long: s.long}
				c.run(t, newHarness(t, rec), rec)
			})
		})
	}
	wg.Wait()
}

type suite struct {
	router   bot.Handler
	articles []article
	long     bot.Reply
}

func newSuite(t *testing.T) *suite {
	t.Helper()
	arts, err := loadArticles()
	if err != nil {
		t.Fatal(err)
	}
	// The library first sees the corpus at seenAt; the router's "now" is an
	// hour later, so a digest of the last day lists every article.
	seenAt := time.Date(2025, 4, 10, 8, 0, 0, 0, time.UTC)
	now := seenAt.Add(time.Hour)
	ctx := context.Background()
	st, err := store.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	lib, _, err := briefing.Open(ctx, st, briefing.Options{Corpus: corpusFS(), Now: func() time.Time { return seenAt }})
	if err != nil {
		t.Fatalf("open library: %v", err)
	}
	router, err := bot.NewRouter(bot.RouterOptions{Briefer: lib, Now: func() time.Time { return now }, Location: time.UTC, DigestWindow: 24 * time.Hour})
	if err != nil {
		t.Fatalf("router: %v", err)
	}
	return &suite{router: router, articles: arts, long: longReply()}
}

// recorder is the Handler the adapter under test gets: the real router,
// except that longQuestion gets the long reply (the router cannot produce
// one reliably). It records every request.
type recorder struct {
	next bot.Handler
	long bot.Reply

	mu   sync.Mutex
	reqs []bot.Request
}

// longQuestion is the text that gets the long reply, as a user would type it.
const longQuestion = "ask everything the bottest wire ever said"

// panicQuestion is the text whose handling panics.
const panicQuestion = "ask what makes the bottest handler panic"

func (r *recorder) Handle(ctx context.Context, req bot.Request) bot.Reply {
	r.mu.Lock()
	r.reqs = append(r.reqs, req)
	r.mu.Unlock()
	switch req.Text {
	case longQuestion:
		return r.long
	case panicQuestion:
		panic("bottest: a handler that panics")
	}
	return r.next.Handle(ctx, req)
}

func (r *recorder) requests() []bot.Request {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.reqs)
}

type testCase struct {
	name string
	run  func(t *testing.T, h Harness, rec *recorder)
}

// send delivers text as a request of kind.
func send(t *testing.T, h Harness, kind bot.Kind, text string) Conversation {
	t.Helper()
	switch kind {
	case bot.Mention:
		return h.Mention(t, text)
	case bot.Direct:
		return h.Direct(t, text)
	}
	return h.Command(t, text)
}

var kinds = []bot.Kind{bot.Command, bot.Mention, bot.Direct}

func kindName(k bot.Kind) string {
	switch k {
	case bot.Mention:
		return "mention"
	case bot.Direct:
		return "direct"
	}
	return "command"
}

func (s *suite) cases() []testCase {
	var cs []testCase
	for _, k := range kinds {
		cs = append(cs,
			testCase{"ask/" + kindName(k), func(t *testing.T, h Harness, rec *recorder) { s.testAsk(t, h, rec, k) }},
			testCase{"bare question is ask/" + kindName(k), func(t *testing.T, h Harness, rec *recorder) { s.testBare(t, h, k) }},
			testCase{"help/" + kindName(k), func(t *testing.T, h Harness, rec *recorder) { testHelp(t, h, k) }},
			testCase{"long answer is split/" + kindName(k), func(t *testing.T, h Harness, rec *recorder) {
				s.checkLong(t, send(t, h, k, longQuestion).Replies(t))
			}},
			testCase{"handler panic is an apology/" + kindName(k), func(t *testing.T, h Harness, rec *recorder) { s.testPanic(t, h, k) }},
		)
	}
	for _, k := range []bot.Kind{bot.Command, bot.Direct} {
		cs = append(cs,
			testCase{"digest/" + kindName(k), func(t *testing.T, h Harness, rec *recorder) { s.testDigest(t, h, k) }},
		)
	}
	for _, b := range []struct {
		kind        bot.Kind
		name, text  string
		wantProblem string
	}{
		{bot.Command, "empty ask", "ask", "needs a question"},
		{bot.Command, "mistyped command", "digets", `"digets" is not a command`},
		{bot.Command, "nothing at all", "", ""},
		{bot.Mention, "empty ask", "ask", "needs a question"},
		{bot.Direct, "empty ask", "ask", "needs a question"},
		{bot.Direct, "mistyped command", "digets", `"digets" is not a command`},
		{bot.Direct, "swapped letters", "hlep", `"hlep" is not a command`},
	} {
		cs = append(cs, testCase{"bad input/" + kindName(b.kind) + "/" + b.name, func(t *testing.T, h Harness, rec *recorder) {
			testBadInput(t, h, b.kind, b.text, b.wantProblem)
		}})
	}
	cs = append(cs,
		testCase{"sources", func(t *testing.T, h Harness, rec *recorder) { s.testSources(t, h) }},
		testCase{"long answer is split/post", func(t *testing.T, h Harness, rec *recorder) {
			s.checkLong(t, h.Post(t, s.long).Replies(t))
		}},
		testCase{"ignores itself", func(t *testing.T, h Harness, rec *recorder) { s.testSelf(t, h, rec) }},
	)
	return cs
}
