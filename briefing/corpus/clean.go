package corpus

import (
	"slices"
	"strings"
	"time"
)

// blockKind is what markup said a block is; plain text has only paragraphs.
type blockKind uint8

const (
	kPara blockKind = iota
	kHeading
	kItem
)

// reason says why a block is not article text, or keep.
type reason uint8

const (
	keep      reason = iota
	rJunk            // no letters at all
	rCode            // CSS, script or markup fragments
	rHashtags        // "#AI #DeepSeek ..."
	rWidget          // share, comment, navigation and ad vocabulary
	rLeadIn          // "Prev Post", "Related articles": other articles' headlines follow
	rComments        // start of the comment section: everything after it goes
	rPromo           // calls to action, newsletter, cookie and comment-form text
	rCredit          // image credits, wire credits
	rNav             // "Home | World | Tech"
	rLinks           // link-dense HTML block
	rSource          // a credit line naming the source
	rMenu            // a run of very short lines
	rTitle           // used as the title
	rByline          // used as the byline
	rDate            // used as the date
	rTail            // after the article: other headlines, the author's name
	rBio             // author biography after the article
	rRepeat          // a paragraph the page already showed (a pull quote, a scraping artefact)
)

// block is one paragraph, heading or list item of a page before cleaning.
type block struct {
	text string
	kind blockKind
	link float64 // share of the text inside links (HTML only)
	gaps int     // wide gaps between words in the raw line (plain text only)
	why  reason
	sh   shape
}

// page is a parsed file: its blocks and any metadata the markup carried.
type page struct {
	blocks    []block
	title     string
	author    string
	source    string
	url       string
	published time.Time
	// lateDate is a date the markup gives without saying it is the
	// publication date (an HTML <time>): used when the text states none.
	lateDate time.Time
}

// furniture reports whether r marks page furniture, as opposed to text used
// as metadata or kept.
func (r reason) furniture() bool {
	switch r {
	case keep, rTitle, rByline, rDate:
		return false
	}
	return true
}

// clean marks the blocks of pg that are not article text and fills in the
// metadata the text carries. Rules run from local (one line's shape and
// vocabulary) to contextual (position, neighbours).
func clean(pg *page) {
	bs := pg.blocks
	totalWords := 0
	credit, creditRank := "", 0 // the best source a credit line names
	for i := range bs {
		b := &bs[i]
		if text, notice := cutInline(b.text); notice != "" || text != b.text {
			b.text = text
			if notice != "" {
				if src, ok := sourceLine(notice); ok && src != "" && creditRank < 1 {
					credit, creditRank = src, 1
				}
			}
		}
		b.sh = scan(b.text)
		totalWords += b.sh.words
		b.why = classify(b)
		if b.why == rSource {
			src, _ := sourceLine(b.text)
			if rank := creditKind(b.text); src != "" && rank > creditRank {
				credit, creditRank = src, rank
			}
			if pg.url == "" {
				pg.url = findURL(b.text)
			}
		}
	}
	if pg.source == "" {
		pg.source = credit
	}
	markMenus(bs)
	head(pg)
	markComments(bs, totalWords)
	markLeadIns(bs)
	markAuthorLines(pg)
	markTail(pg)
	markRepeats(bs)
	if pg.published.IsZero() {
		footDate(pg)
	}
	if pg.source == "" {
		for i := range bs {
			switch bs[i].why {
			case rBio, rCredit, rPromo, rSource, rWidget:
				if d := findDomain(bs[i].text); d != "" {
					pg.source = d
				}
			}
			if pg.source != "" {
				break
			}
		}
	}
}

// classify applies the rules that need only the block itself.
func classify(b *block) reason {
	s, sh := b.text, b.sh
	switch {
	case sh.letters == 0 && sh.digits == 0, sh.words == 1 && sh.bytes <= 2:
		return rJunk
	case sh.letters == 0:
		if _, ok := dateLine(s); ok {
			return keep // a date, for head()
		}
		return rJunk
	case isCode(s, sh):
		return rCode
	case sh.hashtags >= 2 && sh.hashtags*2 >= sh.words, sh.hashtags >= 1 && sh.hashtags == sh.words:
		return rHashtags
	case b.link >= 0.5 && sh.words <= 25, b.link >= 0.8 && sh.words <= 80:
		return rLinks
	case isNav(s, sh.seps), isGapMenu(s, sh, b.gaps), isSectionMenu(s, sh), isGluedNav(s, sh):
		return rNav
	}
	if sh.words <= 35 {
		if r := prefixRule(s, sh.words); r != keep {
			return r
		}
		if _, ok := sourceLine(s); ok {
			return rSource
		}
	}
	if sh.words <= 12 && b.kind != kItem {
		if _, isDate := dateLine(s); !isDate {
			if r := widgetLine(s); r != keep {
				return r
			}
		}
	}
	if sh.words <= 4 && b.kind != kItem && isLeadInLabel(s) {
		return rLeadIn
	}
	if sh.words <= 4 && b.kind != kItem && isChromeLabel(s, sh) {
		return rNav
	}
	if sh.words <= 8 && isTimeLine(s) {
		return rWidget
	}
	if sh.words <= 60 && isPromo(s, sh) {
		return rPromo
	}
	return keep
}

