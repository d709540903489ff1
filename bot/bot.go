// Package bot is briefbot's chat-neutral layer: the /brief command router,
// the platform-neutral Reply every platform renders, and the chat side of
// scheduled digests (the subscription commands and the Poster; the
// schedules and deliveries are briefing/schedule's), the Chat interface
// every platform implements, and the runtime every platform runs its
// answers on (Runtime: deadlines, a worker pool, panic -> apology, drain).
// Platforms live in bot/slack and bot/discord.
package bot

import (
	"context"
	"net/http"
)

// Chat is what the bot needs from a chat platform. A platform is one
// package (adapter, renderer, fake); serve treats every Chat alike, so
// adding one takes no change here.
type Chat interface {
	// Name is the platform's name in lower case ("slack", "discord"): the
	// Platform of the Requests it makes, the prefix of its targets in
	// BRIEFBOT_DIGEST_CHANNELS, and the platform label of metrics.
	Name() string
	// CanPost reports whether Post can work in this configuration (a
	// platform in an HTTP-only mode may lack the token to post unprompted).
	// Only such Chats get scheduled digests.
	CanPost() bool
	// Listen receives commands, mentions and direct messages and answers
	// each through h. It blocks until ctx is done, then stops taking
	// requests and waits (bounded) for the answers in flight.
	Listen(ctx context.Context, h Handler) error
	// Post sends r to a channel (a scheduled digest), splitting it into as
	// many messages as the platform's limits need; the first message is
	// sent first. It returns nil only when every message was accepted. When
	// the platform accepted some messages and refused a later one, the
	// error wraps ErrPartlyPosted: the caller must not send r again, which
	// would repeat the accepted part. Any other error means nothing was
	// posted and r may be sent again. Post may be called concurrently with
	// itself and with Listen (answers and digests go out at the same time).
	Post(ctx context.Context, to Destination, r Reply) error
}

// HTTPChat is a Chat that also receives requests over HTTP (slash
// commands, events, interactions): an optional capability, checked by type
// assertion, that serve mounts on its HTTP server.
type HTTPChat interface {
	Chat
	// HTTPPrefix is the path under which the endpoints live ("/slack/"), or
	// "" when this configuration serves none.
	HTTPPrefix() string
	// HTTPHandler serves the endpoints under HTTPPrefix, answering through
	// h. Requests that arrive once Listen has begun to shut down are
	// refused with 503, so the platform retries elsewhere.
	HTTPHandler(h Handler) http.Handler
}

// Handler answers one request. It never fails: bad input and internal
// errors become a Reply that says so.
type Handler interface {
	Handle(ctx context.Context, req Request) Reply
}

// Kind says how a request reached the bot.
type Kind int

const (
	Command Kind = iota // a /brief slash command (text after "/brief")
	Mention             // an @mention in a channel (mention removed from Text)
	Direct              // a direct message
)

// Request is one thing a user asked, platform-neutral.
type Request struct {
	Platform string // the Chat's Name: "slack", "discord"
	Kind     Kind
	Channel  string
	User     string
	Text     string // e.g. "ask what about export controls?", "digest", "help"
}

// Destination is where a Post goes.
type Destination struct {
	Channel string
	Thread  string // optional: post in this thread
}

// Reply is a platform-neutral message. Renderers map it to Block Kit or
// embeds; when it exceeds a platform's limits they split it between
// Sections (or between Lines of a Section), never inside a Line.
type Reply struct {
	Ephemeral bool   // only the asker sees it (usage, errors)
	Title     string // bold first line; may be ""
	Sections  []Section
	Footer    string // small print, e.g. "extractive · 5 passages"
}

// Section is a block of a reply: an optional heading and its lines.
type Section struct {
	Heading string // bold; may be ""
	URL     string // links the heading when set
	Meta    string // after the heading in plain text, e.g. "Joe Habscheid · 4 Feb 2025"
	Lines   []Line
}

// Style is how a Line is set.
type Style int

const (
	Plain    Style = iota
	Quote          // a block quote: verbatim article text
	Bullet         // "• " item
	Numbered       // "N. " item, N counted within the section
)

// Line is one line of a section: plain text (renderers escape it), followed by
// its citation markers.
type Line struct {
	Text  string
	URL   string // links the whole text when set
	Style Style
	Cites []Cite
}

// Cite is a citation marker [N], linked when URL is set.
type Cite struct {
	N   int
	URL string
}
