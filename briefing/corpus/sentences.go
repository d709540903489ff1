package corpus

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Sentences returns the byte ranges [start,end) of the sentences of text, in
// order, each trimmed of surrounding white space, so text[r[0]:r[1]] is a
// verbatim sentence.
//
// A sentence ends at '.', '!', '?', an ellipsis ("..." or '…') or a run of
// them, followed by any closing quotes or brackets, white space and then
// something that can start a sentence (not a lower-case letter). A blank line
// always ends a sentence, so headings and list items separated by blank
// lines are sentences of their own. A period does not end a sentence inside
// a number or a domain ("$5.6 million", "example.com"), after a title ("Mr.",
// "Dr.") or an initial ("John F. Kennedy"), after an abbreviation such as
// "e.g." or "vs.", or after "Feb.", "No." and the like when a number follows.
// After initialisms and company suffixes ("U.S.", "Inc.") it ends a sentence
// only when the next word commonly starts one ("The", "It", "But", ...).
//
// A line that starts a list item ("- ", "* ", "• ", "1. ", "2) ") starts a
// sentence, so a list keeps its items apart. A quotation left open by a
// sentence runs on, with the sentences after it, up to the one that closes
// it (at most maxQuotedSentences sentences, never across a blank line), so
// no sentence ends inside a quotation that is closed further on.
func Sentences(text string) [][2]int {
	return appendSentences(nil, text, 0, len(text))
}

// SentenceOptions tune SentencesWith.
type SentenceOptions struct {
	// Trailer, when set, returns the length in bytes of a run at the start
	// of s that belongs to the sentence before it, such as a citation "[2]"
	// after its period, or 0. A sentence end followed (after any white
	// space) by a trailer ends the sentence after the trailer, even after
	// an abbreviation or before a lower-case word.
	Trailer func(s string) int
}

// SentencesWith is Sentences with options.
func SentencesWith(text string, opt SentenceOptions) [][2]int {
	return appendSentencesWith(nil, text, 0, len(text), opt)
}

// maxQuotedSentences is how many sentences a quotation may join into one.
const maxQuotedSentences = 6

// appendSentences appends the sentences of text[lo:hi] to dst, with offsets
// into text.
func appendSentences(dst [][2]int, text string, lo, hi int) [][2]int {
	return appendSentencesWith(dst, text, lo, hi, SentenceOptions{})
}

func appendSentencesWith(dst [][2]int, text string, lo, hi int, opt SentenceOptions) [][2]int {
	from := len(dst)
	dst = splitSentences(dst, text, lo, hi, opt)
	return joinQuotations(dst, from, text)
}

func splitSentences(dst [][2]int, text string, lo, hi int, opt SentenceOptions) [][2]int {
	i := skipSpace(text, lo, hi)
	start := i
	for i < hi {
		c := text[i]
		switch {
		case c == '\n':
			j := i + 1
			for j < hi && (text[j] == ' ' || text[j] == '\t' || text[j] == '\r') {
				j++
			}
			if j < hi && text[j] == '\n' {
				dst = emitSentence(dst, text, start, i)
				i = skipSpace(text, j, hi)
				start = i
				continue
			}
			if j < hi && listItemAt(text, j, hi) && strings.TrimSpace(text[start:i]) != "" {
				dst = emitSentence(dst, text, start, i)
				start = j
			}
			i = j
		case c == '.' || c == '!' || c == '?' || (c == 0xe2 && i+2 < hi && text[i+1] == 0x80 && text[i+2] == 0xa6):
			j := i
			for j < hi {
				if text[j] == '.' || text[j] == '!' || text[j] == '?' {
					j++
				} else if text[j] == 0xe2 && j+2 < hi && text[j+1] == 0x80 && text[j+2] == 0xa6 {
					j += 3
				} else {
					break
				}
			}
			j = skipClosers(text, j, hi)
			if opt.Trailer != nil {
				if t := skipSpace(text, j, hi); t < hi {
					if n := opt.Trailer(text[t:hi]); n > 0 {
						dst = emitSentence(dst, text, start, t+n)
						i = skipSpace(text, t+n, hi)
						start = i
						continue
					}
				}
			}
			if j >= hi {
				i = hi
				continue
			}
			if text[j] != ' ' && text[j] != '\n' && text[j] != '\t' && text[j] != '\r' && !isNBSPAt(text, j) {
				i = j // inside a number, a domain, "U.S.-based"...
				continue
			}
			k := skipSpace(text, j, hi)
			if k >= hi {
				i = hi
				continue
			}
			if isBoundary(text, start, i, j, k, hi) {
				dst = emitSentence(dst, text, start, j)
				start = k
				i = k
				continue
			}
			i = j
		default:
			i++
		}
	}
	return emitSentence(dst, text, start, hi)
}