// isCode recognises style sheets, scripts and markup that leaked into text:
// braces with declarations, at-rules, or text dense in code symbols.
func isCode(s string, sh shape) bool {
	if sh.braces >= 2 && strings.ContainsAny(s, ":;") {
		return true
	}
	if sh.braces >= 1 && (s[0] == '.' || s[0] == '#' || s[0] == '@') {
		return true
	}
	if s[0] == '@' {
		for _, p := range [...]string{"@media", "@font-face", "@import", "@keyframes", "@charset", "@supports", "@page"} {
			if strings.HasPrefix(s, p) {
				return true
			}
		}
	}
	if s[0] == '<' && strings.IndexByte(s, '>') > 0 && len(s) > 1 && (isASCIILetter(s[1]) || s[1] == '/' || s[1] == '!') {
		return true
	}
	if sh.syms*8 > sh.bytes && sh.letters*2 < sh.bytes {
		return true
	}
	if sh.braces == 0 && sh.semis < 2 {
		return false
	}
	return strings.Contains(s, "function(") || strings.Contains(s, "();") || strings.Contains(s, "=>") ||
		strings.Contains(s, "var ") || strings.Contains(s, "window.") || strings.Contains(s, "document.")
}

// isNav recognises a navigation or breadcrumb line: three or more short
// items between separators. candidates is the separator count from scan, a
// cheap upper bound.
func isNav(s string, candidates int) bool {
	if candidates < 1 {
		return false
	}
	if _, ok := bylineRest(s); ok {
		return false
	}
	seps := 0
	for w := range strings.FieldsSeq(s) {
		switch w {
		case "|", "·", "•", "»", "›", ">", "/", "::", "–", "—", "-", "∙", "→", ">>":
			seps++
		}
	}
	if seps < 2 && !(seps == 1 && isCrumbs(s)) {
		return false
	}
	if _, _, _, ok := findDate(tokens(s, 40)); ok {
		return false // "Published | February 4, 2025 | 5 min read"
	}
	parts := strings.FieldsFunc(s, func(r rune) bool {
		switch r {
		case '|', '·', '•', '»', '›', '>', '/', '–', '—', '∙', '→':
			return true
		}
		return false
	})
	if len(parts) < 3 && !(len(parts) == 2 && isCrumbs(s)) {
		return false
	}
	for _, p := range parts {
		p = strings.TrimSpace(strings.Trim(p, " -:"))
		if countWords(p) > 4 || endsSentence(lastSignificant(p)) && lastSignificant(p) != '.' {
			return false
		}
		if strings.HasSuffix(p, ".") && countWords(p) > 2 {
			return false
		}
	}
	return true
}

// isCrumbs reports whether s is a breadcrumb trail of two short parts
// joined by an arrow ("Latest News > World", "Home » Science"), or by a
// slash between words in capitals ("NEWS / BUSINESS").
func isCrumbs(s string) bool {
	for _, sep := range [...]string{" > ", " » ", " › ", " / ", " → ", " >> "} {
		a, b, ok := strings.Cut(s, sep)
		if !ok || strings.Contains(b, sep) {
			continue
		}
		a, b = strings.TrimSpace(a), strings.TrimSpace(b)
		if a == "" || b == "" || countWords(a) > 4 || countWords(b) > 4 || strings.ContainsAny(s, ".,;?!\"“”") {
			return false
		}
		if sep == " / " && (strings.ToUpper(s) != s || countWords(a) > 2 || countWords(b) > 2) {
			return false
		}
		return isTitleCase(a) && isTitleCase(b)
	}
	return false
}

// prefixRule recognises lines by how they start: credits, tags, teasers for
// other articles, ad slots.
func prefixRule(s string, words int) reason {
	if isPrefixWord(firstWordLower(s)) {
		if r := openingRule(s, words); r != keep {
			return r
		}
	}
	if words > 25 {
		return keep
	}
	ls := lowerASCII(s)
	if strings.Contains(ls, "courtesy of") && words <= 20 && lastSignificant(s) != '.' {
		return rCredit
	}
	for _, agency := range [...]string{"getty images", "shutterstock", "unsplash", "istock", "pexels", "alamy", "ap photo", "afp via", "reuters/"} {
		if strings.Contains(ls, agency) && (lastSignificant(s) != '.' || strings.Contains(ls, "photo") || strings.Contains(ls, "image")) {
			return rCredit
		}
	}
	return keep
}

