package slack

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"briefbot/bot"
)

// Slack's limits, with a margin where Slack only documents "about".
const (
	maxBlocks      = 50   // blocks in one message (hard limit)
	maxBlockText   = 3000 // characters in one section's text (hard limit)
	maxMessageText = 3800 // characters of block text in one message ("about 4000" in practice)
	maxPiece       = 2800 // longest rendered line piece; the rest of a block is its header
	maxHeader      = 400  // longest section header (heading, link and meta)
	maxFooter      = 1000 // longest footer
	continued      = " _(continued)_"
)

type blockKind int

const (
	titleBlock blockKind = iota
	sectionBlock
	footerBlock
)

// piece is one rendered line, or one part of a line too long for a block.
// sec, line and part say where it came from; raw is its slice of Line.Text.
type piece struct {
	sec, line, part int
	raw             string
	out             string // mrkdwn
	cites           string // the rendered citation markers it carries (last part only)
}

// block is one Block Kit block before it becomes JSON.
type block struct {
	kind   blockKind
	header string // mrkdwn; section blocks only
	pieces []piece
	text   string // title and footer blocks
}

func (b block) mrkdwn() string {
	if b.kind != sectionBlock {
		return b.text
	}
	parts := make([]string, 0, len(b.pieces)+1)
	if b.header != "" {
		parts = append(parts, b.header)
	}
	for _, p := range b.pieces {
		parts = append(parts, p.out)
	}
	return strings.Join(parts, "\n")
}

// message is one Slack message of a rendered reply.
type message struct {
	blocks []block
}

// size is the message's block text in characters.
func (m message) size() int {
	n := 0
	for _, b := range m.blocks {
		n += runes(b.mrkdwn())
	}
	return n
}

// Text is the plain `text` fallback: the blocks' mrkdwn, one per paragraph.
func (m message) Text() string {
	parts := make([]string, len(m.blocks))
	for i, b := range m.blocks {
		parts[i] = b.mrkdwn()
	}
	return strings.Join(parts, "\n\n")
}

// Blocks is the message as Block Kit.
func (m message) Blocks() []slack.Block {
	out := make([]slack.Block, 0, len(m.blocks))
	for _, b := range m.blocks {
		txt := slack.NewTextBlockObject(slack.MarkdownType, b.mrkdwn(), false, false)
		if b.kind == footerBlock {
			out = append(out, slack.NewContextBlock("", txt))
			continue
		}
		out = append(out, slack.NewSectionBlock(txt, nil, nil))
	}
	return out
}

// render turns r into one or more messages within Slack's limits. It splits
// between Sections or between Lines, never inside a Line, unless a single
// Line is longer than a block allows; such a Line is split at a sentence or
// word boundary and its citation markers stay whole on its last part.
func render(r bot.Reply) []message {
	var msgs []message
	var cur message
	flush := func() {
		if len(cur.blocks) > 0 {
			msgs = append(msgs, cur)
		}
		cur = message{}
	}
	// fits reports whether a block of n characters fits in cur.
	fits := func(n int) bool {
		return len(cur.blocks) < maxBlocks && cur.size()+n <= maxMessageText
	}
	addText := func(kind blockKind, text string) {
		if text == "" {
			return
		}
		if !fits(runes(text)) {
			flush()
		}
		cur.blocks = append(cur.blocks, block{kind: kind, text: text})
	}

	if t := bot.OneLine(r.Title); t != "" {
		// A title longer than a block is split like a long line.
		for _, p := range splitText(t, maxPiece-2) {
			addText(titleBlock, "*"+escape(p)+"*")
		}
	}

	for si, s := range r.Sections {
		header := sectionHeader(s)
		cont := ""
		if header != "" {
			cont = header + continued
		}
		pieces := sectionPieces(si, s, maxBlockText-runes(cont)-1)
		if len(pieces) == 0 {
			if header != "" {
				if !fits(runes(header)) {
					flush()
				}
				cur.blocks = append(cur.blocks, block{kind: sectionBlock, header: header})
			}
			continue
		}
		// A section that fits in one block starts a new message rather
		// than being split, when the current one is too full for it.
		if whole := (block{kind: sectionBlock, header: header, pieces: pieces}); runes(whole.mrkdwn()) <= maxBlockText && !fits(runes(whole.mrkdwn())) {
			flush()
		}
		b := block{kind: sectionBlock, header: header}
		open := false    // b holds pieces not yet in cur
		started := false // part of the section is already in a message
		for _, p := range pieces {
			next := b
			next.pieces = append(append([]piece(nil), b.pieces...), p)
			n := runes(next.mrkdwn())
			if n <= maxBlockText && fits(n) {
				b, open = next, true
				continue
			}
			if open {
				cur.blocks = append(cur.blocks, b)
				started = true
			}
			// Start p in a fresh block: seamlessly in this message if it fits,
			// else in a new message under the heading marked "continued".
			start := block{kind: sectionBlock, pieces: []piece{p}}
			if !started {
				start.header = header
			}
			if !fits(runes(start.mrkdwn())) {
				flush()
				if started {
					start.header = cont
				}
			}
			b, open = start, true
		}
		if open {
			cur.blocks = append(cur.blocks, b)
		}
	}

	if f := strings.TrimSpace(r.Footer); f != "" {
		addText(footerBlock, escape(truncate(f, maxFooter)))
	}
	flush()
	return msgs
}

