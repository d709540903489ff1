// Package bot is briefbot's chat-neutral layer: the /brief command router,
// the platform-neutral Reply every platform renders, and the chat side of
// scheduled digests (the subscription commands and the Poster; the
// schedules and deliveries are briefing/schedule's). Platforms live in
// bot/slack and bot/discord.
package bot

import "context"

// Chat is what the bot needs from a chat platform.
type Chat interface {
	// Listen receives commands, mentions and direct messages and answers
	// each through h. It blocks until ctx is done.
	Listen(ctx context.Context, h Handler) error
	// Post sends r to a channel (a scheduled digest), splitting it within
	// the platform's limits.
	Post(ctx context.Context, to Destination, r Reply) error
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
	Platform string // "slack" or "discord"
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