// openingRule recognises a line by its opening words (after any opening
// bracket, as in "(Photo by ...)").
func openingRule(s string, words int) reason {
	ls := strings.TrimLeft(lowerASCII(s[:min(len(s), 80)]), "([ ")
	for _, p := range [...]string{"photo:", "photo by", "photo credit", "photos:", "photograph:", "photograph by",
		"image:", "image by", "image credit", "image source", "image courtesy", "images:", "picture:", "pictured:",
		"illustration:", "illustration by", "graphic:", "video:", "credit:", "credits:", "featured image", "header image",
		"cover image", "lead image", "top image", "main image", "hero image", "caption:", "courtesy of", "reporting by", "additional reporting", "editing by", "writing by", "compiled by",
		"image via", "photo via", "photograph via", "pictures:", "file photo"} {
		if strings.HasPrefix(ls, p) {
			return rCredit
		}
	}
	for _, p := range [...]string{"related:", "read also:", "also read:", "read more:", "see also:", "recommended:",
		"more:", "watch:", "listen:", "further reading:", "you may also like", "you might also like", "more from",
		"more stories", "related stories", "related articles", "related posts", "read next", "up next",
		"next story:", "next article:", "next post:", "previous story:", "previous article:", "previous post:", "prev:"} {
		if strings.HasPrefix(ls, p) {
			if strings.Trim(ls[len(p):], " :-–—") != "" {
				return rWidget // the teaser is on the same line
			}
			return rLeadIn
		}
	}
	for _, p := range [...]string{"tags:", "tagged:", "tagged with", "filed under", "posted in", "categories:", "category:",
		"topics:", "advertisement", "sponsored content", "story continues below", "article continues below",
		"continue reading below", "skip to", "jump to", "reading time", "estimated reading time", "disclaimer:",
		"editor's note:", "editor’s note:", "scroll to continue"} {
		if strings.HasPrefix(ls, p) {
			return rWidget
		}
	}
	if strings.HasPrefix(ls, "tags ") && words <= 12 && !endsSentence(lastSignificant(s)) {
		return rWidget
	}
	return keep
}

// firstWordLower returns the first word of s, lower-cased, without a
// leading bracket and trailing punctuation; "" when it is long.
func firstWordLower(s string) string {
	s = strings.TrimLeft(s, "([ ")
	end := strings.IndexAny(s, " :")
	if end < 0 {
		end = len(s)
	}
	if end > 16 {
		return ""
	}
	return lowerASCII(strings.TrimRight(s[:end], ".,;:!?)"))
}

// isPrefixWord reports whether w is the first word of one of prefixRule's
// openings.
func isPrefixWord(w string) bool {
	switch w {
	case "photo", "photos", "photograph", "image", "images", "picture", "pictures", "pictured", "illustration",
		"graphic", "video", "credit", "credits", "featured", "header", "cover", "lead", "top", "main", "hero",
		"caption", "courtesy", "reporting", "additional", "editing", "writing", "compiled", "file", "related",
		"read", "also", "see", "recommended", "more", "watch", "listen", "further", "you", "up", "tags", "tagged",
		"filed", "posted", "categories", "category", "topics", "advertisement", "sponsored", "story", "article",
		"continue", "skip", "jump", "reading", "estimated", "disclaimer", "editor's", "editor’s", "scroll",
		"next", "previous", "prev":
		return true
	}
	return false
}

