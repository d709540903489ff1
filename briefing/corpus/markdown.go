package corpus

import (
	"html"
	"strings"
)

// markdownPage reads a Markdown article: optional front matter (YAML between
// "---" lines, or TOML between "+++" lines) with title, url, source, author
// and published/date, then the body with its markup stripped. Headings and
// list items become blocks of their own, links keep their text, images,
// code blocks, reference definitions and HTML tags are dropped.
func markdownPage(s string) page {
	var pg page
	s = frontMatter(s, &pg)
	pg.blocks = markdownBlocks(s)
	return pg
}

// frontMatter reads the front matter at the start of s into pg and returns
// the rest of s.
func frontMatter(s string, out *page) string {
	s = strings.TrimLeft(s, "\n\r\t ")
	var fm page
	pg := &fm
	var fence string
	switch {
	case strings.HasPrefix(s, "---"):
		fence = "---"
	case strings.HasPrefix(s, "+++"):
		fence = "+++"
	default:
		return s
	}
	first, rest, ok := strings.Cut(s, "\n")
	if !ok || strings.TrimSpace(first) != fence {
		return s
	}
	var key string // a key whose value is a list on the next lines
	var list []string
	endList := func() {
		if key != "" && len(list) > 0 {
			setMeta(pg, key, joinNames(list))
		}
		key, list = "", nil
	}
	for rest != "" {
		var line string
		line, rest, _ = strings.Cut(rest, "\n")
		t := strings.TrimSpace(line)
		if t == fence || (fence == "---" && t == "...") {
			endList()
			*out = fm
			return rest
		}
		if strings.HasPrefix(t, "- ") && key != "" {
			list = append(list, unquote(strings.TrimSpace(t[2:])))
			continue
		}
		endList()
		sep := ":"
		if fence == "+++" {
			sep = "="
		}
		k, v, ok := strings.Cut(t, sep)
		if !ok || strings.HasPrefix(t, "#") {
			continue
		}
		k = strings.ToLower(strings.TrimSpace(k))
		v = strings.TrimSpace(v)
		if v == "" {
			key = k
			continue
		}
		if strings.HasPrefix(v, "[") && strings.HasSuffix(v, "]") {
			var items []string
			for it := range strings.SplitSeq(v[1:len(v)-1], ",") {
				if it = unquote(strings.TrimSpace(it)); it != "" {
					items = append(items, it)
				}
			}
			v = joinNames(items)
		}
		setMeta(pg, k, unquote(v))
	}
	return s // no closing fence: not front matter after all
}

