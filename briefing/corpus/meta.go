package corpus

import (
	"net/url"
	"strings"
	"time"
	"unicode"
)

// word is one space-separated token of a line with its byte range.
type word struct {
	s          string // the token with surrounding punctuation trimmed
	start, end int    // range of the raw token in the line
}

// tokens splits a line at spaces, trimming punctuation from each token.
func tokens(s string, max int) []word {
	out := make([]word, 0, 12)
	i := 0
	for i < len(s) {
		for i < len(s) && s[i] == ' ' {
			i++
		}
		j := i
		for j < len(s) && s[j] != ' ' {
			j++
		}
		if j > i {
			if len(out) == max {
				return nil
			}
			out = append(out, word{s: strings.Trim(s[i:j], ",.;:()[]|•·\"'“”‘’"), start: i, end: j})
		}
		i = j
	}
	return out
}

func monthOf(w string) (time.Month, bool) {
	w = strings.TrimSuffix(w, ".")
	if len(w) < 3 || len(w) > 9 {
		return 0, false
	}
	switch lowerASCII(w) {
	case "jan", "january":
		return time.January, true
	case "feb", "february":
		return time.February, true
	case "mar", "march":
		return time.March, true
	case "apr", "april":
		return time.April, true
	case "may":
		return time.May, true
	case "jun", "june":
		return time.June, true
	case "jul", "july":
		return time.July, true
	case "aug", "august":
		return time.August, true
	case "sep", "sept", "september":
		return time.September, true
	case "oct", "october":
		return time.October, true
	case "nov", "november":
		return time.November, true
	case "dec", "december":
		return time.December, true
	}
	return 0, false
}

func dayOf(w string) (int, bool) {
	n := 0
	i := 0
	for i < len(w) && i < 2 && isDigit(w[i]) {
		n = n*10 + int(w[i]-'0')
		i++
	}
	if i == 0 || n < 1 || n > 31 {
		return 0, false
	}
	switch strings.ToLower(w[i:]) {
	case "", "st", "nd", "rd", "th":
		return n, true
	}
	return 0, false
}

func yearOf(w string) (int, bool) {
	if len(w) != 4 || !allDigits(w) {
		return 0, false
	}
	y := int(w[0]-'0')*1000 + int(w[1]-'0')*100 + int(w[2]-'0')*10 + int(w[3]-'0')
	return y, y >= 1900 && y <= 2100
}

func makeDate(y int, m time.Month, d int) (time.Time, bool) {
	t := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	return t, t.Day() == d
}

// isoDate parses a token starting with YYYY-MM-DD or YYYY/MM/DD.
func isoDate(w string) (time.Time, bool) {
	if len(w) < 10 || !allDigits(w[:4]) || (w[4] != '-' && w[4] != '/' && w[4] != '.') || w[7] != w[4] ||
		!allDigits(w[5:7]) || !allDigits(w[8:10]) {
		return time.Time{}, false
	}
	if len(w) > 10 && w[10] != 'T' && w[10] != ' ' && w[10] != 't' {
		return time.Time{}, false
	}
	y, _ := yearOf(w[:4])
	m := int(w[5]-'0')*10 + int(w[6]-'0')
	d := int(w[8]-'0')*10 + int(w[9]-'0')
	if y == 0 || m < 1 || m > 12 {
		return time.Time{}, false
	}
	return makeDate(y, time.Month(m), d)
}

// numericDate parses a day and month written as numbers before a four-digit
// year: "14.02.2020", "14/02/2020", "02/14/2020", "3-9-2021". The order is
// clear when one number is over twelve; otherwise dots mean day first, and
// slashes or hyphens are ambiguous (day first in most of the world, month
// first in the US), so no date is read.
func numericDate(w string) (time.Time, bool) {
	if len(w) < 8 || len(w) > 10 || !isDigit(w[0]) {
		return time.Time{}, false
	}
	sep := byte(0)
	var nums [3]int
	n, k := 0, 0
	for i := 0; i < len(w); i++ {
		switch c := w[i]; {
		case isDigit(c):
			nums[k] = nums[k]*10 + int(c-'0')
			n++
		case (c == '.' || c == '/' || c == '-') && (sep == 0 || c == sep) && k < 2 && n > 0 && n <= 2:
			sep = c
			k++
			n = 0
		default:
			return time.Time{}, false
		}
	}
	if k != 2 || n != 4 || nums[2] < 1900 || nums[2] > 2100 {
		return time.Time{}, false
	}
	a, b := nums[0], nums[1]
	switch {
	case a > 12 && b <= 12:
		return makeDate(nums[2], time.Month(b), a)
	case b > 12 && a <= 12:
		return makeDate(nums[2], time.Month(a), b)
	case a <= 12 && b <= 12 && sep == '.':
		return makeDate(nums[2], time.Month(b), a)
	}
	return time.Time{}, false
}