// widgetWord rates a lower-case word as page-widget vocabulary: 2 for words
// prose rarely puts on a line of their own (share, comments, newsletter), 1
// for words widgets share with prose (next, read, more), -1 for neutral
// function words, 0 for anything else.
func widgetWord(w string) int {
	switch w {
	case "share", "shares", "shareable", "sharing", "tweet", "facebook", "twitter", "linkedin", "whatsapp",
		"telegram", "reddit", "pinterest", "flipboard", "permalink", "url", "comment", "comments", "reply",
		"replies", "subscribe", "subscribers", "newsletter", "newsletters", "login", "signup", "sign", "log",
		"logout", "menu", "navigation", "nav", "sidebar", "footer", "advertisement", "advertisements", "advert",
		"ad", "ads", "sponsored", "cookie", "cookies", "prev", "previous", "related", "recommended", "bookmark",
		"rss", "print", "email", "e-mail", "clipboard", "tags", "tagged", "skip", "search", "dismiss",
		"decline", "consent", "loading", "opens", "enlarge", "contents", "trending", "popular", "fullscreen",
		"member-only", "members-only", "paywall", "pinned":
		return 2
	case "next", "read", "more", "post", "posts", "article", "articles", "story", "stories", "link", "links",
		"leave", "home", "about", "contact", "privacy", "policy", "terms", "follow", "save", "saved", "close",
		"open", "continue", "reading", "back", "top", "min", "mins", "minute", "minutes", "listen", "audio",
		"view", "views", "like", "likes", "also", "latest", "content", "main", "full", "page", "options",
		"settings", "accept", "reject", "manage", "preferences", "show", "hide", "load", "info", "here",
		"click", "see", "all", "copy", "copied", "register", "account", "older",
		"newer", "up", "in", "out", "subscription", "feed", "toggle", "print-friendly", "version", "x",
		"new", "window", "tab", "author", "authors", "cancel", "submit", "send", "got", "ok", "okay", "agree",
		"allow", "ago", "hour", "hours", "day", "days", "week", "weeks", "updated", "published", "posted",
		"facebook's", "instagram", "youtube", "tiktok", "bluesky", "mastodon", "threads", "messenger", "sms",
		"image", "images", "photo", "photos", "gallery", "video", "videos", "caption", "expand", "table",
		"partner", "most", "followers", "follower", "following", "claps", "responses", "discussion",
		"restacks", "ready", "live", "key", "events", "update", "updates", "refresh", "auto-update", "blog":
		return 1
	case "a", "an", "the", "this", "that", "to", "of", "on", "for", "our", "your", "we", "us", "my", "with",
		"and", "or", "via", "it", "is", "now", "be", "will", "from", "at", "by", "you", "may", "might", "only":
		return -1
	}
	return 0
}

// widgetLine recognises a short line made only of widget vocabulary ("Share
// this article", "Leave a Reply", "Prev Post", "Read next", "3 min read").
func widgetLine(s string) reason {
	strong, weak := 0, 0
	leadIn, comments := false, false
	for w := range strings.FieldsSeq(s) {
		if w[0] == '@' && len(w) > 1 {
			weak++ // a social media handle
			continue
		}
		w = strings.ToLower(trimPunct(w))
		if w == "" || isDigit(w[0]) {
			continue
		}
		switch widgetWord(w) {
		case 0:
			return keep
		case 1:
			weak++
		case 2:
			strong++
		}
		switch w {
		case "prev", "previous", "next", "related", "recommended", "popular", "trending", "latest", "older", "newer",
			"also", "most", "more":
			leadIn = true
		case "comment", "comments", "reply", "replies", "discussion", "responses":
			comments = true
		}
	}
	if strong == 0 && weak < 2 && !(weak == 1 && isOneWord(s)) {
		return keep
	}
	switch {
	case comments:
		return rComments
	case leadIn:
		return rLeadIn
	}
	return rWidget
}

// isOneWord reports whether s is a single word.
func isOneWord(s string) bool { return strings.IndexByte(s, ' ') < 0 }

// ctaVerbs open a call to action.
func isCTAVerb(w string) bool {
	switch w {
	case "click", "tap", "subscribe", "sign", "join", "follow", "call", "contact", "learn", "read", "download",
		"register", "get", "share", "leave", "support", "donate", "become", "find", "discover", "stay", "try",
		"don't", "dont", "visit", "check", "grab", "claim", "book", "enroll", "enrol", "order", "buy", "shop", "start":
		return true
	}
	return false
}

// promoCues are phrases of promotional and boilerplate blocks (calls to
// action, newsletter and cookie banners, comment forms), keyed by the first
// four bytes of their first word (the whole word when it is shorter), so a
// line is scanned once, word by word.
var promoCues = map[string][]string{
	"acce": {"accept cookies", "accept all"},
	"ad":   {"ad blocker"},
	"all":  {"all rights reserved"},
	"arti": {"articles like this"},
	"beco": {"become a member", "become a subscriber"},
	"best": {"best experience", "best journalism"},
	"by":   {"by continuing", "by email"},
	"call": {"call us"},
	"canc": {"cancel reply"},
	"clic": {"click here", "click below"},
	"comm": {"comments are closed"},
	"cont": {"contact us"},
	"cook": {"cookie settings", "cookie policy"},
	"deli": {"delivered to your"},
	"don'": {"don't miss"},
	"dona": {"donate"},
	"down": {"download our", "download the app"},
	"emai": {"email address", "email us"},
	"ever": {"every morning", "every evening", "every week", "every weekday", "every monday", "every tuesday",
		"every wednesday", "every thursday", "every friday", "every saturday", "every sunday"},
	"hand": {"hand-picked", "handpicked"},
	"one":  {"one email"},
	"star": {"start your day"},
	"find": {"find out more"},
	"foll": {"follow us"},
	"free": {"free trial"},
	"get":  {"get in touch", "get the app"},
	"in":   {"in this browser"},
	"java": {"javascript"},
	"join": {"join our", "join us"},
	"lear": {"learn more", "learning more"},
	"leav": {"leave a reply", "leave a comment"},
	"log":  {"log in to"},
	"logg": {"logged in"},
	"more": {"more info", "more stories", "more stuff", "more articles", "more content", "more like this", "more news", "more insights", "more updates"},
	"news": {"newsletter"},
	"next": {"next time i comment"},
	"noti": {"notify me"},
	"our":  {"our newsletter"},
	"post": {"post comment", "post a comment"},
	"priv": {"privacy policy"},
	"read": {"read more", "reading more"},
	"requ": {"required fields"},
	"sign": {"sign up", "signup"},
	"stra": {"straight to your"},
	"stay": {"stay updated", "stay informed", "stay up to date"},
	"stor": {"stories like this"},
	"subs": {"subscribe"},
	"supp": {"support our", "support my work"},
	"than": {"thanks for reading"},
	"new":  {"new posts"},
	"tap":  {"tap here"},
	"term": {"terms of service", "terms of use"},
	"the":  {"the newsletter"},
	"this": {"this website", "this site"},
	"unsu": {"unsubscribe"},
	"use":  {"use of cookies"},
	"uses": {"uses cookies"},
	"we":   {"we use cookies"},
	"will": {"will not be published"},
	"you":  {"you agree", "you consent"},
	"your": {"your email", "your inbox", "your experience", "your browser", "your name", "your comment"},
}