// IsListItem reports whether line opens a list item: a bullet ("- ", "* ",
// "• ", "– ") or a number of one or two digits with "." or ")" and a space.
func IsListItem(line string) bool { return listItemAt(line, 0, len(line)) }

// listItemAt reports whether a list item starts at text[i:]: a bullet
// ("-", "*", "•") or a number of one or two digits with "." or ")",
// followed by a space.
func listItemAt(text string, i, hi int) bool {
	rest := text[i:hi]
	for _, b := range []string{"- ", "* ", "• ", "– "} {
		if strings.HasPrefix(rest, b) {
			return true
		}
	}
	n := 0
	for n < len(rest) && n < 3 && isDigit(rest[n]) {
		n++
	}
	return n > 0 && n < 3 && n+1 < len(rest) && (rest[n] == '.' || rest[n] == ')') && rest[n+1] == ' '
}

// joinQuotations joins dst[from:] where a sentence leaves a double
// quotation open and one of the next maxQuotedSentences-1 sentences of the
// same paragraph closes it.
func joinQuotations(dst [][2]int, from int, text string) [][2]int {
	out := dst[:from]
	for i := from; i < len(dst); i++ {
		cur := dst[i]
		if quoteBalance(text[cur[0]:cur[1]]) != 0 {
			for j := i + 1; j < len(dst) && j < i+maxQuotedSentences; j++ {
				if strings.Count(text[dst[j-1][1]:dst[j][0]], "\n") > 1 || listItemAt(text, dst[j][0], dst[j][1]) {
					break // a new paragraph or list item
				}
				if quoteBalance(text[cur[0]:dst[j][1]]) == 0 {
					cur[1] = dst[j][1]
					i = j
					break
				}
			}
		}
		out = append(out, cur)
	}
	return out
}

// quoteBalance is 0 when every double quotation opened in s is closed:
// curly quotes by count, straight ones by parity.
func quoteBalance(s string) int {
	open := strings.Count(s, "“") - strings.Count(s, "”")
	if open < 0 {
		open = 0
	}
	return open + strings.Count(s, "\"")%2
}

func emitSentence(dst [][2]int, text string, start, end int) [][2]int {
	for end > start && isSpaceByte(text[end-1]) {
		end--
	}
	if end > start {
		dst = append(dst, [2]int{start, end})
	}
	return dst
}

func isSpaceByte(c byte) bool { return c == ' ' || c == '\n' || c == '\t' || c == '\r' }

func isNBSPAt(s string, i int) bool { return i+1 < len(s) && s[i] == 0xc2 && s[i+1] == 0xa0 }

func skipSpace(s string, i, hi int) int {
	for i < hi {
		if isSpaceByte(s[i]) {
			i++
		} else if isNBSPAt(s, i) {
			i += 2
		} else {
			break
		}
	}
	return i
}

func skipClosers(s string, i, hi int) int {
	for i < hi {
		switch c := s[i]; {
		case c == '"' || c == '\'' || c == ')' || c == ']':
			i++
		case c == 0xe2 && i+2 < hi && s[i+1] == 0x80 && (s[i+2] == 0x99 || s[i+2] == 0x9d || s[i+2] == 0xba):
			i += 3 // ’ ” ›
		case c == 0xc2 && i+1 < hi && s[i+1] == 0xbb:
			i += 2 // »
		default:
			return i
		}
	}
	return i
}

