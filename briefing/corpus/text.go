package corpus

import (
	"math/bits"
	"strings"
	"unicode"
	"unicode/utf8"
)

// normalize collapses every run of white space (including no-break and other
// Unicode spaces) into one ASCII space, drops zero-width characters and soft
// hyphens, and trims the result. Already clean text is returned as is.
func normalize(s string) string {
	if isNormal(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		switch {
		case r == utf8.RuneError:
			continue
		case r == '\u200b' || r == '\u200c' || r == '\u200d' || r == '\u2060' || r == '\ufeff' || r == '\u00ad':
			continue
		case r < 0x20 || r == 0x7f || unicode.IsSpace(r):
			space = true
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	return b.String()
}

// plainTextLine is textLine with its most common case first: a line with
// no tag, no entity and nothing to normalise (so no space or control at
// either end to trim, no run of spaces, no tab) is its own text, with no
// gaps, as textLine's steps would find.
func plainTextLine(raw string) (text string, gaps int) {
	if strings.IndexByte(raw, '<') < 0 && strings.IndexByte(raw, '&') < 0 && isNormal(raw) {
		return raw, 0
	}
	return textLine(raw)
}

// isNormal reports whether normalize would return s unchanged. It is a byte
// scan, eight ASCII bytes a step: only ASCII spaces and controls and the
// few multi-byte spaces and invisible characters need a look.
func isNormal(s string) bool {
	if s == "" {
		return true
	}
	if s[0] == ' ' || s[len(s)-1] == ' ' {
		return false
	}
	prevSpace := false
	for i := 0; i < len(s); i++ {
		if i+8 <= len(s) {
			if x := load8(s, i); x&hi1 == 0 {
				// Eight ASCII bytes at once: no control character, no
				// two spaces in a row (nor one after a space before).
				ctl := ^(x+0x6060606060606060)&hi1 | eqBytes(x, 0x7f) // < 0x20, DEL
				sp := eqBytes(x, ' ')
				if ctl != 0 || sp&(sp>>8) != 0 || prevSpace && sp&0x80 != 0 {
					return false
				}
				prevSpace = sp>>63 != 0
				i += 7
				continue
			}
		}
		c := s[i]
		if c > ' ' && c < 0x7f {
			prevSpace = false
			continue
		}
		switch {
		case c == ' ':
			if prevSpace {
				return false
			}
			prevSpace = true
			continue
		case c < 0x20 || c == 0x7f:
			return false
		case c == 0xc2:
			if i+1 < len(s) && (s[i+1] == 0xa0 || s[i+1] == 0xad || s[i+1] == 0x85) {
				return false
			}
		case c == 0xe1:
			if i+2 < len(s) && s[i+1] == 0x9a && s[i+2] == 0x80 { // ogham space
				return false
			}
		case c == 0xe2:
			if i+2 < len(s) {
				c1, c2 := s[i+1], s[i+2]
				if c1 == 0x80 && (c2 <= 0x8f || c2 == 0xa8 || c2 == 0xa9 || c2 == 0xaf) {
					return false
				}
				if c1 == 0x81 && (c2 == 0x9f || c2 == 0xa0) {
					return false
				}
			}
		case c == 0xe3:
			if i+2 < len(s) && s[i+1] == 0x80 && s[i+2] == 0x80 {
				return false
			}
		case c == 0xef:
			if i+2 < len(s) && s[i+1] == 0xbb && s[i+2] == 0xbf {
				return false
			}
		case c >= 0x80 && c < 0xc0 && i == 0:
			return false
		}
		prevSpace = false
	}
	return true
}

// shape is what the furniture rules need to know about one line of text,
// gathered in one byte scan.
type shape struct {
	bytes    int
	words    int
	letters  int // ASCII letters plus non-ASCII characters (approximately letters)
	digits   int
	syms     int // characters typical of code and markup: {}[]<>;=|\^~`*_@#
	braces   int
	semis    int // semicolons
	seps     int // characters that separate menu items: | / > · » • › – — ∙, and - : after a space
	hashtags int // words starting with '#' and a letter
	upper    int // words starting with an upper-case letter
	lower    int // words starting with a lower-case letter
	last     rune
}

// Byte classes for scan.
const (
	cOther = iota
	cSpace // ' '
	cUpper // A-Z
	cLower // a-z
	cDigit // 0-9
	cBrace // { }
	cSym   // [ ] < > = | \ ^ ~ ` * _ @ #
	cSemi  // ;
	cLead  // first byte of a multi-byte character
	cCont  // continuation byte
	cSep   // / - : (separators when they follow a space; / always)
)

// byteClass classifies the 256 byte values for scan.
var byteClass = func() (t [256]uint8) {
	for c := 'A'; c <= 'Z'; c++ {
		t[c] = cUpper
		t[c+'a'-'A'] = cLower
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = cDigit
	}
	t[' '] = cSpace
	t['{'], t['}'], t[';'] = cBrace, cBrace, cSemi
	for _, c := range "[]<>=|\\^~`*_@#" {
		t[c] = cSym
	}
	t['/'], t['-'], t[':'] = cSep, cSep, cSep
	for c := 0x80; c < 0xc0; c++ {
		t[c] = cCont
	}
	for c := 0xc0; c < 0x100; c++ {
		t[c] = cLead
	}
	return t
}()

func scan(s string) shape {
	var sh shape
	sh.bytes = len(s)
	inWord := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		cl := byteClass[c]
		if cl == cLower && inWord { // most bytes of prose
			sh.letters++
			continue
		}
		if cl == cSpace {
			inWord = false
			continue
		}
		if !inWord {
			inWord = true
			sh.words++
			switch {
			case cl == cUpper:
				sh.upper++
			case cl == cLower:
				sh.lower++
			case c == '#' && i+1 < len(s) && isASCIILetter(s[i+1]):
				sh.hashtags++
			case cl == cLead:
				r, _ := utf8.DecodeRuneInString(s[i:])
				if unicode.IsUpper(r) {
					sh.upper++
				} else if unicode.IsLower(r) {
					sh.lower++
				}
			}
		}
		switch cl {
		case cUpper, cLower:
			sh.letters++
		case cLead:
			sh.letters++
			switch {
			case c == 0xc2: // · »
				if i+1 < len(s) && (s[i+1] == 0xb7 || s[i+1] == 0xbb) {
					sh.seps++
				}
			case c == 0xe2: // • › – — ∙
				if i+2 < len(s) && (s[i+1] == 0x80 && (s[i+2] == 0xa2 || s[i+2] == 0xba || s[i+2] == 0x93 || s[i+2] == 0x94) ||
					s[i+1] == 0x88 && s[i+2] == 0x99) {
					sh.seps++
				}
			}
		case cDigit:
			sh.digits++
		case cBrace:
			sh.braces++
			sh.syms++
		case cSym:
			sh.syms++
			if c == '|' || c == '>' {
				sh.seps++
			}
		case cSemi:
			sh.syms++
			sh.semis++
		case cSep:
			if c == '/' || i > 0 && s[i-1] == ' ' {
				sh.seps++
			}
		}
	}
	sh.last = lastSignificant(s)
	return sh
}

func isASCIILetter(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// isCloser reports whether r closes a quotation or parenthesis.
func isCloser(r rune) bool {
	switch r {
	case '"', '\'', ')', ']', '’', '”', '»', '›', '*':
		return true
	}
	return false
}

// lastSignificant returns the last rune of s that is not a closing quote or
// bracket, or 0.
func lastSignificant(s string) rune {
	for len(s) > 0 {
		r, n := utf8.DecodeLastRuneInString(s)
		if !isCloser(r) && r != ' ' {
			return r
		}
		s = s[:len(s)-n]
	}
	return 0
}

// endsSentence reports whether a line ends like a sentence.
func endsSentence(r rune) bool {
	return r == '.' || r == '!' || r == '?' || r == '…' || r == ';' || r == ':' || r == ','
}

// minorWords are words that stay lower case in a title.
func isMinorWord(w string) bool {
	switch strings.ToLower(w) {
	case "a", "an", "the", "and", "but", "or", "nor", "for", "of", "on", "in", "at", "to", "by",
		"vs", "vs.", "via", "as", "from", "with", "into", "over", "per", "up", "is", "its", "it", "be",
		"than", "that", "how", "why", "what", "who", "are", "was", "de", "la", "le", "du", "des", "von", "van":
		return true
	}
	return false
}

// isTitleCase reports whether most significant words of s start with a
// capital letter or a digit.
func isTitleCase(s string) bool {
	total, caps := 0, 0
	first := true
	for w := range strings.FieldsSeq(s) {
		w = strings.TrimLeft(w, "\"'“‘(*[-–—")
		if w == "" {
			continue
		}
		if !first && isMinorWord(strings.TrimRight(w, ",:;.?!”’\"')")) {
			continue
		}
		first = false
		r, _ := utf8.DecodeRuneInString(w)
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			continue
		}
		total++
		if unicode.IsUpper(r) || unicode.IsDigit(r) {
			caps++
		}
	}
	return total > 0 && caps*4 >= total*3
}

// countWords counts runs of non-space bytes (space: ' ', '\n', '\t', '\r').
// Eight bytes a step: a word starts at each non-space byte that follows a
// space byte (or the start).
func countWords(s string) int {
	n := 0
	in := false
	i := 0
	for ; i+8 <= len(s); i += 8 {
		x := load8(s, i)
		sp := eqBytes(x, ' ') | eqBytes(x, '\n') | eqBytes(x, '\t') | eqBytes(x, '\r')
		before := sp << 8 // the bytes that follow a space
		if !in {
			before |= 0x80 // and the first, after a space or the start
		}
		n += bits.OnesCount64(^sp & hi1 & before)
		in = sp>>63 == 0
	}
	for ; i < len(s); i++ {
		c := s[i]
		if c == ' ' || c == '\n' || c == '\t' || c == '\r' {
			in = false
		} else if !in {
			in = true
			n++
		}
	}
	return n
}

// firstWords returns the first n words of s, lower-cased and stripped of
// surrounding punctuation.
func firstWords(s string, n int) []string {
	out := make([]string, 0, n)
	for w := range strings.FieldsSeq(s) {
		w = trimPunct(w)
		if w == "" {
			continue
		}
		out = append(out, strings.ToLower(w))
		if len(out) == n {
			break
		}
	}
	return out
}

// trimPunct strips punctuation around a word, keeping inner characters.
func trimPunct(w string) string {
	return strings.TrimFunc(w, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
}

// hasPrefixFold reports whether s starts with prefix, ignoring ASCII case.
func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// isBullet reports whether s starts with a list marker ("- ", "* ", "• ",
// "– ") and returns the rest.
func bulletRest(s string) (string, bool) {
	for _, m := range [...]string{"- ", "* ", "+ ", "• ", "– ", "— ", "· ", "▪ ", "► "} {
		if strings.HasPrefix(s, m) {
			return strings.TrimLeft(s[len(m):], " "), true
		}
	}
	return s, false
}

// numberedRest reports whether s starts with "1. " or "1) " and returns the
// rest.
func numberedRest(s string) (string, bool) {
	i := 0
	for i < len(s) && i < 3 && isDigit(s[i]) {
		i++
	}
	if i == 0 || i+1 >= len(s) || (s[i] != '.' && s[i] != ')') || s[i+1] != ' ' {
		return s, false
	}
	return strings.TrimLeft(s[i+2:], " "), true
}

// isNameLine reports whether s looks like a person's name on its own: two to
// four capitalised words, optionally with particles and initials.
func isNameLine(s string) bool {
	if len(s) > 60 {
		return false
	}
	n := 0
	caps, acronyms := 0, 0
	for w := range strings.FieldsSeq(s) {
		n++
		if n > 5 {
			return false
		}
		if len(w) >= 2 && strings.ToUpper(w) == w {
			acronyms++
		}
		switch strings.ToLower(w) {
		case "de", "van", "von", "der", "den", "da", "di", "del", "la", "le", "bin", "al", "el", "du", "dos":
			continue
		}
		r, _ := utf8.DecodeRuneInString(w)
		if !unicode.IsUpper(r) {
			return false
		}
		for _, c := range w {
			if !unicode.IsLetter(c) && c != '.' && c != '-' && c != '\'' && c != '’' {
				return false
			}
		}
		caps++
	}
	// "JANE DOE" is a name in capitals, "CNN Business" is not a name.
	return n >= 2 && caps >= 2 && (acronyms == 0 || acronyms == n)
}

// foldKey reduces s to lower-case letters and digits, for comparing titles.
func foldKey(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// lowerASCII lower-cases the ASCII letters of s, keeping every byte offset.
func lowerASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if b[j] >= 'A' && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}