// sectionHeader renders "*<url|heading>* · meta" within maxHeader.
func sectionHeader(s bot.Section) string {
	heading := truncate(bot.OneLine(s.Heading), maxHeader/2)
	meta := truncate(bot.OneLine(s.Meta), maxHeader/4)
	var h string
	if heading != "" {
		h = "*" + link(s.URL, escape(heading)) + "*"
		if runes(h) > maxHeader {
			h = "*" + escape(heading) + "*" // an absurdly long URL: drop the link
		}
	}
	switch {
	case h != "" && meta != "":
		return h + " · " + escape(meta)
	case meta != "":
		return "_" + escape(meta) + "_"
	}
	return h
}

// sectionPieces renders the section's lines, each within limit characters.
func sectionPieces(si int, s bot.Section, limit int) []piece {
	limit = min(limit, maxPiece)
	var out []piece
	n := 0
	for li, l := range s.Lines {
		prefix, contPrefix := "", ""
		switch l.Style {
		case bot.Quote:
			prefix, contPrefix = "> ", "> "
		case bot.Bullet:
			prefix, contPrefix = "• ", "   "
		case bot.Numbered:
			n++
			prefix = fmt.Sprintf("%d. ", n)
			contPrefix = strings.Repeat(" ", len(prefix)+1)
		}
		cites := renderCites(l.Cites)
		if strings.TrimSpace(l.Text) == "" && cites == "" {
			continue
		}
		overhead := runes(prefix) + runes(cites) + 1 + linkOverhead(l.URL) + 2*strings.Count(l.Text, "\n")
		parts := splitText(l.Text, max(limit-overhead, 200))
		for pi, raw := range parts {
			p := piece{sec: si, line: li, part: pi, raw: raw}
			pre := prefix
			if pi > 0 {
				pre = contPrefix
			}
			body := escape(raw)
			if l.Style == bot.Quote {
				body = strings.ReplaceAll(body, "\n", "\n> ")
			}
			if strings.TrimSpace(body) != "" {
				body = link(l.URL, body)
			}
			p.out = pre + body
			if pi == len(parts)-1 && cites != "" {
				p.cites = cites
				if strings.TrimSpace(raw) == "" {
					p.out = pre + cites
				} else {
					p.out += " " + cites
				}
			}
			out = append(out, p)
		}
	}
	return out
}

// renderCites renders markers as "[<url|1>] [2]".
func renderCites(cs []bot.Cite) string {
	parts := make([]string, len(cs))
	for i, c := range cs {
		parts[i] = "[" + link(c.URL, fmt.Sprint(c.N)) + "]"
	}
	return strings.Join(parts, " ")
}

// splitText splits s into parts of at most limit characters once escaped,
// preferring sentence ends, then spaces; the parts concatenate to s.
func splitText(s string, limit int) []string {
	if escapedLen(s) <= limit {
		return []string{s}
	}
	var parts []string
	for escapedLen(s) > limit {
		cut := cutPoint(s, limit)
		parts = append(parts, s[:cut])
		s = s[cut:]
	}
	if s != "" {
		parts = append(parts, s)
	}
	return parts
}

// cutPoint returns a byte index at which to end the first part of s: the
// latest sentence end, else the latest space, else the latest rune boundary
// within limit escaped characters. Spaces at the cut stay with the first part.
func cutPoint(s string, limit int) int {
	n, last := 0, 0
	sentence, space := -1, -1
	for i, r := range s {
		w := 1
		switch r {
		case '&':
			w = 5
		case '<', '>':
			w = 4
		}
		if n+w > limit {
			break
		}
		n += w
		last = i + utf8.RuneLen(r)
		if unicode.IsSpace(r) {
			space = last
			if i > 0 {
				if p, _ := utf8.DecodeLastRuneInString(s[:i]); strings.ContainsRune(".!?…", p) {
					sentence = last
				}
			}
		}
	}
	switch {
	case sentence > last/2:
		return sentence
	case space > 0:
		return space
	case last > 0:
		return last
	}
	_, w := utf8.DecodeRuneInString(s)
	return w
}

func escapedLen(s string) int {
	return runes(s) + 4*strings.Count(s, "&") + 3*strings.Count(s, "<") + 3*strings.Count(s, ">")
}

var escaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// escape makes text safe for mrkdwn: &, < and > are control characters.
func escape(s string) string { return escaper.Replace(s) }

// link wraps label (already escaped) in a link to u when u is an http(s) URL.
func link(u, label string) string {
	u = safeURL(u)
	if u == "" {
		return label
	}
	return "<" + u + "|" + label + ">"
}

func linkOverhead(u string) int {
	if u = safeURL(u); u == "" {
		return 0
	}
	return runes(u) + 3
}

var urlEscaper = strings.NewReplacer("&", "&amp;", "<", "%3C", ">", "%3E", "|", "%7C", " ", "%20", "\n", "", "\r", "")

func safeURL(u string) string {
	u = strings.TrimSpace(u)
	l := strings.ToLower(u)
	if !strings.HasPrefix(l, "https://") && !strings.HasPrefix(l, "http://") {
		return ""
	}
	return urlEscaper.Replace(u)
}

func truncate(s string, n int) string {
	if runes(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:n-1])) + "…"
}

func runes(s string) int { return utf8.RuneCountInString(s) }
