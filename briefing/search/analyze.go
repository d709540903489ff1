package search

import (
	"sync/atomic"
	"unicode"
	"unicode/utf8"

	"github.com/kljensen/snowball/english"
)

// maxTokenBytes drops longer tokens (URLs, hashes, base64 runs): they are not
// words a reader would search for and would only bloat the dictionary.
const maxTokenBytes = 40

// Analyze returns the stemmed index terms of text in order: lower-cased,
// unicode letters and digits, stop words dropped, straight and curly
// apostrophes handled ("China’s" gives china, "isn’t" is a stop word),
// hyphenated words split ("export-control" gives export, control), dotted
// acronyms joined ("U.S." gives us), digit groups kept whole ("$5.6" gives
// 5.6, "50,000" gives 50000), acronym plurals singular ("GPUs" gives gpu).
// Words are stemmed with the English snowball stemmer; numbers and mixed
// tokens ("v3", "r1") are not.
//
// Analyze is pure and safe for concurrent use; terms are memoised in a
// bounded process-wide cache (see stemCache).
func Analyze(text string) []string {
	out := make([]string, 0, len(text)/7+1)
	return appendTerms(out, text)
}

// AppendTerms appends the terms of text (see Analyze) to dst and returns
// the extended slice: Analyze without an allocation when dst has room.
func AppendTerms(dst []string, text string) []string { return appendTerms(dst, text) }

// Analyzer is Analyze with a private memo in front of the process-wide
// one: the words met lately, stored inline, so that a common word costs no
// trip to the shared table (two cache misses a word). It returns the same
// terms as Analyze, the very strings the shared memo holds. An Analyzer is
// for one goroutine at a time; a nil *Analyzer is Analyze.
type Analyzer struct {
	memo []localStem
	lex  *Lexicon // the stems of the memo's terms (AppendTermStems)
}

// localSlots is the size of an Analyzer's memo: 1.25 MiB, one cache miss
// a word where the shared memo has two (measured on a 5k corpus build;
// smaller memos, which miss more often, gained less). It is 2-way set
// associative, least recently used out: on the 5k corpus it misses ~2%
// of words where a direct-mapped memo of the same size missed 4.5%, and
// analyses in some 10% less CPU.
const localSlots = 1 << 15

// localStem is one word of an Analyzer's memo; n is 0 in an empty slot
// (no token is empty). stem is the term's lexicon stem, -1 for none.
type localStem struct {
	n    uint8
	word [19]byte
	stem int32
	term string
}

// NewAnalyzer returns an Analyzer with an empty memo.
func NewAnalyzer() *Analyzer { return newAnalyzer(localSlots) }

// newAnalyzer returns an Analyzer with a memo of slots (a power of 2, at
// least 2).
func newAnalyzer(slots int) *Analyzer {
	return &Analyzer{memo: make([]localStem, slots), lex: sharedLexicon()}
}

// Analyze is the package's Analyze through a's memo.
func (a *Analyzer) Analyze(text string) []string {
	out := make([]string, 0, len(text)/7+1)
	return a.appendTerms(out, nil, text)
}

// AppendTerms is the package's AppendTerms through a's memo.
func (a *Analyzer) AppendTerms(dst []string, text string) []string {
	return a.appendTerms(dst, nil, text)
}

// noStem is the stem term returns for a term it did not look up in the
// lexicon.
const noStem = -2

// term is termHashed through a's memo, with the term's lexicon stem (-1
// for none) when the memo holds it, else noStem.
func (a *Analyzer) term(tok []byte, digit bool) (string, int32) {
	h := hashToken(tok)
	if a == nil || len(tok) > len(a.memo[0].word) {
		return termHashed(tok, digit, h), noStem
	}
	// A set is two adjacent slots, the most recently used word first: a
	// word found second moves to the front, so that a common word is
	// found at the first look (without it, the second look, often on
	// another cache line, cost more than the misses saved).
	set := a.memo[int(h<<1)&(len(a.memo)-1):]
	set = set[:2]
	e := &set[0]
	if int(e.n) == len(tok) && string(e.word[:e.n]) == string(tok) {
		return e.term, e.stem
	}
	if e1 := &set[1]; int(e1.n) == len(tok) && string(e1.word[:e1.n]) == string(tok) {
		t, st := e1.term, e1.stem
		set[0], set[1] = set[1], set[0]
		return t, st
	}
	t := termHashed(tok, digit, h)
	set[1] = *e
	e.n = uint8(copy(e.word[:], tok))
	e.term = t
	e.stem = a.lex.stem(t)
	return t, e.stem
}

