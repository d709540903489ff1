package briefing

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"briefbot/briefing/corpus"
)

// Verification of an LLM's summary against the passages it was given. The
// unit is the sentence: a sentence is kept only when
//   - it cites at least one passage as [n] (also [n, m], [n-m], [n][m] or
//     [passage n], rewritten to [n][m]),
//   - every passage it cites was given, and
//   - every quotation in it of minQuoteWords words or more (text between
//     straight or curly double quotes) appears in a passage it cites, the
//     same words in the same order; case, whitespace, quote and dash styles
//     may differ, and "..." or "[...]" may stand for omitted text, and
//   - what it says is supported by the passages it cites: its links, numbers
//     and names appear in them, and enough of its words (see
//     summary_support.go); a link that does not appear is removed.
//
// Short uncited fragments such as a "Summary:" heading are dropped without
// counting as sentences.

// minQuoteWords is the length from which quoted text must be verbatim;
// shorter quoted runs are usually terms ("open weights"), not quotations.
const minQuoteWords = 3

// minCountedWords is the length from which an uncited fragment counts as a
// sentence that was dropped.
const minCountedWords = 4

// citeGroup matches one citation group such as [3], [1, 2], [2-4] or
// [passage 2].
var citeGroup = regexp.MustCompile(`(?i)\[\s*(?:passages?\s*)?\d{1,4}(?:\s*(?:,|;|-|–|and)\s*(?:passages?\s*)?\d{1,4})*\s*\]`)

// citeNumber matches the numbers and ranges inside a citation group.
var citeNumber = regexp.MustCompile(`(\d{1,4})(?:\s*[-–]\s*(\d{1,4}))?`)

// listMarker matches a Markdown bullet, number or heading opening a line.
var listMarker = regexp.MustCompile(`^(?:[-*•]\s+|\d{1,2}[.)]\s+|#{1,6}\s+)`)

// omission matches what may stand for omitted words inside a quotation.
var omission = regexp.MustCompile(`\.\.\.|…|\[[^\]]*\]`)

// quoteNormalizer maps typographic variants to plain ASCII for matching.
var quoteNormalizer = strings.NewReplacer(
	"“", `"`, "”", `"`, "„", `"`, "‟", `"`, "″", `"`, "«", `"`, "»", `"`,
	"‘", "'", "’", "'", "‚", "'", "‛", "'", "′", "'",
	"–", "-", "—", "-", "‐", "-", "‑", "-", "−", "-",
	"…", "...", "\u00a0", " ", "\u00ad", "",
)

// verifySummary keeps the sentences of text that pass verification against
// given (passage number -> the text the model saw), keeping line breaks.
func verifySummary(text string, given map[int]string) verdict {
	v := verdict{dropped: map[string]int{}}
	framing := termSet(framingWords)
	var lines []string
	for _, line := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		line = strings.TrimSpace(line)
		marker := listMarker.FindString(line)
		line = line[len(marker):]
		var kept []string
		for _, s := range splitSummarySentences(line) {
			if !strings.ContainsFunc(citeGroup.ReplaceAllString(s, ""), unicode.IsLetter) {
				continue // stray citations or punctuation
			}
			out, reason, links := checkSentence(s, given, framing)
			v.links += links
			switch {
			case reason == "":
				v.kept++
				kept = append(kept, out)
			case reason == "uncited" && len(strings.Fields(s)) < minCountedWords:
				// a heading or label, not a claim
				continue
			default:
				v.dropped[reason]++
			}
		}
		if len(kept) > 0 {
			if strings.HasPrefix(marker, "#") {
				marker = ""
			}
			lines = append(lines, marker+strings.Join(kept, " "))
		} else if line == "" && len(lines) > 0 && lines[len(lines)-1] != "" {
			lines = append(lines, "")
		}
	}
	for _, n := range v.dropped {
		v.total += n
	}
	v.total += v.kept
	v.text = strings.TrimSpace(strings.Join(lines, "\n"))
	return v
}

// checkSentence returns s with its citations in canonical form and its
// unsupported links removed (and how many), or why it is dropped:
// "uncited", "bad_citation", "misquote" or "unsupported_..." (see
// unsupported).
func checkSentence(s string, given map[int]string, framing map[string]struct{}) (string, string, int) {
	groups := citeGroup.FindAllStringIndex(s, -1)
	if len(groups) == 0 {
		return "", "uncited", 0
	}
	var cited []int
	bad := false
	out := citeGroup.ReplaceAllStringFunc(s, func(g string) string {
		var b strings.Builder
		for _, n := range citeNumbers(g) {
			if _, ok := given[n]; !ok {
				bad = true
			}
			cited = append(cited, n)
			fmt.Fprintf(&b, "[%d]", n)
		}
		return b.String()
	})
	if bad || len(cited) == 0 {
		return "", "bad_citation", 0
	}
	for _, q := range quotations(citeGroup.ReplaceAllString(s, " ")) {
		if len(strings.Fields(omission.ReplaceAllString(q, " "))) < minQuoteWords {
			continue
		}
		found := false
		for _, n := range cited {
			if quotedIn(q, given[n]) {
				found = true
				break
			}
		}
		if !found {
			return "", "misquote", 0
		}
	}
	var texts []string
	seen := map[int]bool{}
	for _, n := range cited {
		if !seen[n] {
			seen[n] = true
			texts = append(texts, given[n])
		}
	}
	e := newEvidence(strings.Join(texts, "\n"))
	out, links := removeUnsupportedLinks(out, e)
	if !strings.ContainsFunc(citeGroup.ReplaceAllString(out, ""), unicode.IsLetter) {
		return "", "unsupported_words", links
	}
	if reason := unsupported(citeGroup.ReplaceAllString(out, " "), e, framing); reason != "" {
		return "", reason, links
	}
	return out, "", links
}

