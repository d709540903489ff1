package corpus

import (
	"html"
	"strings"
)

// textLine prepares one raw line (or hard-wrapped paragraph) of a plain-text
// page: HTML tags a scraper left in are dropped (keeping the text between
// them), character entities are decoded, and white space is normalised.
// gaps counts the runs of two or more spaces or a tab between words, which
// is how a menu of several items looks when a scraper flattens it.
func textLine(raw string) (text string, gaps int) {
	if strings.IndexByte(raw, '<') >= 0 {
		raw = stripTags(raw)
	}
	if strings.IndexByte(raw, '&') >= 0 {
		raw = html.UnescapeString(raw)
	}
	t := strings.TrimSpace(raw)
	if !strings.Contains(t, "  ") && strings.IndexByte(t, '\t') < 0 {
		return normalize(raw), 0
	}
	for i := 0; i < len(t); i++ {
		if t[i] == '\t' || t[i] == ' ' && i+1 < len(t) && t[i+1] == ' ' {
			gaps++
			for i < len(t) && (t[i] == ' ' || t[i] == '\t') {
				i++
			}
		}
	}
	return normalize(raw), gaps
}

// stripTags removes the HTML tags of s ("<a href=...>", "</a>", "<br/>",
// "<!-- ... -->"); a "<" that does not open a tag ("a < b", "<3") stays.
// Block-level tags become a space so that words do not run together.
func stripTags(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		c := s[i]
		if c != '<' {
			b.WriteByte(c)
			i++
			continue
		}
		end := tagEnd(s, i)
		if end < 0 {
			b.WriteByte(c)
			i++
			continue
		}
		name := tagName(s[i:end])
		switch name {
		case "a", "b", "i", "em", "strong", "span", "u", "s", "small", "sup", "sub", "mark", "abbr", "cite",
			"code", "font", "q", "time", "wbr":
		default:
			b.WriteByte(' ')
		}
		i = end
	}
	return b.String()
}

// tagEnd returns the index just after the tag that opens at s[i] ('<'), or
// -1 when s[i] does not open a tag.
func tagEnd(s string, i int) int {
	rest := s[i+1:]
	if strings.HasPrefix(rest, "!--") {
		if j := strings.Index(rest, "-->"); j >= 0 {
			return i + 1 + j + 3
		}
		return -1
	}
	j := 0
	if j < len(rest) && (rest[j] == '/' || rest[j] == '!') {
		j++
	}
	if j >= len(rest) || !isASCIILetter(rest[j]) {
		return -1
	}
	for j < len(rest) && (isASCIILetter(rest[j]) || isDigit(rest[j])) {
		j++
	}
	if j < len(rest) && rest[j] != '>' && rest[j] != ' ' && rest[j] != '/' && rest[j] != '\t' {
		return -1
	}
	quote := byte(0)
	for ; j < len(rest); j++ {
		switch c := rest[j]; {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '>':
			return i + 1 + j + 1
		case c == '<':
			return -1
		}
	}
	return -1
}

// tagName returns the lower-case element name of a tag ("a" of "</A>").
func tagName(tag string) string {
	t := strings.TrimLeft(tag, "</!")
	end := 0
	for end < len(t) && (isASCIILetter(t[end]) || isDigit(t[end])) {
		end++
	}
	return lowerASCII(t[:end])
}

// cutInline removes furniture that sits inside a line of text rather than
// on a line of its own: a copyright notice glued to the last sentence
// ("...said.Copyright (c) 2025 Example Media. All rights reserved."),
// bracketed links to other articles ("(RELATED: ...)", "[READ MORE: ...]"),
// the link residue of embedded social posts ("pic.twitter.com/..."), and a
// trailing "Read more" or "Continue reading". It returns the text that is
// left and the copyright notice it cut, if any.
func cutInline(s string) (text, notice string) {
	s, notice = cutCopyright(s)
	s = cutBracketLinks(s)
	s = cutEmbedLinks(s)
	s = cutTrailingChrome(s)
	return strings.TrimSpace(s), notice
}

// cutCopyright cuts a copyright or "all rights reserved" notice that follows
// the article text on the same line. The notice must be short and at the
// end of the line, so that a sentence about copyright law stays.
func cutCopyright(s string) (string, string) {
	// A notice is short and ends the line: look at the end first, without
	// a lower-case copy of the whole line.
	if !mayHoldNotice(s[max(0, len(s)-160):]) {
		return s, ""
	}
	ls := lowerASCII(s)
	start := -1
	for _, mark := range [...]string{"copyright", "©", "(c) "} {
		for off := 0; ; {
			i := strings.Index(ls[off:], mark)
			if i < 0 {
				break
			}
			i += off
			off = i + len(mark)
			if i == 0 || !isNoticeTail(s[i:]) {
				continue
			}
			// The notice starts a sentence: right after its end, with or
			// without the space a scraper dropped.
			before := strings.TrimRight(s[:i], " ")
			if before == "" {
				continue
			}
			switch before[len(before)-1] {
			case '.', '!', '?', '"', '\'', ')', '|':
			default:
				if !strings.HasSuffix(before, "”") && !strings.HasSuffix(before, "’") {
					continue
				}
			}
			if start < 0 || i < start {
				start = i
			}
			break
		}
	}
	if start < 0 {
		// "All rights reserved" closing a line, without a copyright mark.
		if i := strings.LastIndex(ls, "all rights reserved"); i > 0 {
			j := strings.LastIndexAny(s[:i], ".!?")
			if j > 0 && countWords(s[j+1:]) <= 12 && strings.Trim(ls[i+len("all rights reserved"):], " .") == "" {
				return strings.TrimSpace(s[:j+1]), strings.TrimSpace(s[j+1:])
			}
		}
		return s, ""
	}
	return strings.TrimSpace(s[:start]), strings.TrimSpace(s[start:])
}