// appendTerms appends the terms of text to out.
func appendTerms(out []string, text string) []string {
	var a *Analyzer
	return a.appendTerms(out, nil, text)
}

// appendTerms appends the terms of text to out, through a's memo when a is
// not nil, and, when stems is not nil, each term's lexicon stem to *stems.
// The token buffer lives on the stack for ordinary words.
func (a *Analyzer) appendTerms(out []string, stems *[]int32, text string) []string {
	var arr [64]byte
	buf := arr[:0]
	apos := false // buf holds an apostrophe
	digit := false
	acro := false // buf is a dotted acronym in progress
	upper := 0    // ASCII capitals in buf
	i := 0
	flush := func() {
		if n := len(buf); n > 0 && n <= maxTokenBytes {
			if n >= 3 && upper == n-1 && buf[n-1] == 's' && text[i-1] == 's' {
				buf = buf[:n-1] // plural of an acronym: "GPUs", "LLMs"
			}
			out = a.emit(out, stems, buf, apos, digit)
		}
		buf, apos, digit, acro, upper = buf[:0], false, false, false, 0
	}
	for i < len(text) {
		c := text[i]
		var r rune
		size := 1
		if c < utf8.RuneSelf {
			r = rune(c)
		} else {
			r, size = utf8.DecodeRuneInString(text[i:])
		}
		switch {
		case c >= 'a' && c <= 'z':
			// A run of lower-case letters, most of prose, in one go.
			j := i + 1
			for j < len(text) && text[j]-'a' < 26 {
				j++
			}
			buf = append(buf, text[i:j]...)
			i = j
			continue
		case c >= 'A' && c <= 'Z':
			buf = append(buf, c+('a'-'A'))
			upper++
		case c >= '0' && c <= '9':
			j := i + 1
			for j < len(text) && text[j]-'0' < 10 {
				j++
			}
			buf = append(buf, text[i:j]...)
			digit = true
			i = j
			continue
		case c < utf8.RuneSelf:
			// ASCII punctuation and space.
			switch {
			case c == '\'' && len(buf) > 0 && isWordStart(text, i+1) && !lastIsDigit(buf):
				buf = append(buf, '\'')
				apos = true
			case (c == '.' || c == ',') && len(buf) > 0 && lastIsDigit(buf) && nextIsDigit(text, i+1):
				if c == '.' {
					buf = append(buf, '.')
				}
			case c == '.' && (acro || (len(buf) == 1 && isLetterByte(buf[0]))) && singleLetterNext(text, i+1):
				acro = true
			default:
				flush()
			}
		case r == '’' || r == 'ʼ' || r == '‘':
			if len(buf) > 0 && isWordStart(text, i+size) && !lastIsDigit(buf) {
				buf = append(buf, '\'')
				apos = true
			} else {
				flush()
			}
		case unicode.Is(unicode.Mn, r):
			// A combining accent: folded away ("Zu\u0308rich" is zurich).
		case unicode.IsLetter(r):
			if f, ok := foldLatin(r); ok {
				buf = append(buf, f...)
			} else {
				buf = utf8.AppendRune(buf, unicode.ToLower(r))
			}
		case unicode.IsDigit(r):
			buf = utf8.AppendRune(buf, r)
			digit = true
		default:
			flush()
		}
		i += size
	}
	flush()
	return out
}

