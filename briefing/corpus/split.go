package corpus

import "strings"

// Passage sizes, in words.
const (
	minPassageWords  = 40  // a shorter passage takes in the next paragraph of its section
	maxPassageWords  = 120 // paragraphs longer than this are cut at sentence boundaries
	maxSentenceWords = 200 // a longer "sentence" is cut at clause or word boundaries
)

// Split cuts a document into passages of whole sentences of roughly 40-120
// words. Paragraphs are the blocks of d.Text separated by blank lines.
// Headings (short one-line paragraphs that do not end like a sentence) are
// not part of any passage and no passage crosses one. A paragraph of up to
// 120 words is kept whole; one of under 40 words is joined by the next
// paragraph of its section, and a list stays with its introduction, while
// the total stays within 120 words; a short last paragraph of a section
// joins the passage before it on the same terms; a paragraph of over 120
// words is cut at the sentence boundaries nearest to equal parts. Passage.Text is exactly
// d.Text[Start:End] and Seq counts from 0.
func Split(d Document) []Passage {
	sp := splitter{doc: d.ID, text: d.Text}
	text := d.Text
	lead := false // the current passage ends with a list item or a line ending in ':'

	for pos := 0; pos < len(text); {
		ps, pe, next := nextParagraph(text, pos)
		pos = next
		if ps == pe {
			continue
		}
		para := text[ps:pe]
		if isHeadingText(para) {
			sp.endSection()
			continue
		}
		item := isListItem(para)
		sp.add(ps, pe, countWords(para), lead && item)
		lead = item || lastSignificant(para) == ':'
	}
	sp.endSection()
	return sp.out
}

// nextParagraph finds the paragraph starting at or after pos: its trimmed
// range and where to continue.
func nextParagraph(text string, pos int) (start, end, next int) {
	start = skipSpace(text, pos, len(text))
	i := start
	for i < len(text) {
		nl := strings.IndexByte(text[i:], '\n')
		if nl < 0 {
			i = len(text)
			break
		}
		j := i + nl + 1
		k := j
		for k < len(text) && (text[k] == ' ' || text[k] == '\t' || text[k] == '\r') {
			k++
		}
		if k >= len(text) || text[k] == '\n' {
			end = i + nl
			for end > start && isSpaceByte(text[end-1]) {
				end--
			}
			return start, end, k
		}
		i = j
	}
	end = i
	for end > start && isSpaceByte(text[end-1]) {
		end--
	}
	return start, end, len(text)
}

// isHeadingText reports whether a paragraph is shaped like a heading: one
// short line that does not end like a sentence (a Title Case question or a
// Title Case line ending in an initialism such as "U.S." also counts), and
// not a bulleted list item.
func isHeadingText(p string) bool {
	if len(p) > 160 || strings.IndexByte(p, '\n') >= 0 {
		return false
	}
	if _, ok := bulletRest(p); ok {
		return false
	}
	rest, numbered := numberedRest(p)
	words := countWords(rest)
	if words == 0 || words > 15 {
		return false
	}
	last := lastSignificant(p)
	switch {
	case last == '?' || last == '!':
		return words <= 12 && isTitleCase(rest)
	case last == '.':
		// "The Path Forward for the U.S."
		ws := strings.LastIndexByte(p, ' ')
		lw := strings.TrimRight(p[ws+1:], ".\"'”’)")
		return strings.IndexByte(lw, '.') >= 0 && len(lw) <= 6 && isTitleCase(rest)
	case endsSentence(last):
		return false
	}
	if numbered {
		return isTitleCase(rest)
	}
	return true
}

type span struct {
	start, end, words int
}

type splitter struct {
	doc     string
	text    string
	out     []Passage
	words   []int // words of out[i]
	cur     span
	section int // passages of out before this index belong to earlier sections
	sents   [][2]int
}

// isListItem reports whether a paragraph is a bulleted or numbered item.
func isListItem(p string) bool {
	if _, ok := bulletRest(p); ok {
		return true
	}
	_, ok := numberedRest(p)
	return ok
}

