package corpus

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// isGapMenu recognises a menu flattened into one line of plain text: three
// or more items of at most three words, set apart by wide gaps ("Home
// World  Business  Sport"), with no sentence punctuation.
func isGapMenu(s string, sh shape, gaps int) bool {
	if gaps < 2 || sh.words > 3*(gaps+1) || sh.words > 24 {
		return false
	}
	return !strings.ContainsAny(s, ".,;?!") || gaps >= 4 && sh.words <= 2*(gaps+1)
}

// isSectionWord reports whether w (lower case) names a section of a news
// site or a piece of its navigation.
func isSectionWord(w string) bool {
	switch w {
	case "menu", "sections", "section", "navigation", "home", "homepage", "news", "latest", "world", "politics",
		"business", "money", "finance", "markets", "economy", "health", "sport", "sports", "weather", "tech",
		"technology", "science", "culture", "arts", "opinion", "opinions", "lifestyle", "life", "travel",
		"entertainment", "local", "national", "international", "video", "videos", "podcast", "podcasts",
		"education", "environment", "climate", "food", "style", "fashion", "books", "music", "film", "tv",
		"media", "crime", "features", "comment", "analysis", "obituaries", "property", "motoring", "jobs",
		"games", "puzzles", "photos", "magazine", "uk", "us", "u.s", "europe", "asia", "africa", "americas",
		"australia", "live", "top", "stories", "more", "search", "subscribe", "login", "account", "newsletters",
		"newsletter", "shop", "events", "regional", "region", "nation", "metro", "city", "trending", "popular",
		"breaking", "investigations", "explainers", "science & tech", "audio", "watch", "listen", "about",
		"contact", "help", "recipes", "wellness", "family", "cars", "autos", "real", "estate", "elections",
		"election", "royals", "celebrity", "celebrities", "tv & radio", "radio", "sci-tech", "scitech":
		return true
	}
	return false
}

// isSectionMenu recognises a navigation bar that lost its separators: a
// line of capitalised words with no sentence punctuation and no lower-case
// words, most of them section names ("MENU News Politics Money Health
// Sport Weather"), or opening with a word such as "Menu" or "Sections".
func isSectionMenu(s string, sh shape) bool {
	if sh.words < 3 || sh.words > 20 || sh.lower > 0 || strings.ContainsAny(s, ".,;?!\"“”") {
		return false
	}
	section := 0
	for i, w := range strings.Fields(s) {
		lw := strings.ToLower(trimPunct(w))
		if lw == "" || lw == "&" || lw == "and" {
			continue
		}
		if i == 0 && (lw == "menu" || lw == "sections" || lw == "navigation" || lw == "nav") {
			return true
		}
		if isSectionWord(lw) {
			section++
		}
	}
	return section >= 3 && section*2 >= sh.words
}

// isGluedNav recognises navigation labels a scraper ran together, a word
// in capitals glued to the end of another ("Artificial IntelligenceLatest
// News"), when what follows the seam is navigation vocabulary.
func isGluedNav(s string, sh shape) bool {
	if sh.words > 8 || strings.ContainsAny(s, ".,;?!") {
		return false
	}
	for w := range strings.FieldsSeq(s) {
		run := 0
		for i, r := range w {
			switch {
			case unicode.IsLower(r):
				run++
			case unicode.IsUpper(r) && run >= 4:
				rest := strings.ToLower(w[i:] + s[strings.Index(s, w)+len(w):])
				n, nav := 0, 0
				for x := range strings.FieldsSeq(rest) {
					n++
					if isSectionWord(trimPunct(x)) || widgetWord(trimPunct(x)) > 0 {
						nav++
					}
				}
				return n > 0 && nav == n
			default:
				run = 0
			}
		}
	}
	return false
}

// isKicker reports whether the title candidate bs[i] is rather a section
// label or topic tag ("US vs China", "WORLD NEWS"): at most three words,
// none starting in lower case, placed after the article's first sentence
// or right above a longer headline.
func isKicker(bs []block, i int, afterProse bool) bool {
	b := &bs[i]
	bare := b.sh.lower == 0 && !strings.ContainsAny(b.text, ".,;:!?\"“”'’")
	switch {
	case b.sh.words <= 3 && (b.sh.lower == 0 || allMinor(b.text)):
		if afterProse {
			return true
		}
	case b.sh.words >= 5 && bare && sectionWords(b.text) >= 2:
		// A bar of capitalised links that lost its separators ("Politics
		// Foreign Affairs Culture Fellows Program"), above the headline.
	default:
		return false
	}
	j := nextKeptIndex(bs, i)
	if j < 0 || !titleLike(bs, j) || isMetaLine(bs[j].text) {
		return false
	}
	n := &bs[j]
	if b.sh.words >= 5 {
		return n.sh.lower > 0
	}
	return n.sh.words >= 5 || n.sh.words > b.sh.words && n.sh.lower > 0 || nextIsMeta(bs, j)
}