// promoStarts marks the pairs of first letters of the promoCues keys, so
// that most words need no map lookup.
var promoStarts = func() (t [27 * 27]bool) {
	for k := range promoCues {
		t[letterPair(k[0], k[1])] = true
	}
	return t
}()

// letterPair indexes a pair of bytes, folding ASCII case; any byte that is
// not a letter counts as one "other" value.
func letterPair(a, b byte) int {
	idx := func(c byte) int {
		c |= 0x20
		if c >= 'a' && c <= 'z' {
			return int(c - 'a')
		}
		return 26
	}
	return idx(a)*27 + idx(b)
}

// countPromoCues counts the distinct promoCues in s (ignoring ASCII case),
// stopping at limit.
func countPromoCues(s string, limit int) int {
	var found [4]string
	n := 0
	for i := 0; i < len(s); {
		if !isWordByte(s[i]) {
			i++
			continue
		}
		j := i
		for j < len(s) && (isWordByte(s[j]) || s[j] == '\'' || s[j] >= 0x80) {
			j++
		}
		if j-i < 2 || !promoStarts[letterPair(s[i], s[i+1])] {
			i = j
			continue
		}
		var key [4]byte
		k := copy(key[:], s[i:min(j, i+4)])
		for x := range k {
			key[x] |= 0x20 // the key bytes are letters or an apostrophe
			if s[i+x] == '\'' {
				key[x] = '\''
			}
		}
		for _, cue := range promoCues[string(key[:k])] {
			if !hasPrefixFold(s[i:], cue) || slices.Contains(found[:n], cue) {
				continue
			}
			found[n] = cue
			n++
			if n >= limit || n == len(found) {
				return n
			}
		}
		i = j
	}
	return n
}

// isPromo recognises calls to action ("More Info -- Click Here", "Interested
// in Learning More?"), and newsletter, cookie and comment-form boilerplate.
func isPromo(s string, sh shape) bool {
	cues := countPromoCues(s, 2)
	if sh.words <= 14 {
		ls := strings.ToLower(s)
		if strings.Contains(ls, "join") && (strings.Contains(ls, "community") || strings.Contains(ls, "conversation") ||
			strings.Contains(ls, "discussion") || strings.Contains(ls, "mailing list")) {
			return true
		}
		if cues > 0 {
			fw := firstWords(s, 1)
			if sh.last != '.' || (len(fw) == 1 && isCTAVerb(fw[0])) {
				return true
			}
		}
	}
	return cues >= 2
}

// markMenus marks runs of three or more very short lines (menus, section
// lists) before the first paragraph of body text or after the last one. A
// short line right before a date or byline is left alone: it is likely the
// title.
func markMenus(bs []block) {
	firstLong, lastLong := len(bs), -1
	for i := range bs {
		if bs[i].why == keep && isLong(&bs[i]) {
			firstLong = min(firstLong, i)
			lastLong = i
		}
	}
	isShort := func(b *block) bool {
		return b.why == keep && b.kind == kPara && b.sh.words <= 3 && !endsSentence(b.sh.last) && !isMetaLine(b.text)
	}
	for i := 0; i < len(bs); {
		if !isShort(&bs[i]) || (i > firstLong && i < lastLong) {
			i++
			continue
		}
		var run []int
		j := i
		for ; j < len(bs) && (isShort(&bs[j]) || bs[j].why.furniture()); j++ {
			if isShort(&bs[j]) {
				run = append(run, j)
			}
		}
		if j < len(bs) && len(run) > 0 && run[len(run)-1] == j-1 && isMetaLine(bs[j].text) {
			run = run[:len(run)-1]
		}
		if len(run) >= 3 {
			for _, k := range run {
				bs[k].why = rMenu
			}
		}
		i = j
	}
}

