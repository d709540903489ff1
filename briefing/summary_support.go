package briefing

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"briefbot/briefing/search"
)

// Support: a cited sentence is kept only when what it says can be found in
// the passages it cites (their title, source, date and text):
//   - every link in it appears in a cited passage; a link that does not is
//     removed from the sentence (a Markdown or Slack link keeps its label),
//   - every number in it appears in a cited passage, as does every word
//     mixing letters and digits and every word of 20 characters or more,
//   - every name in it (a capitalised word other than the sentence's first)
//     appears in a cited passage, and
//   - at least half of its content words (stemmed, stop words and
//     attribution verbs such as "reports" or "according" left out) appear
//     in the cited passages.
//
// Sentences that fail are dropped as "unsupported_number",
// "unsupported_name" or "unsupported_words".

// minSupport is the share of a sentence's content words its cited passages
// must contain.
const minSupport = 0.5

// longToken is the length from which a word must appear verbatim in a cited
// passage (keys, hashes, encoded data).
const longToken = 20

// framingWords are attribution and framing words a summary adds that need
// no support: "According to X, ...", "X reports that ...".
const framingWords = "according report reports reported reporting say says said saying state states stated " +
	"note notes noted add adds added write writes wrote written quote quotes quoted cite cites cited " +
	"describe describes described cover covers covered mention mentions mentioned tell tells told " +
	"explain explains explained claim claims claimed article articles passage passages source sources " +
	"story stories outlet publication summary highlight highlights highlighted"

var (
	// markdownLink matches [label](url).
	markdownLink = regexp.MustCompile(`\[([^\[\]]+)\]\(\s*([^()\s]+)\s*\)`)
	// slackLink matches <url|label> and <url>.
	slackLink = regexp.MustCompile(`<((?i:https?://|mailto:)[^<>|\s]+)(?:\|([^<>]*))?>`)
	// bareURL matches a URL with a scheme or www., or a domain with a
	// common top-level domain, with an optional path.
	bareURL = regexp.MustCompile(`(?i)(?:\b(?:https?|ftp)://|\bwww\.)[^\s<>"'\[\]()]+|\b(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+(?:com|net|org|info|biz|xyz|io|co|app|dev|ly|me|ru|cn|uk|de|fr|top|site|online|link|click|zip|gov|edu|tk|gq|ml|ai)\b(?:/[^\s<>"'\[\]()]*)?`)
	// numberRE matches a number, digit groups kept together.
	numberRE = regexp.MustCompile(`\p{N}+(?:[.,]\p{N}+)*`)
	// supportWordRE matches a run of letters and digits.
	supportWordRE = regexp.MustCompile(`[\p{L}\p{N}]+`)
	// numberWithUnit matches a number with a short suffix: 12th, 1990s, 5bn.
	numberWithUnit = regexp.MustCompile(`^\p{N}+(?:st|nd|rd|th|s|m|bn|b|k|tn|pc|am|pm|kg|km|mw|gw|kw|gb|tb|mb|x)$`)
)

// evidence is what the cited passages of a sentence contain.
type evidence struct {
	text    string              // lower-cased, for links
	terms   map[string]struct{} // search.Analyze terms
	words   map[string]struct{} // lower-cased letter-and-digit runs
	numbers map[string]struct{} // numbers without group separators
}

func newEvidence(text string) *evidence {
	e := &evidence{
		text:    strings.ToLower(quoteNormalizer.Replace(text)),
		terms:   map[string]struct{}{},
		words:   map[string]struct{}{},
		numbers: map[string]struct{}{},
	}
	for _, t := range search.Analyze(text) {
		e.terms[t] = struct{}{}
	}
	for _, w := range supportWordRE.FindAllString(e.text, -1) {
		e.words[w] = struct{}{}
	}
	for _, n := range numberRE.FindAllString(text, -1) {
		e.numbers[normalizeNumber(n)] = struct{}{}
	}
	return e
}

// normalizeNumber drops thousands separators: "1,000" and "1000" match.
func normalizeNumber(n string) string {
	return strings.ReplaceAll(n, ",", "")
}

// hasURL reports whether the cited text contains u, ignoring case, the
// scheme, a leading www. and a trailing slash.
func (e *evidence) hasURL(u string) bool {
	u = strings.ToLower(u)
	for _, p := range []string{"https://", "http://", "ftp://", "mailto:"} {
		u = strings.TrimPrefix(u, p)
	}
	u = strings.TrimSuffix(strings.TrimPrefix(u, "www."), "/")
	return u != "" && strings.Contains(e.text, u)
}

