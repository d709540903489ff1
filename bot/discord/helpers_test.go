package discord

import (
	"bytes"
	"context"
	"log"
	"log/slog"
	"net/http"
	"sync"
	"testing"

	"briefbot/bot"
	"briefbot/bot/discord/discordfake"
)

// fakeDiscord is discordfake's Discord with this package's bot token, and
// failures the tests set as map entries ("METHOD /path") before requests
// arrive.
type fakeDiscord struct {
	*discordfake.Server
	limited map[string]int // how many 429s (retry_after 1.5 s) to answer first
	status  map[string]int // an error status to answer
}

func newFakeDiscord(t *testing.T) *fakeDiscord {
	t.Helper()
	f := &fakeDiscord{Server: discordfake.New(t, discordfake.Options{Token: testToken}), limited: map[string]int{}, status: map[string]int{}}
	f.Fail(func(route string, n int) *discordfake.Failure {
		if n <= f.limited[route] {
			return &discordfake.Failure{Status: http.StatusTooManyRequests, RetryAfter: 1.5}
		}
		if st := f.status[route]; st != 0 {
			return &discordfake.Failure{Status: st, Code: 10015, Message: "Unknown Webhook"}
		}
		return nil
	})
	return f
}

// recorder is a bot.Handler that records requests and answers with reply.
type recorder struct {
	mu    sync.Mutex
	reqs  []bot.Request
	reply func(bot.Request) bot.Reply
}

func (h *recorder) Handle(_ context.Context, req bot.Request) bot.Reply {
	h.mu.Lock()
	h.reqs = append(h.reqs, req)
	h.mu.Unlock()
	if h.reply != nil {
		return h.reply(req)
	}
	return bot.Reply{Title: "Answer", Sections: []bot.Section{{Lines: []bot.Line{{Text: "You said: " + req.Text}}}}}
}

func (h *recorder) requests() []bot.Request {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]bot.Request(nil), h.reqs...)
}

// logs captures slog output and the standard logger (discordgo logs there)
// for the rest of the test.
type logs struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logs) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logs) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func captureLogs(t *testing.T) (*slog.Logger, *logs) {
	t.Helper()
	l := &logs{}
	prev, flags := log.Writer(), log.Flags()
	log.SetOutput(l)
	t.Cleanup(func() { log.SetOutput(prev); log.SetFlags(flags) })
	return slog.New(slog.NewTextHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug})), l
}

// listen runs a.Listen in the background; the returned stop cancels it and
// waits for it to return (after in-flight answers are delivered).
func listen(t *testing.T, a *Adapter, h bot.Handler) (stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- a.Listen(ctx, h) }()
	var once sync.Once
	var err error
	stop = func() error {
		once.Do(func() { cancel(); err = <-errc })
		return err
	}
	t.Cleanup(func() { stop() })
	return stop
}