// dayMonYear parses one token such as "20-Nov-2004" or "20-November-2004".
func dayMonYear(w string) (time.Time, bool) {
	if len(w) < 8 || !isDigit(w[0]) || strings.Count(w, "-") != 2 {
		return time.Time{}, false
	}
	parts := strings.Split(w, "-")
	d, ok1 := dayOf(parts[0])
	m, ok2 := monthOf(parts[1])
	y, ok3 := yearOf(parts[2])
	if !ok1 || !ok2 || !ok3 {
		return time.Time{}, false
	}
	return makeDate(y, m, d)
}

// findDate finds the first calendar date written in s ("February 4, 2025",
// "Feb. 4, 2025", "4 February 2025", "13 Feb, 2025", "4th of February 2025",
// "2025-02-04") and returns it with the index range of its tokens in ws.
func findDate(ws []word) (t time.Time, first, last int, ok bool) {
	for i := range ws {
		w := ws[i].s
		if t, ok := isoDate(w); ok {
			return t, i, i, true
		}
		if t, ok := numericDate(w); ok {
			return t, i, i, true
		}
		if t, ok := dayMonYear(w); ok {
			return t, i, i, true
		}
		if i+2 >= len(ws) {
			continue
		}
		if m, ok := monthOf(w); ok {
			if d, ok := dayOf(ws[i+1].s); ok {
				if y, ok := yearOf(ws[i+2].s); ok {
					if t, ok := makeDate(y, m, d); ok {
						return t, i, i + 2, true
					}
				}
			}
			continue
		}
		if d, ok := dayOf(w); ok {
			j := i + 1
			if strings.EqualFold(ws[j].s, "of") {
				j++
			}
			if j+1 < len(ws) {
				if m, ok := monthOf(ws[j].s); ok {
					if y, ok := yearOf(ws[j+1].s); ok {
						if t, ok := makeDate(y, m, d); ok {
							return t, i, j + 1, true
						}
					}
				}
			}
		}
	}
	return time.Time{}, 0, 0, false
}

// isDateFiller reports whether a token may sit beside a date on a date line:
// weekdays, "Published", "Updated", times, time zones, reading times.
func isDateFiller(w string) bool {
	if w == "" || allDigits(w) || isDateWord(w) || isTimeZone(w) {
		return true
	}
	if _, ok := monthOf(w); ok {
		return true // a second date: "Published: March 12, 2025 | Updated: March 13, 2025"
	}
	// 10:32, 10:32am, 10.32
	return isDigit(w[0]) && strings.ContainsAny(w, ":.")
}

// isDateWord reports whether w is a word that introduces or accompanies a
// date ("Published", "on", "Tuesday").
func isDateWord(w string) bool {
	switch lowerASCII(w) {
	case "published", "posted", "updated", "last", "modified", "filed", "on", "at", "date", "dated", "am", "pm",
		"a.m", "p.m", "min", "mins", "minute", "minutes", "read", "reading", "time", "and", "in", "news",
		"monday", "mon", "tuesday", "tue", "tues", "wednesday", "wed", "thursday", "thu", "thur", "thurs",
		"friday", "fri", "saturday", "sat", "sunday", "sun":
		return true
	}
	return false
}

// isTimeZone reports whether w is a time zone: "GMT", "ET", "UTC+1".
func isTimeZone(w string) bool {
	if i := strings.IndexAny(w, "+-"); i > 0 {
		w = w[:i]
	}
	switch w {
	case "Z", "UTC", "GMT", "ET", "EST", "EDT", "CT", "CST", "CDT", "MT", "MST", "MDT", "PT", "PST", "PDT", "BST",
		"CET", "CEST", "EET", "EEST", "WET", "WEST", "IST", "JST", "KST", "HKT", "SGT", "AEST", "AEDT", "AET",
		"ACST", "AWST", "NZST", "NZDT", "MSK":
		return true
	}
	return false
}