func unquote(v string) string {
	switch {
	case len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"':
		v = v[1 : len(v)-1]
		v = strings.ReplaceAll(v, `\"`, `"`)
		v = strings.ReplaceAll(v, `\\`, `\`)
	case len(v) >= 2 && v[0] == '\'' && v[len(v)-1] == '\'':
		v = strings.ReplaceAll(v[1:len(v)-1], "''", "'") // YAML: '' is a quote
	}
	return strings.TrimSpace(v)
}

// setMeta stores one front matter field; the first of synonyms wins.
func setMeta(pg *page, k, v string) {
	if v == "" || v == "null" || v == "~" {
		return
	}
	switch k {
	case "title", "headline":
		if pg.title == "" {
			pg.title = v
		}
	case "url", "link", "canonical", "canonical_url", "canonicalurl", "permalink", "source_url":
		if pg.url == "" {
			pg.url = v
		}
	case "source", "site", "site_name", "sitename", "publication", "publisher", "outlet":
		if pg.source == "" {
			pg.source = v
		}
	case "author", "authors", "byline", "by":
		if pg.author == "" {
			pg.author = strings.TrimSpace(strings.TrimPrefix(strings.TrimPrefix(v, "By "), "by "))
		}
	case "published", "date", "published_at", "publishedat", "pubdate", "pub_date", "date_published", "datepublished", "created":
		if pg.published.IsZero() {
			if t, ok := parseDateValue(v); ok {
				pg.published = t
			}
		}
	}
}

// markdownBlocks turns a Markdown body into blocks.
func markdownBlocks(s string) []block {
	var bs []block
	var para []string
	kind := kPara
	flush := func() {
		if len(para) > 0 {
			var in inline
			in.strip(strings.Join(para, " "))
			t := normalize(in.out())
			if kind == kItem {
				t = "- " + t
			}
			if t != "" && t != "-" {
				bs = append(bs, block{text: t, kind: kind, link: float64(in.linked) / float64(len(t))})
			}
		}
		para = para[:0]
		kind = kPara
	}
	fence := ""
	for rest := s; rest != ""; {
		var line string
		line, rest, _ = strings.Cut(rest, "\n")
		line = strings.TrimRight(line, "\r")
		t := strings.TrimSpace(line)
		if fence != "" {
			if strings.HasPrefix(t, fence) {
				fence = ""
			}
			continue
		}
		switch {
		case strings.HasPrefix(t, "```") || strings.HasPrefix(t, "~~~"):
			flush()
			fence = t[:3]
			continue
		case t == "":
			flush()
			continue
		case isRule(t):
			// A setext underline makes the paragraph above a heading.
			if len(para) == 1 && kind == kPara && (t[0] == '=' || t[0] == '-') {
				kind = kHeading
			}
			flush()
			continue
		case t[0] == '#':
			level := 0
			for level < len(t) && t[level] == '#' {
				level++
			}
			if level <= 6 && (level == len(t) || t[level] == ' ') {
				flush()
				para = append(para, strings.TrimRight(strings.TrimSpace(t[level:]), "# "))
				kind = kHeading
				flush()
				continue
			}
		case t[0] == '>':
			t = strings.TrimSpace(strings.TrimLeft(t, "> "))
			if t == "" {
				flush()
				continue
			}
		case t[0] == '|':
			cells := strings.Split(strings.Trim(t, "|"), "|")
			if isTableRule(cells) {
				continue
			}
			flush()
			for i := range cells {
				cells[i] = strings.TrimSpace(cells[i])
			}
			para = append(para, strings.Join(cells, " · "))
			flush()
			continue
		case isRefDefinition(t):
			flush()
			continue
		}
		if item, ok := bulletRest(t); ok && (t[0] == '-' || t[0] == '*' || t[0] == '+' || strings.HasPrefix(t, "•")) {
			flush()
			para = append(para, item)
			kind = kItem
			continue
		}
		if _, ok := numberedRest(t); ok {
			flush()
			para = append(para, t)
			continue
		}
		if isImageOnly(t) {
			flush()
			continue
		}
		para = append(para, t)
	}
	flush()
	return bs
}

// isRule reports whether t is a thematic break or setext underline.
func isRule(t string) bool {
	if len(t) < 3 {
		return false
	}
	c := t[0]
	if c != '-' && c != '*' && c != '_' && c != '=' {
		return false
	}
	for i := 0; i < len(t); i++ {
		if t[i] != c && t[i] != ' ' {
			return false
		}
	}
	return true
}

func isTableRule(cells []string) bool {
	for _, c := range cells {
		c = strings.TrimSpace(c)
		if strings.Trim(c, ":-") != "" || c == "" {
			return false
		}
	}
	return len(cells) > 0
}

// isRefDefinition reports whether t is a link reference or footnote
// definition ("[1]: https://...", "[^note]: ...").
func isRefDefinition(t string) bool {
	if t[0] != '[' {
		return false
	}
	i := strings.Index(t, "]:")
	return i > 1 && !strings.Contains(t[:i], " ") || strings.HasPrefix(t, "[^") && i > 0
}

// isImageOnly reports whether a line is only images (and links around
// them).
func isImageOnly(t string) bool {
	if !strings.Contains(t, "![") {
		return false
	}
	var in inline
	in.strip(t)
	return strings.TrimSpace(in.out()) == ""
}

// inline strips inline Markdown: images go, links keep their text,
// emphasis and code marks go, HTML tags go, escapes and entities resolve.
// It counts the bytes of link text, for link density.
type inline struct {
	b      strings.Builder
	linked int
}

