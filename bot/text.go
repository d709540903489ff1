package bot

import (
	"fmt"
	"strings"
)

// PlainText renders r as plain text, the form the command line prints and
// `ask --json` carries as "answer": the title, then each section (its
// heading with meta, then its lines: "> " quotes, "• " bullets, "N. "
// numbered items, citation markers after the text), a blank line between
// sections, and the footer in parentheses. A URL is shown once: after the
// line it links, or after a heading whose URL no line shows.
func PlainText(r Reply) string {
	var b strings.Builder
	shown := map[string]bool{}
	for _, s := range r.Sections {
		for _, l := range s.Lines {
			if l.URL != "" {
				shown[l.URL] = true
			}
		}
	}
	if t := OneLine(r.Title); t != "" {
		b.WriteString(t + "\n")
	}
	for _, s := range r.Sections {
		if b.Len() > 0 {
			b.WriteString("\n")
		}
		var head []string
		for _, h := range []string{OneLine(s.Heading), OneLine(s.Meta)} {
			if h != "" {
				head = append(head, h)
			}
		}
		if s.URL != "" && !shown[s.URL] && len(head) > 0 {
			head = append(head, s.URL)
		}
		if len(head) > 0 {
			b.WriteString(strings.Join(head, " · ") + "\n")
		}
		n := 0
		for _, l := range s.Lines {
			switch l.Style {
			case Quote:
				b.WriteString("> ")
			case Bullet:
				b.WriteString("• ")
			case Numbered:
				n++
				fmt.Fprintf(&b, "%d. ", n)
			}
			b.WriteString(strings.TrimSpace(l.Text))
			for _, c := range l.Cites {
				fmt.Fprintf(&b, " [%d]", c.N)
			}
			if l.URL != "" {
				b.WriteString(" · " + l.URL)
			}
			b.WriteString("\n")
		}
	}
	if f := OneLine(r.Footer); f != "" {
		fmt.Fprintf(&b, "\n(%s)\n", f)
	}
	return b.String()
}