// isMetaLine reports whether s is a date or byline line.
func isMetaLine(s string) bool {
	if _, ok := dateLine(s); ok {
		return true
	}
	if _, _, _, ok := parseByline(s); ok {
		return true
	}
	_, _, ok := metaLine(s)
	return ok
}

// isLong reports whether a block reads like body text rather than a
// headline, byline or teaser.
func isLong(b *block) bool {
	if b.sh.words > 30 {
		return true
	}
	return b.sh.words >= 15 && len(Sentences(b.text)) >= 2
}

// headlineLike reports whether a block can be a title: a short line that
// does not end like a sentence, in Title Case if it is longer than twelve
// words.
func headlineLike(b *block) bool {
	if b.kind == kItem || b.sh.words > 25 || b.sh.words == 0 || len(b.text) > 250 {
		return false
	}
	if b.sh.words < 2 && b.kind != kHeading {
		return false
	}
	if _, ok := numberedRest(b.text); ok {
		return false
	}
	if _, ok := bulletRest(b.text); ok {
		return false
	}
	switch b.sh.last {
	case '.', ',', ';', ':', '…':
		return false
	}
	return b.sh.words <= 12 || isTitleCase(b.text)
}

// head finds the title, byline and date among the first blocks and removes
// them from the text.
func head(pg *page) {
	bs := pg.blocks
	var updated time.Time // a "last updated" date, used when there is no other
	defer func() {
		if pg.published.IsZero() {
			pg.published = updated
		}
	}()
	if badTitle(pg.title) || pg.source != "" && foldKey(pg.title) == foldKey(pg.source) {
		pg.title = "" // markup named a menu, a date, the site or the like
	}
	needTitle := pg.title == ""
	afterProse := false // a sentence of body text came before
	candidates := 0
	long := 0
	seen := 0
	sidebar := false // a list of other stories opened above the headline
	for i := range bs {
		b := &bs[i]
		if b.why == rLeadIn && long == 0 {
			sidebar = true
		}
		if b.why != keep {
			continue
		}
		if sidebar && needTitle && long == 0 {
			// Other stories' headlines and dates, until the one that
			// leads into the article's text.
			if _, ok := dateLine(b.text); ok || titleLike(bs, i) && !leadsToBody(bs, i) {
				b.why = rTail
				continue
			}
		}
		seen++
		if seen > 15 {
			break
		}
		if pg.title != "" && long == 0 && len(b.text) <= 2*len(pg.title)+40 && sameTitle(b.text, pg.title) {
			b.why = rTitle
			markKickerAbove(bs, i)
			continue
		}
		if pg.title != "" && long == 0 && b.sh.words >= 2 && len(b.text) < len(pg.title) {
			if site := siteAround(pg.title, b.text); site != "" {
				// The page's <title> is this headline and the site's name.
				pg.title = b.text
				if pg.source == "" {
					pg.source = site
				}
				b.why = rTitle
				markKickerAbove(bs, i)
				continue
			}
		}
		if b.sh.words <= 14 {
			if t, ok := dateLine(b.text); ok {
				if isUpdateLine(b.text) {
					if updated.IsZero() {
						updated = t
					}
				} else if pg.published.IsZero() {
					pg.published = t
				}
				b.why = rDate
				continue
			}
			if a, src, t, ok := parseByline(b.text); ok {
				if pg.author == "" {
					pg.author = a
				}
				if pg.source == "" {
					pg.source = src
				}
				if pg.published.IsZero() {
					pg.published = t
				}
				b.why = rByline
				continue
			}
			if a, t, ok := metaLine(b.text); ok {
				if pg.author == "" {
					pg.author = a
				}
				if pg.published.IsZero() {
					pg.published = t
				}
				b.why = rByline
				continue
			}
			if pg.author == "" && !needTitle && long == 0 && isNameLine(b.text) && nextIsMeta(bs, i) {
				pg.author = titleName(b.text) // a name above the date, without "By"
				b.why = rByline
				continue
			}
			if pg.source != "" && sameTitle(b.text, pg.source) {
				b.why = rWidget // the site's name
				continue
			}
		}
		if needTitle && long == 0 && b.kind == kPara && b.sh.words == 1 && !endsSentence(b.sh.last) {
			b.why = rWidget // a section label above the headline
			continue
		}
		if !needTitle && long == 0 && b.kind == kPara && b.sh.words <= 2 && b.sh.lower == 0 && !endsSentence(b.sh.last) &&
			b.sh.last != '?' && !isNameLine(b.text) {
			b.why = rWidget // a section label above the text of a page titled by its markup
			continue
		}
		if needTitle && long == 0 && candidates < 3 {
			candidates++
			headline := titleLike(bs, i)
			if headline && inFurniture(bs, b.text) {
				b.why = rWidget // the site's name, as in "Thanks for reading <site>!"
				continue
			}
			if headline && isKicker(bs, i, afterProse) {
				if !afterProse {
					b.why = rWidget // a section label above the headline
				}
				continue
			}
			if headline && !isTeaser(bs, i) {
				pg.title = b.text
				if k := strings.LastIndex(pg.title, " | "); k > 0 && countWords(pg.title[k+3:]) <= 4 {
					if pg.source == "" {
						pg.source = strings.TrimSpace(pg.title[k+3:])
					}
					pg.title = strings.TrimSpace(pg.title[:k])
				}
				b.why = rTitle
				needTitle = false
				continue
			}
		}
		if isProse(b) {
			afterProse = true
		}
		if isLong(b) {
			long++
			if long >= 2 {
				break
			}
		}
	}
}