// nextKeptIndex returns the index of the next block after bs[i] that is
// not furniture, or -1 when that block is metadata or there is none.
func nextKeptIndex(bs []block, i int) int {
	for j := i + 1; j < len(bs); j++ {
		n := &bs[j]
		if n.why == keep {
			return j
		}
		if !n.why.furniture() {
			return -1
		}
	}
	return -1
}

// titleLike reports whether bs[i] can be the title: a headline-like line,
// or a longer line in sentence case that does not end like a sentence and
// sits right above the date or byline, as long headlines do.
func titleLike(bs []block, i int) bool {
	b := &bs[i]
	if headlineLike(b) {
		return true
	}
	if b.kind == kItem || b.sh.words > 30 || len(b.text) > 250 || endsSentence(b.sh.last) {
		return false
	}
	return nextIsMeta(bs, i)
}

// allMinor reports whether every word of s that starts in lower case is a
// minor word of a title ("vs", "of", "and").
func allMinor(s string) bool {
	for w := range strings.FieldsSeq(s) {
		r, _ := utf8.DecodeRuneInString(w)
		if unicode.IsLower(r) && !isMinorWord(strings.Trim(w, ".,:;")) {
			return false
		}
	}
	return true
}

// isProse reports whether a block is a sentence of body text (as opposed
// to a headline): it ends like a sentence and has eight words or more.
func isProse(b *block) bool {
	switch b.sh.last {
	case '.', '!', '?', '…':
		return b.sh.words >= 8
	}
	return false
}

// badTitle reports whether a title (from markup or text) has the shape of
// page furniture: a navigation or menu line, a date marker, a byline, a
// widget line, a skip link or a bare section name.
func badTitle(t string) bool {
	if t == "" {
		return false
	}
	sh := scan(t)
	if sh.letters == 0 || isNav(t, sh.seps) || isSectionMenu(t, sh) || isGluedNav(t, sh) {
		return true
	}
	if _, ok := dateLine(t); ok {
		return true
	}
	if _, _, _, ok := parseByline(t); ok {
		return true
	}
	if sh.words <= 35 && prefixRule(t, sh.words) != keep {
		return true
	}
	if sh.words <= 12 && widgetLine(t) != keep {
		return true
	}
	return sh.words == 1 && isSectionWord(strings.ToLower(trimPunct(t)))
}

// sentenceTitle makes a title of a page that has none from the first
// sentence of its text: whole when it is short, otherwise cut after a
// dozen words (at a clause boundary when there is one) with an ellipsis.
func sentenceTitle(text string) string {
	para, _, _ := strings.Cut(text, "\n\n")
	first := para
	if ss := Sentences(para); len(ss) > 0 {
		first = para[ss[0][0]:ss[0][1]]
	}
	first = strings.TrimSpace(first)
	if n := countWords(first); n <= 16 {
		return strings.TrimRight(first, ".")
	}
	words := strings.Fields(first)
	cut := 12
	for k := 12; k >= 7; k-- {
		if strings.HasSuffix(words[k-1], ",") || strings.HasSuffix(words[k-1], ";") || strings.HasSuffix(words[k-1], ":") {
			cut = k
			break
		}
	}
	return strings.TrimRight(strings.Join(words[:cut], " "), ",;:—–-") + "…"
}

// markKickerAbove drops a section label right above the headline bs[i]
// ("Education", "WORLD NEWS"): a line of at most three capitalised words
// that does not end like a sentence.
func markKickerAbove(bs []block, i int) {
	for j := i - 1; j >= 0; j-- {
		b := &bs[j]
		if b.why.furniture() {
			continue
		}
		if b.why == keep && b.kind != kItem && b.sh.words <= 3 && !endsSentence(b.sh.last) && b.sh.last != '?' &&
			(b.sh.lower == 0 || allMinor(b.text)) && !isMetaLine(b.text) {
			b.why = rWidget
		}
		return
	}
}

// isChromeLabel recognises a short label of site chrome ("Breaking News",
// "Top Stories", "WORLD"): capitalised words that all name sections or
// widgets.
func isChromeLabel(s string, sh shape) bool {
	if sh.lower > 0 || endsSentence(sh.last) || sh.last == '?' {
		return false
	}
	n := 0
	for w := range strings.FieldsSeq(s) {
		lw := strings.ToLower(trimPunct(w))
		if lw == "" {
			continue
		}
		if !isSectionWord(lw) && widgetWord(lw) <= 0 {
			return false
		}
		n++
	}
	return n > 0
}