// removeUnsupportedLinks removes from s the links its evidence does not
// contain, keeping the labels of Markdown and Slack links, and returns how
// many it removed. It repeats until nothing is left to remove, since the
// text closing up around a removed link can form a new one ("x .co").
func removeUnsupportedLinks(s string, e *evidence) (string, int) {
	total := 0
	for {
		out, n := removeLinksOnce(s, e)
		total += n
		if n == 0 || out == s {
			return out, total
		}
		s = out
	}
}

// removeLinksOnce is one pass of removeUnsupportedLinks.
func removeLinksOnce(s string, e *evidence) (string, int) {
	removed := 0
	s = markdownLink.ReplaceAllStringFunc(s, func(m string) string {
		sub := markdownLink.FindStringSubmatch(m)
		if !isLink(sub[2]) || e.hasURL(sub[2]) {
			return m
		}
		removed++
		return sub[1]
	})
	s = slackLink.ReplaceAllStringFunc(s, func(m string) string {
		sub := slackLink.FindStringSubmatch(m)
		if e.hasURL(sub[1]) {
			return m
		}
		removed++
		return sub[2]
	})
	s = bareURL.ReplaceAllStringFunc(s, func(m string) string {
		u := strings.TrimRight(m, ".,;:!?")
		if e.hasURL(u) {
			return m
		}
		removed++
		return m[len(u):]
	})
	if removed > 0 {
		s = tidySpaces(s)
	}
	return s, removed
}

// isLink reports whether a Markdown link target is a URL.
func isLink(target string) bool {
	return bareURL.MatchString(target) || strings.HasPrefix(strings.ToLower(target), "mailto:")
}

// tidySpaces collapses the spaces a removed link leaves, and the space it
// leaves before punctuation.
func tidySpaces(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	for _, p := range []string{".", ",", ";", ":", "!", "?", ")"} {
		s = strings.ReplaceAll(s, " "+p, p)
	}
	return strings.ReplaceAll(strings.ReplaceAll(s, "()", ""), "( ", "(")
}

// unsupported returns why sentence s (citations removed) is not supported
// by e, or "" when it is.
func unsupported(s string, e *evidence, framing map[string]struct{}) string {
	norm := quoteNormalizer.Replace(s)
	for _, n := range numberRE.FindAllString(norm, -1) {
		if _, ok := e.numbers[normalizeNumber(n)]; !ok {
			return "unsupported_number"
		}
	}
	words := supportWordRE.FindAllStringIndex(norm, -1)
	for i, loc := range words {
		w := norm[loc[0]:loc[1]]
		lw := strings.ToLower(w)
		hasDigit := strings.ContainsFunc(w, unicode.IsDigit)
		hasLetter := strings.ContainsFunc(w, unicode.IsLetter)
		if (hasDigit && hasLetter && !numberWithUnit.MatchString(lw)) || utf8.RuneCountInString(w) >= longToken {
			if _, ok := e.words[lw]; !ok {
				return "unsupported_number"
			}
			continue
		}
		first, _ := utf8.DecodeRuneInString(w)
		if i == 0 || !unicode.IsUpper(first) {
			continue
		}
		for _, t := range search.Analyze(w) {
			if _, ok := e.terms[t]; !ok {
				return "unsupported_name"
			}
		}
	}
	content, found := 0, 0
	for _, t := range search.Analyze(norm) {
		if _, skip := framing[t]; skip {
			continue
		}
		content++
		if _, ok := e.terms[t]; ok {
			found++
		}
	}
	if content > 0 && float64(found) < minSupport*float64(content) {
		return "unsupported_words"
	}
	return ""
}

// termSet returns the search.Analyze terms of s.
func termSet(s string) map[string]struct{} {
	m := map[string]struct{}{}
	for _, t := range search.Analyze(s) {
		m[t] = struct{}{}
	}
	return m
}

// PassageEvidence is the text a summary sentence citing p may draw on: its
// title, source, date and text, one a line.
func passageEvidence(p SummaryPassage) string {
	return strings.Join([]string{p.Title, p.Source, p.Date, p.Text}, "\n")
}