// nextIsMeta reports whether the next block after bs[i] that is not
// furniture is a date or byline line.
func nextIsMeta(bs []block, i int) bool {
	for j := i + 1; j < len(bs); j++ {
		if bs[j].why.furniture() {
			continue
		}
		return bs[j].why == rDate || bs[j].why == rByline || bs[j].why == keep && isMetaLine(bs[j].text)
	}
	return false
}

// inFurniture reports whether s appears inside a promotional, widget or
// credit block of the page.
func inFurniture(bs []block, s string) bool {
	for i := range bs {
		switch bs[i].why {
		case rPromo, rWidget, rSource, rCredit, rLeadIn:
			if len(bs[i].text) > len(s) && strings.Contains(bs[i].text, s) {
				return true
			}
		}
	}
	return false
}

// isUpdateLine reports whether a date line gives a modification date rather
// than a publication date.
func isUpdateLine(s string) bool {
	ls := lowerASCII(s)
	return (strings.Contains(ls, "updated") || strings.Contains(ls, "modified")) && !strings.Contains(ls, "published")
}

// isTeaser reports whether the title candidate bs[i] is rather a one-line
// description before the real, shorter headline.
func isTeaser(bs []block, i int) bool {
	b := &bs[i]
	if b.sh.words <= 14 || isTitleCase(b.text) {
		return false
	}
	for j := i + 1; j < len(bs); j++ {
		if bs[j].why != keep {
			continue
		}
		return headlineLike(&bs[j]) && bs[j].sh.words <= 8
	}
	return false
}

// sameTitle reports whether s repeats title (ignoring case, punctuation and
// a site-name suffix).
func sameTitle(s, title string) bool {
	a, b := foldKey(s), foldKey(title)
	if a == "" || b == "" {
		return false
	}
	if a == b {
		return true
	}
	if len(a) > len(b) {
		a, b = b, a
	}
	return strings.HasPrefix(b, a) && len(a)*5 >= len(b)*4
}

// markComments drops everything from the start of a comment section on,
// when that start is in the lower part of the page.
func markComments(bs []block, total int) {
	before := 0
	for i := range bs {
		if bs[i].why == rComments && before*2 >= total {
			for j := i + 1; j < len(bs); j++ {
				if !bs[j].why.furniture() {
					bs[j].why = rTail
				}
			}
			return
		}
		before += bs[i].sh.words
	}
}

// markLeadIns drops the headlines that follow "Prev Post", "Related
// articles" and similar widgets below the start of the article.
func markLeadIns(bs []block) {
	started := false
	for i := 0; i < len(bs); i++ {
		b := &bs[i]
		if b.why == keep && isLong(b) {
			started = true
		}
		if b.why != rLeadIn || !started {
			continue
		}
		for j, n := i+1, 0; j < len(bs) && n < 12; j++ {
			f := &bs[j]
			if f.why != keep {
				if f.why.furniture() {
					continue
				}
				break
			}
			if !isOtherHeadline(f) {
				break
			}
			f.why = rTail
			n++
		}
	}
}

// isOtherHeadline reports whether a block after a lead-in widget looks like
// another article's headline (or its date).
func isOtherHeadline(b *block) bool {
	if b.kind == kItem && b.link < 0.5 {
		return false
	}
	if _, ok := dateLine(b.text); ok {
		return true
	}
	if b.sh.words > 20 {
		return false
	}
	switch b.sh.last {
	case '.', ';', ':', ',':
		return false
	}
	return true
}