// isTimeLine recognises a line that gives only a time ("Updated 10:32
// GMT", "14.05 BST"), as live pages and tickers show.
func isTimeLine(s string) bool {
	ws := tokens(s, 8)
	if len(ws) == 0 {
		return false
	}
	if _, ok := dateLine(s); ok {
		return false
	}
	clock := false
	for _, w := range ws {
		if !isDateFiller(w.s) {
			return false
		}
		if w.s != "" && isDigit(w.s[0]) && strings.ContainsAny(w.s, ":.") {
			clock = true
		}
	}
	return clock
}

// allLetters reports whether s is non-empty and only letters.
func allLetters(s string) bool {
	for _, r := range s {
		if !unicode.IsLetter(r) {
			return false
		}
	}
	return s != ""
}

// markRepeats drops a paragraph of eight words or more that repeats one
// kept earlier on the page word for word.
func markRepeats(bs []block) {
	var seen map[string]bool
	for i := range bs {
		b := &bs[i]
		if b.why != keep || b.sh.words < 8 {
			continue
		}
		if seen == nil {
			seen = make(map[string]bool)
		}
		if seen[b.text] {
			b.why = rRepeat
			continue
		}
		seen[b.text] = true
	}
}

// sectionWords counts the words of s that name site sections.
func sectionWords(s string) int {
	n := 0
	for w := range strings.FieldsSeq(s) {
		if isSectionWord(strings.ToLower(trimPunct(w))) {
			n++
		}
	}
	return n
}

// isLeadInLabel recognises the heading of a list of other stories ("What's
// Hot", "Most Read", "Editor's Picks", "Don't Miss"): a short line of
// chrome vocabulary naming popularity or recency.
func isLeadInLabel(s string) bool {
	if endsSentence(lastSignificant(s)) {
		return false
	}
	ls := strings.ToLower(strings.Trim(s, " :"))
	for _, p := range [...]string{"what's hot", "what’s hot", "hot right now", "hot topics", "most read", "most popular",
		"most viewed", "most shared", "most commented", "trending", "editor's picks", "editor’s picks", "editors' picks",
		"top picks", "our picks", "don't miss", "don’t miss", "in case you missed it", "popular now", "popular stories",
		"latest stories", "latest headlines", "top stories", "more stories", "more headlines", "recommended for you",
		"you may have missed"} {
		if strings.HasPrefix(ls, p) && countWords(ls) <= countWords(p)+1 {
			return true
		}
	}
	return false
}

// leadsToBody reports whether the headline bs[i] is followed by the
// article: perhaps a standfirst right below it, then date and byline lines,
// then body text, with no other headline in between. One short line (a
// caption, a subheading) may open the text if no date or byline follows it,
// as one would follow another story's headline.
func leadsToBody(bs []block, i int) bool {
	dek, stray := true, true
	for j, steps := i+1, 0; j < len(bs) && steps < 6; j++ {
		b := &bs[j]
		if b.why.furniture() {
			continue
		}
		steps++
		switch {
		case b.why == rDate || b.why == rByline || isMetaLine(b.text):
			dek = false
		case isLong(b) || isProse(b):
			return true
		case dek && b.sh.words >= 5:
			dek = false
		case stray && !nextIsMeta(bs, j):
			dek, stray = false, false
		default:
			return false
		}
	}
	return false
}

// footDate finds the publication date of a page that states it below the
// article rather than above it: a date or byline line among the last
// blocks ("Filed on 3 March 2005", "Posted by Jane Doe, March 3, 2005").
func footDate(pg *page) {
	bs := pg.blocks
	for i, n := len(bs)-1, 0; i >= 0 && n < 12; i-- {
		b := &bs[i]
		if b.why != keep && !b.why.furniture() {
			return // the head's metadata: the article is above
		}
		if b.sh.words > 14 {
			n++
			continue
		}
		n++
		if t, ok := dateLine(b.text); ok && !isUpdateLine(b.text) {
			pg.published, b.why = t, rDate
			return
		}
		if a, _, t, ok := parseByline(b.text); ok && !t.IsZero() {
			pg.published, b.why = t, rByline
			if pg.author == "" {
				pg.author = a
			}
			return
		}
		if a, t, ok := metaLine(b.text); ok {
			pg.published, b.why = t, rByline
			if pg.author == "" {
				pg.author = a
			}
			return
		}
	}
}
