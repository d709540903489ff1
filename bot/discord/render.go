package discord

import (
	"fmt"
	"net/url"
	"strings"
	"unicode/utf16"

	"github.com/bwmarrin/discordgo"

	"briefbot/bot"
)

// Discord's message limits. Lengths are counted in UTF-16 code units, which
// is never less than what Discord counts, so a message within these limits
// is accepted.
const (
	maxContent     = 2000 // message content
	maxTitle       = 256  // embed title
	maxDescription = 4096 // embed description
	maxFooter      = 2048 // embed footer text
	maxFieldValue  = 1024 // embed field value (briefbot uses no fields)
	maxEmbedChars  = 6000 // title+description+footer+fields over all embeds of a message
	maxEmbeds      = 10   // embeds per message
	maxHeading     = 300  // a section heading's text; longer ones are shortened
	maxMeta        = 200  // a section's meta text; longer ones are shortened
	maxURL         = 512  // longer URLs are not linked
)

// embedColor is the stripe colour of briefbot's embeds.
const embedColor = 0x4F6BED

// message is one Discord message of a rendered reply.
type message struct {
	Content string                    `json:"content,omitempty"`
	Embeds  []*discordgo.MessageEmbed `json:"embeds"`
}

// chars is the length Discord limits are measured in.
func chars(s string) int {
	n := 0
	for _, r := range s {
		if l := utf16.RuneLen(r); l > 0 {
			n += l
		} else {
			n++
		}
	}
	return n
}