// emit turns one raw lower-cased token into zero, one or two terms, and
// appends their lexicon stems to *stems when stems is not nil.
func (a *Analyzer) emit(out []string, stems *[]int32, tok []byte, apos, digit bool) []string {
	if apos {
		if _, stop := stopWords[string(tok)]; stop {
			return out
		}
		if n := len(tok); n > 2 && tok[n-2] == '\'' && tok[n-1] == 's' {
			tok = tok[:n-2] // possessive
		}
		j := 0
		for _, c := range tok {
			if c != '\'' {
				tok[j] = c
				j++
			}
		}
		tok = tok[:j]
	}
	if len(tok) == 0 || len(tok) == 1 && !digit {
		return out // a stray letter: "s" of "80's", initials
	}
	if digit {
		if n, scale, ok := splitScale(tok); ok {
			// "5.6m" and "$5.6 million" both give 5.6 million.
			out = append(out, string(n), scale)
			if stems != nil {
				*stems = append(*stems, a.lex.stem(out[len(out)-2]), a.lex.stem(scale))
			}
			return out
		}
	}
	if t, st := a.term(tok, digit); t != "" {
		out = append(out, t)
		if stems != nil {
			if st == noStem {
				st = a.lex.stem(t)
			}
			*stems = append(*stems, st)
		}
	}
	return out
}

// splitScale splits an amount written with a scale suffix ("5.6m",
// "11bn", "30k", "2tn") into its number and the scale's word.
func splitScale(tok []byte) ([]byte, string, bool) {
	i := 0
	for i < len(tok) && (tok[i] >= '0' && tok[i] <= '9' || tok[i] == '.') {
		i++
	}
	if i == 0 || i == len(tok) || tok[0] == '.' {
		return nil, "", false
	}
	scale, ok := scaleWords[string(tok[i:])]
	return tok[:i], scale, ok
}

var scaleWords = map[string]string{
	"k": "thousand", "m": "million", "mn": "million", "mln": "million",
	"b": "billion", "bn": "billion", "tn": "trillion",
}

// latinFold maps U+00C0..U+017F to lower-case ASCII letters; '?' marks a
// letter folded to two ("æ" ae, "ß" ss, "þ" th, "ĳ" ij, "œ" oe) and ' '
// what is no letter.
const latinFold = "aaaaaa?ceeeeiiiidnooooo ouuuuy??aaaaaa?ceeeeiiiidnooooo ouuuuy?y" +
	"aaaaaaccccccccddddeeeeeeeeeegggggggghhhhiiiiiiiiii??jjkkkllllllllllnnnnnnnnnoooooo??rrrrrrssssssssttttttuuuuuuuuuuuuwwyyyzzzzzzs"

// foldLatin returns the accent-free lower-case form of a Latin letter with
// a diacritic ("Zürich" is zurich, "Ærø" aero), and false for any other rune.
func foldLatin(r rune) (string, bool) {
	if r < 0xC0 || r > 0x17F {
		return "", false
	}
	switch r {
	case 'Æ', 'æ':
		return "ae", true
	case 'ß':
		return "ss", true
	case 'Þ', 'þ':
		return "th", true
	case 'Ĳ', 'ĳ':
		return "ij", true
	case 'Œ', 'œ':
		return "oe", true
	}
	c := latinFold[r-0xC0]
	if c == ' ' || c == '?' {
		return "", false
	}
	return latinFold[r-0xC0 : r-0xC0+1], true
}

func isLetterByte(c byte) bool { return c >= 'a' && c <= 'z' }

func lastIsDigit(buf []byte) bool {
	c := buf[len(buf)-1]
	return c >= '0' && c <= '9'
}

func nextIsDigit(text string, i int) bool {
	return i < len(text) && text[i] >= '0' && text[i] <= '9'
}

// isWordStart reports whether a letter starts at text[i].
func isWordStart(text string, i int) bool {
	if i >= len(text) {
		return false
	}
	r, _ := utf8.DecodeRuneInString(text[i:])
	return unicode.IsLetter(r)
}

// singleLetterNext reports whether text[i:] starts with one ASCII letter not
// followed by another letter or digit: the next part of "U.S." or "e.g.".
func singleLetterNext(text string, i int) bool {
	if i >= len(text) {
		return false
	}
	c := text[i] | 0x20
	if c < 'a' || c > 'z' {
		return false
	}
	if i+1 >= len(text) {
		return true
	}
	r, _ := utf8.DecodeRuneInString(text[i+1:])
	return !unicode.IsLetter(r) && !unicode.IsDigit(r)
}