// markAuthorLines drops lines after the head that only repeat the author's
// name or another byline (the heading of an author box).
func markAuthorLines(pg *page) {
	key := foldKey(pg.author)
	for i := range pg.blocks {
		b := &pg.blocks[i]
		if b.why != keep || b.sh.words > 8 {
			continue
		}
		if pg.author != "" && len(b.text) <= 2*len(pg.author)+10 && foldKey(b.text) == key {
			b.why = rTail
		} else if _, _, _, ok := parseByline(b.text); ok {
			b.why = rTail // "Written by Jane Doe" in an author box
		}
	}
}

// markTail walks up from the bottom of the page and drops what follows the
// article: author biographies, and other articles' headlines and stray
// names among widget lines.
func markTail(pg *page) {
	bs := pg.blocks
	furniture := false
	for i := len(bs) - 1; i >= 0; i-- {
		b := &bs[i]
		if b.why != keep {
			if b.why.furniture() && b.why != rJunk {
				furniture = true
			}
			if b.why == rTitle || b.why == rByline || b.why == rDate {
				return
			}
			continue
		}
		if name, ok := bio(bs, i, pg.author, furniture); ok {
			b.why = rBio
			furniture = true
			if pg.author == "" && name != "" {
				pg.author = name
			}
			continue
		}
		if furniture && isTailLine(b) {
			b.why = rTail
			continue
		}
		return
	}
}

// isTailLine reports whether a block below page furniture is more of it: a
// headline, a name or a date rather than a sentence or list item.
func isTailLine(b *block) bool {
	if b.kind == kItem {
		return false
	}
	if _, ok := bulletRest(b.text); ok {
		return false
	}
	if b.sh.words > 20 {
		return false
	}
	switch b.sh.last {
	case '.', ';', ':', ',', '…':
		return false
	case '?', '!':
		return isTitleCase(b.text)
	}
	return true
}

// isRoleWord reports whether the one word in ws is a job a short author
// bio opens with.
func isRoleWord(ws []string) bool {
	if len(ws) != 1 {
		return false
	}
	switch ws[0] {
	case "writer", "editor", "reporter", "journalist", "founder", "author", "columnist", "correspondent",
		"analyst", "contributor", "freelance", "blogger", "researcher", "consultant", "engineer", "investor":
		return true
	}
	return false
}

// careerWords mark an author biography.
var careerWords = [...]string{"founder", "ceo", "journalist", "reporter", "writer", "author", "editor", "columnist",
	"correspondent", "contributor", "analyst", "consultant", "professor", "fellow", "researcher", "mba", "phd",
	"ph.d", "master's", "degree", "years of experience", "expertise", "graduated", "lives in", "based in",
	"specializes", "specialises", "covers ", "writings", "his work", "her work", "career", "previously worked"}

// bio reports whether bs[i] is an author biography: a paragraph that opens
// with a person's name (the author's, or one standing alone on the line
// above) or "The author", followed by career vocabulary; or, when page
// furniture follows (below), a short line opening with a job ("Writer on
// technology."). It returns the name.
func bio(bs []block, i int, author string, below bool) (string, bool) {
	b := &bs[i]
	if b.sh.words > 200 || b.sh.words < 10 && !below {
		return "", false
	}
	name := ""
	switch {
	case below && b.sh.words <= 25 && isRoleWord(firstWords(b.text, 1)):
		// "Writer on technology and markets." above a widget
	case hasPrefixFold(b.text, "about the author"), hasPrefixFold(b.text, "the author "), hasPrefixFold(b.text, "the writer "):
	case author != "" && hasPrefixFold(b.text, author+" "):
		name = author
	default:
		// A standalone name line just above, which the paragraph starts
		// with, or an "About the author" heading.
		var above *block
		for j := i - 1; j >= 0; j-- {
			if bs[j].why != rJunk && bs[j].why != rCode {
				above = &bs[j]
				break
			}
		}
		switch {
		case above == nil:
			return "", false
		case isNameLine(above.text) && strings.HasPrefix(b.text, above.text+" "):
			name = above.text
		case above.why == rWidget && strings.Contains(lowerASCII(above.text), "author"):
			ws := strings.Fields(b.text)
			if len(ws) < 3 || !isNameLine(ws[0]+" "+ws[1]) {
				return "", false
			}
			name = ws[0] + " " + ws[1]
		default:
			return "", false
		}
	}
	ls := lowerASCII(b.text)
	for _, w := range careerWords {
		if strings.Contains(ls, w) {
			for j := i - 1; j >= 0 && name != ""; j-- {
				if bs[j].why == keep && bs[j].text == name {
					bs[j].why = rTail // the name line above
				}
				if bs[j].why != rJunk && bs[j].why != rCode {
					break
				}
			}
			return name, true
		}
	}
	return "", false
}