func (in *inline) out() string {
	out := in.b.String()
	if strings.IndexByte(out, '&') >= 0 {
		out = html.UnescapeString(out)
	}
	return out
}

func (in *inline) strip(s string) {
	b := &in.b
	if !strings.ContainsAny(s, "[]*_`<\\&~!") {
		b.WriteString(s)
		return
	}
	b.Grow(len(s))
	for i := 0; i < len(s); {
		c := s[i]
		switch c {
		case '\\':
			if i+1 < len(s) && strings.IndexByte("\\`*_{}[]()#+-.!|<>~\"'", s[i+1]) >= 0 {
				b.WriteByte(s[i+1])
				i += 2
				continue
			}
		case '!':
			if i+1 < len(s) && s[i+1] == '[' {
				if end := linkEnd(s, i+1); end > 0 {
					i = end
					continue
				}
			}
		case '[':
			if strings.HasPrefix(s[i:], "[^") {
				if j := strings.IndexByte(s[i:], ']'); j > 0 {
					i += j + 1 // footnote reference
					continue
				}
			}
			if end := linkEnd(s, i); end > 0 {
				close := matchBracket(s, i)
				n := b.Len()
				in.strip(s[i+1 : close])
				in.linked += b.Len() - n
				i = end
				continue
			}
		case '`':
			n := 0
			for i+n < len(s) && s[i+n] == '`' {
				n++
			}
			if j := strings.Index(s[i+n:], strings.Repeat("`", n)); j >= 0 {
				b.WriteString(strings.TrimSpace(s[i+n : i+n+j]))
				i += n + j + n
				continue
			}
		case '*', '_', '~':
			n := 0
			for i+n < len(s) && s[i+n] == c {
				n++
			}
			if c == '~' && n < 2 {
				break
			}
			prev, next := byte(' '), byte(' ')
			if i > 0 {
				prev = s[i-1]
			}
			if i+n < len(s) {
				next = s[i+n]
			}
			left := !isSpaceByte(next)
			right := !isSpaceByte(prev)
			if c == '_' && isWordByte(prev) && isWordByte(next) {
				break // snake_case
			}
			if left || right {
				i += n
				continue
			}
		case '<':
			if j := strings.IndexByte(s[i:], '>'); j > 1 {
				tag := s[i+1 : i+j]
				switch {
				case strings.HasPrefix(tag, "http://") || strings.HasPrefix(tag, "https://"):
					b.WriteString(tag)
					i += j + 1
					continue
				case isASCIILetter(tag[0]) || tag[0] == '/' || tag[0] == '!':
					if !strings.ContainsAny(tag, "<") {
						b.WriteByte(' ')
						i += j + 1
						continue
					}
				}
			}
		}
		b.WriteByte(c)
		i++
	}
}

func isWordByte(c byte) bool { return isASCIILetter(c) || isDigit(c) }

// matchBracket returns the index of the ']' closing the '[' at i, or -1.
func matchBracket(s string, i int) int {
	depth := 0
	for j := i; j < len(s); j++ {
		switch s[j] {
		case '\\':
			j++
		case '[':
			depth++
		case ']':
			depth--
			if depth == 0 {
				return j
			}
		}
	}
	return -1
}

// linkEnd returns the index just past a link or image starting with the '['
// at i: [text](url "title"), [text][ref] or [text][]; 0 when there is none.
func linkEnd(s string, i int) int {
	close := matchBracket(s, i)
	if close < 0 || close+1 >= len(s) {
		return 0
	}
	switch s[close+1] {
	case '(':
		depth := 0
		for j := close + 1; j < len(s); j++ {
			switch s[j] {
			case '(':
				depth++
			case ')':
				depth--
				if depth == 0 {
					return j + 1
				}
			}
		}
	case '[':
		if j := strings.IndexByte(s[close+1:], ']'); j > 0 {
			return close + 1 + j + 1
		}
	}
	return 0
}
