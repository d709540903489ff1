package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"briefbot/briefing"
)

// Briefer is what the router needs from the briefing library
// (*briefing.Library implements it).
type Briefer interface {
	Ask(ctx context.Context, question string, opt briefing.AskOptions) (briefing.Answer, error)
	Digest(ctx context.Context, req briefing.DigestRequest) (briefing.Digest, error)
	Articles(ctx context.Context) ([]briefing.Article, error)
}

// Subscriptions manages scheduled digests from chat: the subscribe,
// unsubscribe and subscriptions commands. args is the text after the
// command word.
type Subscriptions interface {
	Subscribe(ctx context.Context, req Request, args string) Reply
	Unsubscribe(ctx context.Context, req Request, args string) Reply
	List(ctx context.Context, req Request) Reply
}

// RouterOptions configure a Router. Only Briefer is required.
type RouterOptions struct {
	Briefer       Briefer
	Subscriptions Subscriptions // nil: subscription commands say they are unavailable
	Feeds         Feeds         // nil: feeds commands say they are unavailable
	Log           *slog.Logger
	Metrics       *Metrics
	Location      *time.Location   // for digest headings (config's BRIEFBOT_TIMEZONE); required
	Now           func() time.Time // default time.Now
	DigestWindow  time.Duration    // what "/brief digest" covers by default (config's BRIEFBOT_DIGEST_FIRST_WINDOW); required
	K             int              // passages per answer; 0: briefing's default
}

// Router is the platform-neutral /brief command handler.
type Router struct {
	opt RouterOptions
	log *slog.Logger
	m   *Metrics
}