// citeNumbers lists the passage numbers a citation group names; a range
// counts as its ends and what lies between (at most 20 numbers).
func citeNumbers(group string) []int {
	var ns []int
	for _, m := range citeNumber.FindAllStringSubmatch(group, -1) {
		a, _ := strconv.Atoi(m[1])
		b := a
		if m[2] != "" {
			b, _ = strconv.Atoi(m[2])
		}
		if b < a || b-a > 20 {
			b = a
			if m[2] != "" {
				// a range backwards or too wide is no citation to trust
				return []int{0}
			}
		}
		for n := a; n <= b; n++ {
			ns = append(ns, n)
		}
	}
	return ns
}

// quotations returns the texts between double quotes in s; an opening quote
// never closed quotes the rest of s.
func quotations(s string) []string {
	parts := strings.Split(quoteNormalizer.Replace(s), `"`)
	var qs []string
	for i := 1; i < len(parts); i += 2 {
		qs = append(qs, parts[i])
	}
	return qs
}

// quotedIn reports whether quotation q appears in passage: its parts between
// omissions, in order, ignoring case, whitespace, quote and dash styles and
// the punctuation at the parts' edges.
func quotedIn(q, passage string) bool {
	text := normalizeForQuote(passage)
	pos := 0
	matched := false
	for _, part := range omission.Split(q, -1) {
		part = strings.Trim(normalizeForQuote(part), " .,;:!?'\"()-")
		if part == "" {
			continue
		}
		i := strings.Index(text[pos:], part)
		if i < 0 {
			return false
		}
		pos += i + len(part)
		matched = true
	}
	return matched
}

// normalizeForQuote lower-cases s, makes quotes, dashes and ellipses plain
// and collapses whitespace.
func normalizeForQuote(s string) string {
	return strings.Join(strings.Fields(strings.ToLower(quoteNormalizer.Replace(s))), " ")
}

// splitSummarySentences splits one line of prose into trimmed sentences.
func splitSummarySentences(s string) []string {
	var out []string
	for _, r := range corpus.SentencesWith(s, corpus.SentenceOptions{Trailer: citationTrailer}) {
		// The corpus splitter trims ASCII blanks and NBSP only; a form
		// feed or another Unicode space is trimmed here.
		if t := strings.TrimSpace(s[r[0]:r[1]]); t != "" {
			out = append(out, t)
		}
	}
	return out
}

// sentenceEnds returns the byte offsets at which the sentences of s end, the
// last being len(s) (none when s is blank). Sentences are corpus.Sentences,
// with any citations after a sentence's end belonging to it.
func sentenceEnds(s string) []int {
	rs := corpus.SentencesWith(s, corpus.SentenceOptions{Trailer: citationTrailer})
	ends := make([]int, len(rs))
	for i, r := range rs {
		ends[i] = r[1]
	}
	if len(ends) > 0 {
		ends[len(ends)-1] = len(s)
	}
	return ends
}

// citationTrailer is the length of the citations opening s ("[2]",
// "[1] [3]"), 0 when none: in a summary they belong to the sentence before.
func citationTrailer(s string) int {
	n := 0
	for {
		loc := citeGroup.FindStringIndex(s[n:])
		if loc == nil || loc[0] != strings.IndexFunc(s[n:], func(r rune) bool { return !unicode.IsSpace(r) }) {
			return n
		}
		n += loc[1]
	}
}

// verdict is what verifySummary made of a reply.
type verdict struct {
	text    string         // the kept sentences
	kept    int            // sentences kept
	total   int            // sentences judged (kept + dropped)
	dropped map[string]int // by reason
	links   int            // unsupported links removed from kept and dropped sentences
}

// reasons lists why sentences were dropped, e.g. "bad_citation=1 uncited=2".
func (v verdict) reasons() string {
	if len(v.dropped) == 0 {
		return "none"
	}
	var parts []string
	for r, n := range v.dropped {
		parts = append(parts, fmt.Sprintf("%s=%d", r, n))
	}
	sort.Strings(parts)
	return strings.Join(parts, " ")
}