// stemCache memoises the term of a token (its stem, or "" for a stop
// word): snowball costs about 2µs a word, a lookup some 30ns. It is a
// lock-free, 4-way set-associative table of immutable entries, bounded by
// construction: a full set overwrites one of its entries. A memo of a pure
// function, it changes no observable behaviour.
type stemCache struct {
	slots [stemSlots]atomic.Pointer[stemEntry]
}

const stemSlots = 1 << 18 // 256k words; 2 MiB of pointers

type stemEntry struct {
	word, term string
}

// stems is the process-wide stem memo; see stemCache.
var stems stemCache

// hashToken is the FNV-1a hash of tok, the memos' key.
func hashToken(tok []byte) uint32 {
	h := uint32(2166136261)
	for _, c := range tok {
		h = (h ^ uint32(c)) * 16777619
	}
	return h
}

// termHashed returns the index term of a lower-cased token whose hash
// (hashToken) is h: "" for a stop word, the token itself when it holds a
// digit, else its snowball stem.
func termHashed(tok []byte, digit bool, h uint32) string {
	base := h & (stemSlots - 1)
	for p := range uint32(4) {
		e := stems.slots[(base+p)&(stemSlots-1)].Load()
		if e == nil {
			break
		}
		if e.word == string(tok) {
			return e.term
		}
	}
	w := string(tok)
	t := ""
	if _, stop := stopWords[w]; !stop {
		t = w
		if !digit {
			if st := english.Stem(w, true); st != w {
				t = st
			}
		}
	}
	e := &stemEntry{word: w, term: t}
	victim := (base + h>>30) & (stemSlots - 1)
	for p := range uint32(4) {
		slot := &stems.slots[(base+p)&(stemSlots-1)]
		if slot.Load() == nil {
			victim = (base + p) & (stemSlots - 1)
			break
		}
	}
	stems.slots[victim].Store(e)
	return t
}

// stopWords are dropped from documents and questions alike. "us" is kept:
// in news it is mostly the country.
var stopWords = setOf(
	"a", "about", "above", "after", "again", "against", "all", "also", "am", "an", "and",
	"any", "are", "aren't", "as", "at", "be", "because", "been", "before", "being", "below",
	"between", "both", "but", "by", "can", "can't", "cannot", "could", "couldn't", "did",
	"didn't", "do", "does", "doesn't", "doing", "don't", "down", "during", "each", "either",
	"else", "etc", "even", "ever", "every", "few", "for", "from", "further", "had", "hadn't",
	"has", "hasn't", "have", "haven't", "having", "he", "he'd", "he'll", "he's", "her", "here",
	"here's", "hers", "herself", "him", "himself", "his", "how", "how's", "however", "i",
	"i'd", "i'll", "i'm", "i've", "if", "in", "into", "is", "isn't", "it", "it's", "its",
	"itself", "just", "let's", "many", "may", "me", "might", "more", "most", "much", "must",
	"mustn't", "my", "myself", "neither", "no", "nor", "not", "of", "off", "on", "once",
	"only", "onto", "or", "other", "ought", "our", "ours", "ourselves", "out", "over", "own",
	"per", "same", "shall", "shan't", "she", "she'd", "she'll", "she's", "should",
	"shouldn't", "so", "some", "such", "than", "that", "that's", "the", "their", "theirs",
	"them", "themselves", "then", "there", "there's", "these", "they", "they'd", "they'll",
	"they're", "they've", "this", "those", "though", "through", "thus", "to", "too", "under",
	"until", "up", "upon", "very", "via", "was", "wasn't", "we", "we'd", "we'll", "we're",
	"we've", "were", "weren't", "what", "what's", "whatever", "when", "when's", "where",
	"where's", "whether", "which", "while", "who", "who's", "whom", "whose", "why", "why's",
	"will", "with", "within", "without", "won't", "would", "wouldn't", "yet", "you", "you'd",
	"you'll", "you're", "you've", "your", "yours", "yourself", "yourselves",
)

func setOf(words ...string) map[string]struct{} {
	m := make(map[string]struct{}, len(words))
	for _, w := range words {
		m[w] = struct{}{}
	}
	return m
}