// dateLine reports whether s is a line that states a date and little else.
func dateLine(s string) (time.Time, bool) {
	if len(s) > 120 {
		return time.Time{}, false
	}
	ws := tokens(s, 14)
	if ws == nil {
		return time.Time{}, false
	}
	t, first, last, ok := findDate(ws)
	if !ok {
		return time.Time{}, false
	}
	for i, w := range ws {
		if i >= first && i <= last {
			continue
		}
		if !isDateFiller(w.s) {
			return time.Time{}, false
		}
	}
	return t, true
}

// parseDateValue parses a date from metadata (front matter, meta tags):
// RFC 3339, ISO dates with or without a time, or a written date.
func parseDateValue(s string) (time.Time, bool) {
	s = strings.Trim(strings.TrimSpace(s), "\"'")
	if s == "" {
		return time.Time{}, false
	}
	for _, layout := range [...]string{time.RFC3339, "2006-01-02T15:04:05Z0700", "2006-01-02T15:04:05", "2006-01-02T15:04",
		"2006-01-02 15:04:05 -0700", "2006-01-02 15:04:05 -07:00", "2006-01-02 15:04:05", "2006-01-02 15:04",
		time.RFC1123Z, time.RFC1123, "Mon, 2 Jan 2006 15:04:05 -0700"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	ws := tokens(s, 20)
	if t, _, _, ok := findDate(ws); ok {
		return t, true
	}
	return time.Time{}, false
}

// bylinePrefixes open a byline; a space or a colon follows them.
var bylinePrefixes = [...]string{"by", "written by", "posted by", "words by", "story by", "reported by",
	"author", "authors", "byline", "text by", "published by"}

// bylineRest returns what follows a byline prefix in s ("Jane Doe" of "By:
// Jane Doe"), and whether s starts with one.
func bylineRest(s string) (string, bool) {
	for _, p := range bylinePrefixes {
		if hasPrefixFold(s, p) && len(s) > len(p) && (s[len(p)] == ' ' || s[len(p)] == ':') {
			return strings.TrimLeft(s[len(p):], " :"), true
		}
	}
	return "", false
}

// parseByline reads a byline such as "By Jane Doe and John Roe",
// "By Jane Doe | The Example Times | Feb. 4, 2025" or "Written by Jane Doe,
// Staff Writer". ok is false when s is not a byline.
func parseByline(s string) (author, source string, date time.Time, ok bool) {
	if len(s) > 200 || countWords(s) > 18 {
		return "", "", time.Time{}, false
	}
	rest, _ := bylineRest(s)
	if rest == "" {
		return "", "", time.Time{}, false
	}
	// A date anywhere on the line.
	ws := tokens(rest, 24)
	if t, first, last, found := findDate(ws); found {
		date = t
		after := strings.TrimSpace(rest[ws[last].end:])
		rest = strings.TrimSpace(rest[:ws[first].start])
		rest = trimDateWords(rest)
		if rest == "" {
			rest = after
		}
	}
	rest = strings.TrimRight(rest, " ,;:|•·-–—")
	// Split off an outlet: "| Outlet", " - Outlet", " for Outlet".
	for _, sep := range [...]string{" | ", "|", " • ", " · ", " - ", " – ", " — ", " for "} {
		if i := strings.Index(rest, sep); i > 0 {
			src := strings.Trim(rest[i+len(sep):], " ,;:|•·-–—")
			rest = strings.TrimSpace(rest[:i])
			if src != "" && countWords(src) <= 6 && !isRole(src) && isTitleCase(src) {
				source = src
			}
			break
		}
	}
	var names []string
	parts := strings.FieldsFunc(rest, func(r rune) bool { return r == ',' || r == '&' || r == ';' })
	for i, part := range parts {
		for _, p := range strings.Split(part, " and ") {
			p = strings.TrimSpace(p)
			switch {
			case p == "":
			case isRole(p):
			case isNameLine(p) && !hasPrefixFold(p, "the "):
				names = append(names, titleName(p))
			case hasPrefixFold(p, "the ") && isTitleCase(p) && countWords(p) <= 6:
				if source == "" {
					source = p // "By The Example Press"
				}
			case i > 0 && countWords(p) <= 4 && isTitleCase(p) && source == "":
				source = p // "By Jane Doe, Reuters"
			default:
				return "", "", time.Time{}, false
			}
		}
	}
	if len(names) == 0 && source == "" && !isRole(rest) {
		return "", "", time.Time{}, false
	}
	return joinNames(names), source, date, true
}

// metaLine reads a short line of article metadata that is neither a plain
// byline nor a plain date line: a date with a byline before or after it
// ("Posted on February 4, 2025 by admin", "Jane Doe, February 4, 2025",
// "February 4, 2025 | Jane Doe"). The author is "" when the names do not
// parse.
func metaLine(s string) (author string, date time.Time, ok bool) {
	if countWords(s) > 14 {
		return "", time.Time{}, false
	}
	ws := tokens(s, 24)
	t, first, last, found := findDate(ws)
	if !found {
		return "", time.Time{}, false
	}
	before := strings.Trim(s[:ws[first].start], " ,;:|•·-–—")
	after := strings.Trim(s[ws[last].end:], " ,;:|•·-–—")
	side := func(part string) (string, bool) {
		// Drop filler words ("Posted on", "Updated", times) from the ends.
		fs := strings.Fields(part)
		for len(fs) > 0 && isDateFiller(strings.Trim(fs[0], ",.;:|•·-–—")) {
			fs = fs[1:]
		}
		part = strings.Trim(trimDateWords(strings.Join(fs, " ")), " ,;:|•·-–—")
		switch {
		case part == "":
			return "", true
		case isNameLine(part):
			return part, true
		case isRole(part):
			return "", true // "Staff reporter, March 3, 2025"
		case countWords(part) == 1 && allLetters(part) && unicode.IsUpper([]rune(part)[0]):
			return "", true // an outlet: "Examplewire Jul. 4, 2010"
		}
		if rest, ok := bylineRest(part); ok {
			if a, _, _, ok := parseByline(part); ok {
				return a, true
			}
			return "", countWords(rest) <= 3 // "by admin"
		}
		return "", false
	}
	a1, ok1 := side(before)
	a2, ok2 := side(after)
	if !ok1 || !ok2 {
		return "", time.Time{}, false
	}
	if a1 == "" {
		a1 = a2
	}
	return titleName(a1), t, true
}

// trimDateWords drops the words that lead up to a date ("on", "Published",
// a weekday, separators) from the end of s.
func trimDateWords(s string) string {
	fs := strings.Fields(s)
	for len(fs) > 0 {
		w := strings.Trim(fs[len(fs)-1], ",.;:|•·-–—")
		if w != "" && !isDateWord(w) {
			break
		}
		fs = fs[:len(fs)-1]
	}
	return strings.Join(fs, " ")
}

// isRole reports whether s is a job title in a byline ("Staff Writer").
func isRole(s string) bool {
	if countWords(s) > 5 {
		return false
	}
	for _, w := range firstWords(s, 5) {
		switch w {
		case "writer", "reporter", "editor", "correspondent", "contributor", "staff", "columnist",
			"analyst", "journalist", "producer", "senior", "chief", "editors", "reporters", "team", "desk", "contributing":
			return true
		}
	}
	return false
}

// titleName turns an all-capitals name into title case.
func titleName(s string) string {
	if strings.ToUpper(s) != s {
		return s
	}
	var b strings.Builder
	up := true
	for _, r := range s {
		if up {
			b.WriteRune(r)
		} else {
			b.WriteRune(unicode.ToLower(r))
		}
		up = r == ' ' || r == '-' || r == '\''
	}
	return b.String()
}

func joinNames(names []string) string {
	switch len(names) {
	case 0:
		return ""
	case 1:
		return names[0]
	case 2:
		return names[0] + " and " + names[1]
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

// sourceLine reads a credit line naming where an article comes from:
// "Source: Reuters", "Originally published on The Example Times",
// "This article first appeared in X", "© 2025 The Example Times. All rights
// reserved." ok is false when s is not such a line. The returned source may
// be "" when the line is a credit without a usable name.
func sourceLine(s string) (source string, ok bool) {
	if len(s) > 240 || countWords(s) > 30 {
		return "", false
	}
	switch w := firstWordLower(s); {
	case w == "source" || w == "sources" || w == "via" || strings.HasPrefix(w, "copyright") || w == "republished" || w == "reprinted",
		strings.HasPrefix(s, "©") || hasPrefixFold(s, "(c) "),
		onlyCreditWords(w):
	case w == "all" && hasPrefixFold(s, "all content"):
		// "All content © Example News": the notice after the mark.
		if i := strings.IndexAny(s, "©("); i > 0 && i < 20 {
			return sourceLine(s[i:])
		}
		return "", false
	default:
		return "", false
	}
	ls := lowerASCII(s[:min(len(s), 100)]) // credits say what they are up front
	switch {
	case strings.HasPrefix(ls, "source:") || strings.HasPrefix(ls, "sources:") || strings.HasPrefix(ls, "via:") ||
		strings.HasPrefix(ls, "source -") || strings.HasPrefix(ls, "source –"):
		i := strings.IndexAny(s, ":-–")
		if countWords(s) > 10 {
			return "", false
		}
		return cleanSource(s[i+1:]), true
	case strings.HasPrefix(ls, "©") || strings.HasPrefix(ls, "(c) ") || isCopyrightWord(ls):
		rest := s
		switch {
		case strings.HasPrefix(ls, "(c) "):
			rest = s[4:]
		case strings.HasPrefix(ls, "copyright"):
			rest = s[len("copyright"):]
		}
		rest = strings.TrimLeft(rest, "©:(c) ")
		// skip the year or years
		for len(rest) > 0 && (isDigit(rest[0]) || rest[0] == '-' || rest[0] == ' ' || rest[0] == ',') {
			rest = rest[1:]
		}
		rest = strings.TrimPrefix(rest, "–")
		if i := strings.Index(lowerASCII(rest), "all rights reserved"); i >= 0 {
			rest = rest[:i]
		}
		return cleanSource(rest), true
	}
	for _, verb := range [...]string{" is from ", " comes from ", " was first published by ", " is republished from "} {
		// "This report is from Example News and is used under licence."
		if i := strings.Index(ls, verb); i > 0 && i < 40 && onlyCreditWords(ls[:i]) {
			return cleanSource(s[i+len(verb):]), true
		}
	}
	for _, verb := range [...]string{"originally published", "first published", "originally appeared", "first appeared",
		"originally ran", "first ran", "republished", "reprinted", "published originally", "appeared originally"} {
		i := strings.Index(ls, verb)
		if i < 0 || i > 50 || !onlyCreditWords(ls[:i]) {
			continue
		}
		rest := ls[i+len(verb):]
		best := -1
		var prep string
		for _, p := range [...]string{" on ", " in ", " at ", " by ", " from ", " with permission of ", " courtesy of "} {
			if j := strings.Index(rest, p); j >= 0 && (best < 0 || j < best) {
				best, prep = j, p
			}
		}
		if best < 0 {
			return "", true
		}
		start := i + len(verb) + best + len(prep)
		src := s[start:]
		if strings.HasPrefix(lowerASCII(src), "permission ") {
			if k := strings.Index(lowerASCII(src), " from "); k >= 0 {
				src = src[k+6:]
			}
		}
		return cleanSource(src), true
	}
	return "", false
}

// isCopyrightWord reports whether ls (lower case) opens with "copyright"
// followed by a year or a copyright sign, as a credit line does.
func isCopyrightWord(ls string) bool {
	if !strings.HasPrefix(ls, "copyright") {
		return false
	}
	rest := strings.TrimLeft(ls[len("copyright"):], " :")
	return strings.HasPrefix(rest, "©") || strings.HasPrefix(rest, "(c)") || (rest != "" && isDigit(rest[0]))
}

// onlyCreditWords reports whether the lower-case words before a credit verb
// are the usual ones ("this article was", "a version of this story").
func onlyCreditWords(s string) bool {
	for w := range strings.FieldsSeq(s) {
		switch strings.Trim(w, ",.:") {
		case "this", "article", "story", "post", "piece", "essay", "column", "content", "report", "was", "has",
			"been", "is", "a", "an", "the", "version", "of", "it", "originally", "first", "and", "blog", "interview":
		default:
			return false
		}
	}
	return true
}

// cleanSource trims a source name taken from a credit line: it stops at a
// sentence end, a date or a clause, and turns a URL into its host.
func cleanSource(s string) string {
	s = strings.TrimSpace(s)
	if u, err := url.Parse(s); err == nil && u.Host != "" && (u.Scheme == "http" || u.Scheme == "https") {
		return strings.TrimPrefix(u.Host, "www.")
	}
	if i := strings.Index(s, "http://"); i > 0 {
		s = s[:i] // "Example News: http://..."
	}
	if i := strings.Index(s, "https://"); i > 0 {
		s = s[:i]
	}
	for _, stop := range [...]string{". ", ", ", " on ", " and is ", " and has ", " under ", " (", " | ", "; ", " - ", " — "} {
		if i := strings.Index(s, stop); i > 0 {
			s = s[:i]
		}
	}
	s = strings.Trim(s, " .,;:!\"'“”")
	if ws := tokens(s, 20); ws != nil {
		if _, first, _, ok := findDate(ws); ok {
			s = strings.TrimSpace(s[:ws[first].start])
		}
	}
	s = strings.Trim(s, " .,;:")
	s = strings.TrimPrefix(s, "the ") // "is from the Example Post"
	if i := strings.LastIndexByte(s, ' '); i > 0 {
		if _, ok := yearOf(strings.Trim(s[i+1:], "()")); ok {
			s = strings.TrimRight(s[:i], " ,.-–") // "© Example Notes 2021"
		}
	}
	if s == "" || countWords(s) > 8 {
		return ""
	}
	return s
}

// findDomain returns the first web domain named in s ("example.com"), or "".
func findDomain(s string) string {
	for w := range strings.FieldsSeq(s) {
		w = strings.Trim(w, ".,;:()[]\"'“”‘’!?")
		if i := strings.Index(w, "://"); i >= 0 {
			if u, err := url.Parse(w); err == nil && u.Host != "" {
				return strings.TrimPrefix(strings.ToLower(u.Host), "www.")
			}
			continue
		}
		dot := strings.LastIndexByte(w, '.')
		if dot <= 0 || dot == len(w)-1 || strings.ContainsAny(w, "@/#{}") {
			continue
		}
		tld := w[dot+1:]
		if len(tld) < 2 || len(tld) > 6 || !isLettersOnly(tld) || strings.ToLower(tld) != tld {
			continue
		}
		label := w[:dot]
		ok := label != ""
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !isASCIILetter(c) && !isDigit(c) && c != '-' && c != '.' {
				ok = false
				break
			}
		}
		if ok && isASCIILetter(label[0]) || ok && isDigit(label[0]) {
			return strings.TrimPrefix(strings.ToLower(w), "www.")
		}
	}
	return ""
}

// creditKind ranks a credit line as evidence of an article's source: 2 for
// an attribution of the article itself ("Source: ...", "Originally
// published in ...", "This report is from ..."), 1 for a copyright notice,
// which often names only the site that republished it.
func creditKind(s string) int {
	ls := lowerASCII(strings.TrimLeft(s, "([ "))
	if strings.HasPrefix(ls, "©") || strings.HasPrefix(ls, "(c)") || strings.HasPrefix(ls, "copyright") ||
		strings.HasPrefix(ls, "all content") || strings.Contains(ls, "all rights reserved") {
		return 1
	}
	return 2
}

// findURL returns the first http(s) URL written in s, or "".
func findURL(s string) string {
	for _, scheme := range [...]string{"https://", "http://"} {
		i := strings.Index(s, scheme)
		if i < 0 {
			continue
		}
		end := i
		for end < len(s) && s[end] != ' ' && s[end] != '"' && s[end] != '<' && s[end] != '>' {
			end++
		}
		u := strings.TrimRight(s[i:end], ".,;:!?")
		if strings.Count(u, "(") < strings.Count(u, ")") {
			u = strings.TrimSuffix(u, ")") // "(https://example.com/page)"
		}
		if p, err := url.Parse(u); err == nil && p.Host != "" {
			return u
		}
	}
	return ""
}