// isBoundary decides whether the terminal punctuation text[p:j] (closers
// included) followed by white space up to k ends the sentence that began at
// start.
func isBoundary(text string, start, p, j, k, hi int) bool {
	r, _ := utf8.DecodeRuneInString(text[k:hi])
	if unicode.IsLower(r) {
		return false
	}
	switch r {
	case ',', ';', ':', ')', ']', '-', '–', '—', '%':
		return false
	}
	if text[p] != '.' || (p+1 < hi && text[p+1] == '.') {
		return true // ! ? or an ellipsis followed by a capital
	}
	// One period: look at the word before it and the word after.
	ws := p
	for ws > start && !isSpaceByte(text[ws-1]) {
		ws--
	}
	word := strings.TrimLeft(text[ws:p], "([{\"'“‘")
	ne := k
	for ne < hi && !isSpaceByte(text[ne]) {
		ne++
	}
	next := text[k:ne]
	return !isAbbreviation(word, next, ws == start)
}

// isAbbreviation reports whether the period after word (which does not
// include it) is part of an abbreviation rather than a sentence end, given
// the next word.
func isAbbreviation(word, next string, atStart bool) bool {
	if word == "" {
		return false
	}
	if atStart && len(word) <= 3 && allDigits(word) {
		return true // "1. The first point"
	}
	if strings.IndexByte(word, '.') >= 0 {
		lw := strings.ToLower(word)
		if lw == "e.g" || lw == "i.e" || lw == "viz" {
			return true
		}
		// initialisms: U.S, U.K, a.m, Ph.D
		for seg := range strings.SplitSeq(word, ".") {
			if len(seg) > 2 || !isLettersOnly(seg) {
				return false // a domain or a version number ends the sentence
			}
		}
		return !startsSentence(next)
	}
	if len(word) == 1 && word[0] >= 'A' && word[0] <= 'Z' {
		return true // an initial
	}
	if len(word) > 6 {
		return false
	}
	switch strings.ToLower(word) {
	case "mr", "mrs", "ms", "dr", "prof", "st", "mt", "ft", "gen", "gov", "sen", "rep", "rev", "hon",
		"lt", "col", "capt", "sgt", "maj", "cmdr", "adm", "pres", "supt", "insp", "messrs", "mme",
		"vs", "v", "cf", "approx", "incl", "resp", "dept":
		return true
	case "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
		"mon", "tue", "tues", "wed", "thu", "thur", "thurs", "fri", "sat", "sun",
		"no", "nos", "vol", "vols", "fig", "figs", "p", "pp", "art", "sec", "ch", "est", "ca", "nr", "op":
		if next != "" && isDigit(next[0]) {
			return true
		}
		return !startsSentence(next)
	case "inc", "corp", "co", "ltd", "llc", "plc", "bros", "jr", "sr", "al", "etc", "ave", "blvd", "univ":
		return !startsSentence(next)
	}
	return false
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return s != ""
}

func isLettersOnly(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isASCIILetter(s[i]) {
			return false
		}
	}
	return s != ""
}

// startsSentence reports whether w is a word that commonly opens a sentence,
// used to tell "the U.S. The" from "the U.S. Senate".
func startsSentence(w string) bool {
	w = strings.TrimLeft(w, "\"'“‘(")
	w = strings.TrimRight(w, ",;:.!?\"'”’)")
	if w == "" {
		return true
	}
	if isDigit(w[0]) {
		return true
	}
	switch w {
	case "The", "This", "That", "These", "Those", "There", "Then", "It", "Its", "In", "On", "At", "As",
		"But", "And", "Or", "So", "Yet", "However", "He", "She", "They", "We", "I", "You", "His", "Her",
		"Their", "Our", "A", "An", "If", "When", "While", "For", "With", "After", "Before", "Since",
		"Some", "Many", "Most", "Meanwhile", "Still", "Also", "Now", "Last", "According", "Despite",
		"What", "Why", "How", "Who", "Where", "Although", "Though", "One", "Such", "Both", "Each", "All",
		"Not", "Even", "Instead", "Other", "Others", "Today", "Yesterday", "Earlier", "Later", "By",
		"Under", "From", "To", "Analysts", "Officials", "Experts", "Critics", "Shares", "Investors":
		return true
	}
	return false
}