// truncate shortens s to at most max chars, ending in "…" when cut. It never
// leaves a dangling markdown escape.
func truncate(s string, max int) string {
	if chars(s) <= max {
		return s
	}
	var b strings.Builder
	n := 0
	for _, r := range s {
		l := chars(string(r))
		if n+l > max-1 {
			break
		}
		b.WriteRune(r)
		n += l
	}
	out := strings.TrimRight(b.String(), " ")
	if strings.HasSuffix(out, `\`) && !strings.HasSuffix(out, `\\`) {
		out = strings.TrimSuffix(out, `\`)
	}
	return out + "…"
}

// render maps a Reply to Discord messages: the title as the first embed's
// title, each section as paragraphs of embed description text, the footer
// on the last embed. It splits between sections or lines (a section's
// heading stays with its first line), never inside a line: only a single
// line too long for a whole embed is broken, between words, with its
// citation markers kept whole at its end.
func render(r bot.Reply) []message {
	title := truncate(escape(bot.OneLine(r.Title)), maxTitle)
	footer := truncate(bot.OneLine(r.Footer), maxFooter)
	// Every message reserves room for the footer, so the footer always fits
	// on whichever embed turns out to be the last.
	budget := maxEmbedChars - chars(footer)
	unitMax := min(maxDescription, budget-chars(title))

	p := packer{budget: budget, title: title}
	for _, s := range r.Sections {
		head := sectionHeading(s)
		n := 0
		for i, l := range s.Lines {
			if l.Style == bot.Numbered {
				n++
			}
			for j, piece := range renderLine(l, n, unitMax) {
				if i == 0 && j == 0 && head != "" {
					if chars(head)+1+chars(piece) <= unitMax {
						piece = head + "\n" + piece
					} else {
						p.add(head, true)
						p.add(piece, false)
						continue
					}
				}
				p.add(piece, i == 0 && j == 0)
			}
		}
		if len(s.Lines) == 0 && head != "" {
			p.add(head, true)
		}
	}
	msgs := p.finish()
	if footer != "" {
		embeds := msgs[len(msgs)-1].Embeds
		embeds[len(embeds)-1].Footer = &discordgo.MessageEmbedFooter{Text: footer}
	}
	return msgs
}

// packer fills embeds and messages with rendered units in order.
type packer struct {
	budget int    // embed chars a message may use
	title  string // goes on the very first embed
	msgs   []message
	used   int // embed chars used by the current message
}

func (p *packer) embed() *discordgo.MessageEmbed {
	if len(p.msgs) == 0 {
		return nil
	}
	e := p.msgs[len(p.msgs)-1].Embeds
	return e[len(e)-1]
}

func (p *packer) newEmbed(first string) {
	e := &discordgo.MessageEmbed{Type: discordgo.EmbedTypeRich, Color: embedColor, Description: first}
	n := chars(first)
	if len(p.msgs) == 0 && p.title != "" {
		e.Title = p.title
		n += chars(p.title)
	}
	if len(p.msgs) == 0 || len(p.msgs[len(p.msgs)-1].Embeds) >= maxEmbeds || p.used+n > p.budget {
		p.msgs = append(p.msgs, message{})
		p.used = 0
	}
	m := &p.msgs[len(p.msgs)-1]
	m.Embeds = append(m.Embeds, e)
	p.used += n
}

// add appends one unit; newSection separates it from what precedes by a
// blank line rather than a line break.
func (p *packer) add(unit string, newSection bool) {
	e := p.embed()
	if e == nil {
		p.newEmbed(unit)
		return
	}
	sep := "\n"
	if newSection {
		sep = "\n\n"
	}
	if e.Description == "" {
		sep = ""
	}
	n := chars(sep) + chars(unit)
	if chars(e.Description)+n <= maxDescription && p.used+n <= p.budget {
		e.Description += sep + unit
		p.used += n
		return
	}
	p.newEmbed(unit)
}

func (p *packer) finish() []message {
	if len(p.msgs) == 0 {
		// A reply with no sections: the title alone, or a placeholder.
		desc := ""
		if p.title == "" {
			desc = "Nothing to show."
		}
		p.newEmbed(desc)
	}
	return p.msgs
}

// sectionHeading renders "**[heading](url)** · meta"; "" when the section
// has neither heading nor meta. Heading and meta are shortened first, so the
// result is always far below an embed's description limit.
func sectionHeading(s bot.Section) string {
	var b strings.Builder
	if h := truncate(bot.OneLine(s.Heading), maxHeading); h != "" {
		b.WriteString("**")
		b.WriteString(link(escape(h), s.URL))
		b.WriteString("**")
	}
	if m := truncate(bot.OneLine(s.Meta), maxMeta); m != "" {
		if b.Len() > 0 {
			b.WriteString(" · ")
		}
		b.WriteString(escape(m))
	}
	return b.String()
}

// renderLine renders one line as one or (when longer than max) more units.
// n is the line's number for Numbered style.
func renderLine(l bot.Line, n, max int) []string {
	prefix := ""
	switch l.Style {
	case bot.Quote:
		prefix = "> "
	case bot.Bullet:
		prefix = "• "
	case bot.Numbered:
		prefix = fmt.Sprintf("%d. ", n)
	}
	cites := renderCites(l.Cites)
	text := bot.OneLine(l.Text)
	whole := prefix + link(escape(text), l.URL) + cites
	if chars(whole) <= max {
		return []string{whole}
	}
	// Too long for an embed on its own: break between words. The link (if
	// any) is repeated on every piece; the citations go with the last.
	overhead := chars(prefix) + chars(cites) + chars(link("", l.URL))
	words := strings.Fields(text)
	var out []string
	var cur []string
	curLen := 0
	flush := func() {
		if len(cur) > 0 {
			out = append(out, prefix+link(escape(strings.Join(cur, " ")), l.URL))
			cur, curLen = nil, 0
		}
	}
	for _, w := range words {
		ew := chars(escape(w))
		if ew > max-overhead-1 {
			flush()
			for _, part := range splitWord(w, max-overhead-1) {
				out = append(out, prefix+link(escape(part), l.URL))
			}
			continue
		}
		if curLen > 0 && curLen+1+ew > max-overhead-1 {
			flush()
		}
		if curLen > 0 {
			curLen++
		}
		cur = append(cur, w)
		curLen += ew
	}
	flush()
	if len(out) == 0 {
		return []string{prefix + cites}
	}
	out[len(out)-1] += cites
	return out
}

// splitWord cuts a word with no spaces into pieces whose escaped form fits max.
func splitWord(w string, max int) []string {
	var out []string
	var b strings.Builder
	n := 0
	for _, r := range w {
		l := chars(escape(string(r)))
		if n+l > max && b.Len() > 0 {
			out = append(out, b.String())
			b.Reset()
			n = 0
		}
		b.WriteRune(r)
		n += l
	}
	if b.Len() > 0 {
		out = append(out, b.String())
	}
	return out
}

// renderCites renders citation markers: " [[1]](url) [2]".
func renderCites(cs []bot.Cite) string {
	var b strings.Builder
	for _, c := range cs {
		b.WriteByte(' ')
		b.WriteString(cite(c))
	}
	return b.String()
}

func cite(c bot.Cite) string {
	marker := fmt.Sprintf("[%d]", c.N)
	if u := safeURL(c.URL); u != "" {
		return "[" + marker + "](" + u + ")"
	}
	return marker
}

// link renders [text](url) when url is a usable http(s) URL, else text.
func link(text, rawURL string) string {
	u := safeURL(rawURL)
	if u == "" {
		return text
	}
	return "[" + text + "](" + u + ")"
}

// safeURL returns rawURL fit for a markdown link target, or "" when it is not
// an absolute http(s) URL.
func safeURL(rawURL string) string {
	rawURL = strings.TrimSpace(rawURL)
	if rawURL == "" || len(rawURL) > maxURL || strings.ContainsAny(rawURL, " \t\r\n") {
		return ""
	}
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	return urlEscaper.Replace(u.String())
}

var urlEscaper = strings.NewReplacer("(", "%28", ")", "%29", "<", "%3C", ">", "%3E", `\`, "%5C", " ", "%20")

// inlineEscaper escapes characters that are markdown anywhere in a line.
var inlineEscaper = strings.NewReplacer(
	`\`, `\\`, "*", `\*`, "_", `\_`, "~", `\~`, "`", "\\`", "|", `\|`,
	"[", `\[`, "]", `\]`, "<", `\<`,
)

// escape makes plain text render literally in Discord markdown: inline
// markers everywhere (escaping "<" also keeps <@id> from reading as a
// mention), block markers (> # - + "1.") at the start of the text.
func escape(s string) string {
	s = inlineEscaper.Replace(s)
	t := strings.TrimLeft(s, " ")
	lead := s[:len(s)-len(t)]
	switch {
	case t == "":
		return s
	case strings.ContainsRune(">#-+", rune(t[0])):
		return lead + `\` + t
	}
	i := 0
	for i < len(t) && t[i] >= '0' && t[i] <= '9' {
		i++
	}
	if i > 0 && i < len(t) && (t[i] == '.' || t[i] == ')') {
		return lead + t[:i] + `\` + t[i:]
	}
	return s
}