// NewRouter returns the /brief router. In tests, drive it over a real
// library: st, _ := store.Open(ctx, t.TempDir()); lib, _, _ :=
// briefing.Open(ctx, st, briefing.Options{Corpus: corpus.Sample()});
// bot.NewRouter(bot.RouterOptions{Briefer: lib, Location: time.UTC, DigestWindow: 24 * time.Hour}).
func NewRouter(opt RouterOptions) (*Router, error) {
	if opt.Briefer == nil || opt.Location == nil || opt.DigestWindow <= 0 {
		return nil, fmt.Errorf("bot: a router needs a Briefer, a Location and a positive DigestWindow (got %v, %v, %s)",
			opt.Briefer != nil, opt.Location, opt.DigestWindow)
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	r := &Router{opt: opt, log: opt.Log, m: opt.Metrics}
	if r.log == nil {
		r.log = slog.New(slog.DiscardHandler)
	}
	if r.m == nil {
		r.m = NewMetrics(nil)
	}
	return r, nil
}

var commands = []string{"ask", "digest", "sources", "subscribe", "unsubscribe", "subscriptions", "feeds", "help"}

// Handle answers one request. It never fails: bad input gets usage with an
// example (ephemeral), an internal error a short apology (and a log line).
func (r *Router) Handle(ctx context.Context, req Request) Reply {
	start := time.Now()
	word, rest := splitCommand(req.Text)
	cmd := word
	switch {
	case word == "":
		cmd = "help"
	case !isCommand(word):
		cmd, rest = "ask", strings.TrimSpace(req.Text) // a bare question
	}
	r.m.commands.WithLabelValues(req.Platform, req.Kind.String(), cmd).Inc()
	defer func() { r.m.latency.WithLabelValues(cmd).Observe(time.Since(start).Seconds()) }()

	switch cmd {
	case "help":
		if word == "" && req.Kind == Command {
			return r.usage("", true)
		}
		return r.usage("", req.Kind == Command)
	case "ask":
		if word == "ask" && rest == "" {
			r.m.errors.WithLabelValues("bad_input").Inc()
			return r.usage("`ask` needs a question.", true)
		}
		if word != "ask" && len(strings.Fields(rest)) == 1 && looksLikeCommand(rest) {
			r.m.errors.WithLabelValues("bad_input").Inc()
			return r.usage(fmt.Sprintf("%q is not a command.", rest), true)
		}
		return r.ask(ctx, req, rest)
	case "digest":
		return r.digest(ctx, rest)
	case "sources":
		return r.sources(ctx)
	case "feeds":
		return r.feeds(ctx, rest)
	case "subscribe", "unsubscribe", "subscriptions":
		if r.opt.Subscriptions == nil {
			return Reply{Ephemeral: true, Title: "Scheduled digests are not available on this bot."}
		}
		switch cmd {
		case "subscribe":
			return r.opt.Subscriptions.Subscribe(ctx, req, rest)
		case "unsubscribe":
			return r.opt.Subscriptions.Unsubscribe(ctx, req, rest)
		default:
			return r.opt.Subscriptions.List(ctx, req)
		}
	}
	return r.usage("", true)
}

func splitCommand(text string) (word, rest string) {
	text = strings.TrimSpace(text)
	word, rest, _ = strings.Cut(text, " ")
	if i := strings.IndexAny(word, "\n\t"); i >= 0 {
		word, rest = word[:i], word[i:]+" "+rest
	}
	return strings.ToLower(word), strings.TrimSpace(rest)
}

func isCommand(w string) bool {
	for _, c := range commands {
		if w == c {
			return true
		}
	}
	return false
}

// looksLikeCommand reports whether a one-word request is probably a mistyped
// command ("hlep", "digets", "source") rather than a topic.
func looksLikeCommand(w string) bool {
	w = strings.ToLower(strings.Trim(w, "?!. "))
	for _, c := range commands {
		if len(w) >= 3 && (strings.HasPrefix(c, w) || swapped(w, c) || editDistance(w, c) <= 2 && len(c) > 4) {
			return true
		}
	}
	return false
}

// swapped reports whether w is c with two adjacent letters swapped ("hlep", "aks").
func swapped(w, c string) bool {
	if len(w) != len(c) {
		return false
	}
	i := 0
	for i < len(w) && w[i] == c[i] {
		i++
	}
	return i+1 < len(w) && w[i] == c[i+1] && w[i+1] == c[i] && w[i+2:] == c[i+2:]
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

func (r *Router) ask(ctx context.Context, req Request, question string) Reply {
	ans, err := r.opt.Briefer.Ask(ctx, question, briefing.AskOptions{K: r.opt.K})
	switch {
	case errors.Is(err, briefing.ErrEmptyQuestion), errors.Is(err, briefing.ErrLongQuestion):
		r.m.errors.WithLabelValues("bad_input").Inc()
		return r.usage(capitalize(err.Error())+".", true)
	case err != nil:
		return r.internal("ask", err)
	}
	switch {
	case len(ans.Passages) == 0:
		r.m.answers.WithLabelValues("nothing").Inc()
	case ans.Summary != "":
		r.m.answers.WithLabelValues("summarized").Inc()
	default:
		r.m.answers.WithLabelValues("cited").Inc()
	}
	return AnswerReply(ans)
}

func (r *Router) digest(ctx context.Context, args string) Reply {
	window := r.opt.DigestWindow
	if first, rest, _ := strings.Cut(args, " "); first != "" {
		if d, ok := ParseWindow(first); ok {
			window, args = d, strings.TrimSpace(rest)
		}
	}
	now := r.opt.Now()
	d, err := r.opt.Briefer.Digest(ctx, briefing.DigestRequest{Since: now.Add(-window), Until: now, Topic: args})
	if err != nil {
		return r.internal("digest", err)
	}
	return DigestReply(d, r.opt.Location)
}

// ParseWindow parses a digest window such as 30m, 12h, 7d or 2w.
func ParseWindow(s string) (time.Duration, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	if len(s) < 2 {
		return 0, false
	}
	unit := map[byte]time.Duration{'m': time.Minute, 'h': time.Hour, 'd': 24 * time.Hour, 'w': 7 * 24 * time.Hour}[s[len(s)-1]]
	n, err := strconv.Atoi(s[:len(s)-1])
	if unit == 0 || err != nil || n <= 0 || n > 10000 {
		return 0, false
	}
	return time.Duration(n) * unit, true
}

func (r *Router) sources(ctx context.Context) Reply {
	arts, err := r.opt.Briefer.Articles(ctx)
	if err != nil {
		return r.internal("sources", err)
	}
	return SourcesReply(arts)
}

func (r *Router) internal(cmd string, err error) Reply {
	r.m.errors.WithLabelValues("internal").Inc()
	r.log.Error("command failed", "command", cmd, "error", err.Error())
	return Reply{Ephemeral: true, Title: "Sorry, something went wrong on my side answering that. It has been logged; please try again in a moment."}
}

// Usage is the help text, shown for help and for bad input.
func Usage() []Line {
	return []Line{
		{Text: "/brief ask <question> — what sources said, quoted and cited. Example: /brief ask what did sources say about export controls?"},
		{Text: "/brief <question> — the same as ask."},
		{Text: "/brief digest [7d] [topic] — what is new (default: the last day), optionally on a topic. Example: /brief digest export controls"},
		{Text: "/brief sources — the articles briefbot knows."},
		{Text: "/brief subscribe [daily HH:MM | weekdays HH:MM | weekly DAY HH:MM | cron \"SPEC\"] [tz ZONE] [topic TEXT] — a scheduled digest in this channel. Example: /brief subscribe daily 08:00 tz Europe/Berlin topic export controls"},
		{Text: "/brief subscriptions — this channel's scheduled digests; /brief unsubscribe ID|all — stop them."},
		{Text: "/brief feeds [add URL | remove ID] — the news feeds briefbot follows. Example: " + feedsExample},
		{Text: "In a DM or an @mention, write the same without /brief: \"ask what did sources say about Nvidia?\"."},
	}
}

func (r *Router) usage(problem string, ephemeral bool) Reply {
	rep := Reply{Ephemeral: ephemeral, Title: "How to use /brief", Sections: []Section{{Lines: Usage()}}}
	if problem != "" {
		rep.Title = problem + " How to use /brief:"
	}
	return rep
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