// isNoticeTail reports whether s, which starts with a copyright mark, is a
// short notice running to the end of the line: a year or "all rights
// reserved" within a few words, and no long sentence after it.
func isNoticeTail(s string) bool {
	if countWords(s) > 16 {
		return false
	}
	ls := lowerASCII(s)
	if strings.Contains(ls, "all rights reserved") {
		return true
	}
	for _, w := range strings.Fields(s)[:min(4, countWords(s))] {
		if _, ok := yearOf(strings.Trim(w, "©(c).,:;-–")); ok {
			return true
		}
	}
	return false
}

// leadInWords open a bracketed link to another article.
var leadInWords = [...]string{"related", "read more", "read also", "also read", "see also", "more", "read",
	"watch", "listen", "recommended", "more on this", "further reading", "click here"}

// cutBracketLinks removes "(RELATED: ...)" and "[Read more: ...]" spans.
func cutBracketLinks(s string) string {
	for off := 0; off < len(s); {
		i := strings.IndexByte(s[off:], '(')
		if j := strings.IndexByte(s[off:], '['); j >= 0 && (i < 0 || j < i) {
			i = j
		}
		if i < 0 {
			break
		}
		i += off
		closer := byte(')')
		if s[i] == '[' {
			closer = ']'
		}
		j := strings.IndexByte(s[i:], closer)
		if j < 0 {
			break
		}
		inner := strings.TrimSpace(s[i+1 : i+j])
		cut := false
		for _, w := range leadInWords {
			if hasPrefixFold(inner, w) && len(inner) > len(w) && (inner[len(w)] == ':' || strings.HasPrefix(inner[len(w):], " :")) {
				cut = true
				break
			}
		}
		if !cut {
			off = i + 1
			continue
		}
		s = strings.TrimRight(s[:i], " ") + spaceJoin(s[i+j+1:])
		off = i
	}
	return s
}

// spaceJoin returns rest with one leading space unless it starts with
// punctuation or is empty.
func spaceJoin(rest string) string {
	rest = strings.TrimLeft(rest, " ")
	if rest == "" || strings.ContainsAny(rest[:1], ".,;:!?)") {
		return rest
	}
	return " " + rest
}

// cutEmbedLinks removes the link residue of embedded social media posts:
// "pic.twitter.com/..." tokens, and the "— Name (@handle) March 3, 2025"
// signature line an embedded post leaves behind.
func cutEmbedLinks(s string) string {
	if !strings.Contains(s, "pic.twitter.com/") && !strings.Contains(s, "(@") {
		return s
	}
	var out []string
	for _, w := range strings.Fields(s) {
		if strings.HasPrefix(strings.TrimLeft(w, "(\"“"), "pic.twitter.com/") {
			continue
		}
		out = append(out, w)
	}
	s = strings.Join(out, " ")
	// The signature: a dash, a name, a handle in brackets, a date.
	if i := strings.LastIndex(s, "(@"); i > 0 {
		if d := strings.LastIndexAny(s[:i], "—–-"); d >= 0 && i-d < 60 {
			tail := s[i:]
			if j := strings.IndexByte(tail, ')'); j > 0 {
				if _, ok := dateLine(strings.TrimSpace(tail[j+1:])); ok {
					s = strings.TrimSpace(s[:d])
				}
			}
		}
	}
	return s
}

// cutTrailingChrome removes "Read more", "Continue reading" and similar
// link text stuck to the end of a paragraph.
func cutTrailingChrome(s string) string {
	t := strings.TrimRight(s, " .…»›>")
	for _, w := range [...]string{"read more", "continue reading", "read the full story", "read full article",
		"read the full article", "see more", "show more"} {
		if len(t) > len(w) && strings.EqualFold(t[len(t)-len(w):], w) {
			before := strings.TrimRight(t[:len(t)-len(w)], " ")
			if before != "" && strings.ContainsAny(before[len(before)-1:], ".!?\"”’") {
				return before
			}
		}
	}
	return s
}

// mayHoldNotice reports whether t may hold a copyright notice: a
// copyright sign, "(c)", "copyright" or "reserved". It looks only at the
// bytes those start with, which are rare in prose.
func mayHoldNotice(t string) bool {
	for _, c := range [...]byte{'y', 'Y', 'v', 'V', '(', 0xc2} {
		for off := 0; off < len(t); {
			i := strings.IndexByte(t[off:], c)
			if i < 0 {
				break
			}
			i += off
			off = i + 1
			switch c {
			case 0xc2:
				if i+1 < len(t) && t[i+1] == 0xa9 { // ©
					return true
				}
			case '(':
				if i+2 < len(t) && t[i+1]|0x20 == 'c' && t[i+2] == ')' {
					return true
				}
			case 'y', 'Y':
				if i >= 3 && hasPrefixFold(t[i-3:], "copyright") {
					return true
				}
			default:
				if i >= 5 && hasPrefixFold(t[i-5:], "reserved") {
					return true
				}
			}
		}
	}
	return false
}