// add takes in the next paragraph of the current section; cont says it
// continues a list the current passage ends with.
func (sp *splitter) add(ps, pe, words int, cont bool) {
	if sp.cur.words > 0 {
		if (sp.cur.words < minPassageWords || cont) && sp.cur.words+words <= maxPassageWords {
			sp.cur.end = pe
			sp.cur.words += words
			return
		}
		sp.flush()
	}
	if words <= maxPassageWords {
		sp.cur = span{ps, pe, words}
		return
	}
	chunks := sp.cutLong(ps, pe, words)
	for _, c := range chunks[:len(chunks)-1] {
		sp.emit(c)
	}
	sp.cur = chunks[len(chunks)-1]
}

// cutLong cuts a long paragraph at the sentence boundaries nearest to equal
// parts of at most maxPassageWords words.
func (sp *splitter) cutLong(ps, pe, words int) []span {
	sp.sents = appendSentences(sp.sents[:0], sp.text, ps, pe)
	// Units: sentences, with overlong ones cut further.
	type unit struct{ start, end, words int }
	units := make([]unit, 0, len(sp.sents))
	for _, s := range sp.sents {
		w := countWords(sp.text[s[0]:s[1]])
		if w <= maxSentenceWords {
			units = append(units, unit{s[0], s[1], w})
			continue
		}
		for _, c := range cutSentence(sp.text, s[0], s[1]) {
			units = append(units, unit{c.start, c.end, c.words})
		}
	}
	k := (words + maxPassageWords - 1) / maxPassageWords
	var out []span
	cur := span{start: -1}
	cum := 0 // words up to the end of cur
	for i, u := range units {
		if cur.start < 0 {
			cur = span{u.start, u.end, u.words}
		} else {
			cur.end = u.end
			cur.words += u.words
		}
		cum += u.words
		if i == len(units)-1 {
			break
		}
		next := units[i+1].words
		target := (len(out) + 1) * words / k
		closest := len(out) < k-1 && abs(cum-target) <= abs(cum+next-target)
		if closest || cur.words+next > maxPassageWords {
			out = append(out, cur)
			cur = span{start: -1}
		}
	}
	if cur.start >= 0 {
		out = append(out, cur)
	}
	return out
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// cutSentence cuts an overlong run of text without sentence ends into pieces
// of about maxPassageWords words, preferring to end a piece after a clause
// mark (; : ,) in its last third.
func cutSentence(text string, start, end int) []span {
	var out []span
	for start < end {
		words := 0
		i := start
		best := -1
		in := false
		for ; i < end; i++ {
			c := text[i]
			if isSpaceByte(c) {
				if in {
					words++
					in = false
					if words >= maxPassageWords*2/3 && i > 0 && (text[i-1] == ',' || text[i-1] == ';' || text[i-1] == ':') {
						best = i
					}
					if words >= maxPassageWords {
						break
					}
				}
				continue
			}
			in = true
		}
		if i >= end {
			out = append(out, span{start, end, countWords(text[start:end])})
			break
		}
		cut := i
		if best > 0 {
			cut = best
		}
		out = append(out, span{start, cut, countWords(text[start:cut])})
		start = skipSpace(text, cut, end)
	}
	return out
}

func (sp *splitter) flush() {
	if sp.cur.words > 0 {
		sp.emit(sp.cur)
	}
	sp.cur = span{}
}

func (sp *splitter) emit(s span) {
	sp.words = append(sp.words, s.words)
	sp.out = append(sp.out, Passage{
		Doc:   sp.doc,
		Seq:   len(sp.out),
		Start: s.start,
		End:   s.end,
		Text:  sp.text[s.start:s.end],
	})
}

// endSection flushes the current passage; a short last passage joins the
// one before it in the same section when the two stay within
// maxPassageWords.
func (sp *splitter) endSection() {
	if sp.cur.words > 0 && sp.cur.words < minPassageWords && len(sp.out) > sp.section {
		prev := &sp.out[len(sp.out)-1]
		if pw := &sp.words[len(sp.words)-1]; *pw+sp.cur.words <= maxPassageWords {
			prev.End = sp.cur.end
			prev.Text = sp.text[prev.Start:prev.End]
			*pw += sp.cur.words
			sp.cur = span{}
		}
	}
	sp.flush()
	sp.section = len(sp.out)
}
