package briefing

import (
	"context"
	"math"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"briefbot/briefing/corpus"
	"briefbot/briefing/search"
)

// Digest gathers what the bot first saw in [req.Since, req.Until): one item
// per story (near-duplicates folded together), each with a one or two
// sentence verbatim summary, and the themes several sources share. With a
// Topic, only articles about it are included.
func (l *Library) Digest(ctx context.Context, req DigestRequest) (Digest, error) {
	until := req.Until
	if until.IsZero() {
		until = l.now()
	}
	d := Digest{Since: req.Since, Until: until, Topic: strings.TrimSpace(req.Topic), SummarizedBy: "extractive"}
	// A refresh in flight stamps its new articles' first-seen time before it
	// commits: wait for it, so this window does not close over them unseen.
	l.refreshMu.Lock()
	arts, err := l.articlesSeen(ctx, req.Since, until)
	l.refreshMu.Unlock()
	if err != nil {
		return d, err
	}
	var about map[uint32]uint32 // with a topic: article ord -> its best passage on it
	if d.Topic != "" && len(arts) > 0 {
		about = l.groupsAbout(d.Topic)
		arts = slices.DeleteFunc(arts, func(a StoredArticle) bool { _, ok := about[uint32(a.Ord)]; return !ok })
	}
	if len(arts) == 0 {
		return d, nil
	}
	d.Articles = len(arts)
	sources := map[string]bool{}
	for _, a := range arts {
		sources[sourceKey(article(a))] = true
	}
	d.Sources = len(sources)
	if len(arts) > MaxDigestArticles {
		// A first digest over a freshly indexed folder could hold thousands:
		// list the newest (arts is oldest first) and say how many more.
		d.More = len(arts) - MaxDigestArticles
		arts = arts[d.More:]
	}
	docs := make([]*digestDoc, 0, len(arts))
	az := search.NewAnalyzer()
	for _, a := range arts {
		ps, err := l.st.ArticlePassages(ctx, a.Ord)
		if err != nil {
			return d, err
		}
		doc := newDigestDoc(az, article(a), ps)
		if id, ok := about[uint32(a.Ord)]; ok {
			doc.about, doc.hasAbout = int64(id), true
		}
		docs = append(docs, doc)
	}
	idf := idfOf(docs)
	for _, doc := range docs {
		doc.weigh(idf)
	}
	items := fold(docs)
	bg, err := l.cachedBackground(ctx)
	if err != nil {
		return d, err
	}
	d.Themes = themes(items, idf, d.Topic, bg)
	var topicQuery quoteQuery
	if d.Topic != "" {
		topicQuery = newQuoteQuery(search.ParseQuery(d.Topic))
	}
	for i, it := range items {
		n := i + 1
		summary := it[0].lead()
		if text, ok := it[0].passageAbout(); ok {
			summary = bestQuote(text, topicQuery)
		}
		d.Items = append(d.Items, DigestItem{
			Article: it[0].article,
			Also:    articlesOf(it[1:]),
			Summary: []Quote{{Text: summary, Cite: n}},
		})
		d.Citations = append(d.Citations, Citation{N: n, Article: it[0].article, Passage: -1})
	}
	if l.sum != nil {
		sp := make([]SummaryPassage, len(d.Items))
		for i, it := range d.Items {
			sp[i] = SummaryPassage{N: i + 1, Title: it.Article.Label(), Source: it.Article.Source, Date: day(it.Article.Published), Text: it.Summary[0].Text}
		}
		subject := "What is new"
		if d.Topic != "" {
			subject += " about " + d.Topic
		}
		if text, by := l.sum.summarize(ctx, "digest", subject, sp); text != "" {
			d.Overview, d.SummarizedBy = text, by
		}
	}
	return d, nil
}

// MaxDigestArticles is how many new articles a digest lists at most; the
// rest are counted in Digest.More.
const MaxDigestArticles = 60

// groupsAbout returns the articles (by ord) with a passage relevant to
// topic, each with its best such passage.
func (l *Library) groupsAbout(topic string) map[uint32]uint32 {
	l.mu.RLock()
	hits := l.ix.Search(search.ParseQuery(topic), search.Options{K: 1000})
	l.mu.RUnlock()
	out := map[uint32]uint32{}
	for _, h := range hits { // best first
		if _, ok := out[h.Group]; !ok {
			out[h.Group] = h.ID
		}
	}
	return out
}

// sourceKey identifies who published an article, for counting sources.
func sourceKey(a Article) string {
	if a.Source != "" {
		return strings.ToLower(a.Source)
	}
	return "id:" + a.ID
}

// digestDoc is one article prepared for a digest.
type digestDoc struct {
	article   Article
	passages  []StoredPassage
	tf        map[string]float64 // stem -> count
	weights   map[string]float64 // stem -> tf-idf, L2-normalised
	phrases   map[string]string  // phrase key (stems) -> surface form
	phraseCnt map[string]int
	names     map[string]int // stem -> occurrences capitalised mid-sentence
	about     int64          // in a topic digest: the id of its best passage on the topic
	hasAbout  bool
}

// passageAbout returns the text of the article's best passage on the
// digest's topic, if there is one.
func (d *digestDoc) passageAbout() (string, bool) {
	if !d.hasAbout {
		return "", false
	}
	for _, p := range d.passages {
		if p.ID == d.about {
			return p.Text, true
		}
	}
	return "", false
}

// wordSpans appends to dst the [start, end) byte offsets of the words of s:
// the matches of [\p{L}\p{N}][\p{L}\p{N}'’\-]*, found without a regexp
// (the corpus overview reads hundreds of articles word by word).
func wordSpans(dst [][2]int, s string) [][2]int {
	inWord := false
	start := 0
	for i, r := range s {
		switch {
		case unicode.IsLetter(r) || unicode.IsNumber(r):
			if !inWord {
				inWord, start = true, i
			}
		case inWord && (r == '\'' || r == '’' || r == '-'):
		default:
			if inWord {
				dst = append(dst, [2]int{start, i})
				inWord = false
			}
		}
	}
	if inWord {
		dst = append(dst, [2]int{start, len(s)})
	}
	return dst
}

// newDigestDoc analyses an article's passages for a digest or the overview;
// az memoises word stems across the articles of one call (a nil az works,
// without the memo).
func newDigestDoc(az *search.Analyzer, a Article, ps []StoredPassage) *digestDoc {
	// Sized for a news article (a few hundred words), so that the maps
	// rarely grow.
	d := &digestDoc{article: a, passages: ps, tf: make(map[string]float64, 256), phrases: make(map[string]string, 512),
		phraseCnt: make(map[string]int, 512), names: make(map[string]int, 32)}
	var terms []string
	for _, p := range ps {
		terms = az.AppendTerms(terms[:0], p.Text)
		for _, t := range terms {
			d.tf[t]++
		}
		for _, s := range corpus.Sentences(p.Text) {
			terms = d.addPhrases(az, p.Text[s[0]:s[1]], terms)
		}
	}
	return d
}

// addPhrases records the one- and two-word key phrases of a sentence; buf
// is scratch space for terms, returned for reuse.
func (d *digestDoc) addPhrases(az *search.Analyzer, sentence string, buf []string) []string {
	words := wordSpans(nil, sentence)
	prevStem, prevShown := "", ""
	prevEnd := -1
	for i, w := range words {
		surface := strings.Trim(sentence[w[0]:w[1]], "'’-")
		owner := false // a possessive ("China's") names a word but opens no phrase
		for _, suf := range []string{"'s", "’s"} {
			if base, ok := strings.CutSuffix(surface, suf); ok {
				surface, owner = base, true
			}
		}
		stems := az.AppendTerms(buf[:0], surface)
		buf = stems
		if len(stems) != 1 || len(surface) < 3 || isNumber(surface) || generic[strings.ToLower(surface)] {
			prevStem, prevEnd = "", -1
			continue
		}
		stem := stems[0]
		shown := displayCase(surface)
		if first, _ := utf8.DecodeRuneInString(surface); i > 0 && unicode.IsUpper(first) {
			d.names[stem]++
			shown = surface // a name mid-sentence: Nvidia, Washington
		}
		gap := ""
		if prevEnd >= 0 {
			gap = sentence[prevEnd:w[0]]
		}
		if prevStem != "" && strings.TrimSpace(gap) == "" {
			key := prevStem + " " + stem
			d.phraseCnt[key]++
			if _, ok := d.phrases[key]; !ok {
				d.phrases[key] = prevShown + " " + shown
			}
		}
		d.phraseCnt[stem]++
		if _, ok := d.phrases[stem]; !ok {
			d.phrases[stem] = shown
		}
		prevStem, prevShown, prevEnd = stem, shown, w[1]
		if owner {
			prevStem, prevEnd = "", -1
		}
	}
	return buf
}

// generic words are too common in news to carry a theme, alone or in a pair.
var generic = map[string]bool{
	"said": true, "says": true, "say": true, "told": true, "according": true, "reported": true, "added": true,
	"year": true, "years": true, "month": true, "months": true, "week": true, "weeks": true, "day": true, "days": true,
	"today": true, "yesterday": true, "monday": true, "tuesday": true, "wednesday": true, "thursday": true, "friday": true,
	"saturday": true, "sunday": true, "new": true, "last": true, "first": true, "next": true, "also": true, "many": true,
	"more": true, "most": true, "much": true, "even": true, "still": true, "already": true, "however": true, "one": true,
	"two": true, "three": true, "several": true, "other": true, "others": true, "people": true, "time": true, "way": true,
	"like": true, "just": true, "well": true, "make": true, "made": true, "including": true, "based": true,
	"january": true, "february": true, "march": true, "april": true, "may": true, "june": true, "july": true,
	"august": true, "september": true, "october": true, "november": true, "december": true,
	"little": true, "bit": true, "lot": true, "lots": true, "thing": true, "things": true, "kind": true,
	"sort": true, "really": true, "actually": true, "something": true, "anything": true, "everything": true,
	"nothing": true, "going": true, "get": true, "got": true, "know": true, "think": true, "want": true,
	"good": true, "great": true, "big": true, "important": true, "able": true, "different": true,
	"certain": true, "critical": true, "major": true, "key": true, "number": true, "part": true, "percent": true,
}

// displayCase keeps proper nouns and acronyms as written, lower-cases the rest.
func displayCase(w string) string {
	upper := 0
	for _, c := range w {
		if unicode.IsUpper(c) {
			upper++
		}
	}
	first, _ := utf8.DecodeRuneInString(w)
	if upper > 1 || (upper == 1 && !unicode.IsUpper(first)) {
		return w // DeepSeek, AI, OpenAI
	}
	if upper == 0 {
		return w // already lower case
	}
	return strings.ToLower(w)
}

func isNumber(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return !unicode.IsDigit(r) && r != ',' && r != '.' }) < 0
}

func idfOf(docs []*digestDoc) map[string]float64 {
	keys := 0
	for _, d := range docs {
		keys += len(d.tf) + len(d.phraseCnt)
	}
	df := make(map[string]int, keys/4) // words and phrases recur across documents
	for _, d := range docs {
		for t := range d.tf {
			df[t]++
		}
		for k := range d.phraseCnt {
			if strings.Contains(k, " ") {
				df[k]++
			}
		}
	}
	idf := make(map[string]float64, len(df))
	n := float64(len(docs))
	for t, c := range df {
		idf[t] = math.Log(1 + (n+1)/float64(c))
	}
	return idf
}

func (d *digestDoc) weigh(idf map[string]float64) {
	d.weights = make(map[string]float64, len(d.tf))
	var norm float64
	for t, c := range d.tf {
		w := (1 + math.Log(c)) * idf[t]
		d.weights[t] = w
		norm += w * w
	}
	norm = math.Sqrt(norm)
	for t := range d.weights {
		d.weights[t] /= norm
	}
}

func cosine(a, b *digestDoc) float64 {
	if len(a.weights) > len(b.weights) {
		a, b = b, a
	}
	var s float64
	for t, w := range a.weights {
		s += w * b.weights[t]
	}
	return s
}

// Two articles report the same story when their tf-idf cosine similarity
// is at least duplicateCosine, or at least sameDayCosine when both were
// published within a day of each other (same-day coverage of one event
// shares its facts but not its wording).
const (
	duplicateCosine = 0.45
	sameDayCosine   = 0.22
)

func sameStory(a, b *digestDoc) bool {
	c := cosine(a, b)
	if c >= duplicateCosine {
		return true
	}
	pa, pb := a.article.Published, b.article.Published
	if c < sameDayCosine || pa.IsZero() || pb.IsZero() {
		return false
	}
	gap := pa.Sub(pb)
	return gap <= 36*time.Hour && gap >= -36*time.Hour
}

// fold groups near-duplicate articles into stories. Each story lists its
// primary article (the earliest published, then the longest) first. Stories
// are ordered by how many articles report them, then newest first.
func fold(docs []*digestDoc) [][]*digestDoc {
	parent := make([]int, len(docs))
	for i := range parent {
		parent[i] = i
	}
	var find func(int) int
	find = func(i int) int {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	for i := range docs {
		for j := i + 1; j < len(docs); j++ {
			if sameStory(docs[i], docs[j]) {
				parent[find(j)] = find(i)
			}
		}
	}
	byRoot := map[int][]*digestDoc{}
	var roots []int
	for i, d := range docs {
		r := find(i)
		if _, ok := byRoot[r]; !ok {
			roots = append(roots, r)
		}
		byRoot[r] = append(byRoot[r], d)
	}
	items := make([][]*digestDoc, 0, len(roots))
	for _, r := range roots {
		it := byRoot[r]
		slices.SortStableFunc(it, func(a, b *digestDoc) int {
			if len(a.passages) != len(b.passages) {
				return len(b.passages) - len(a.passages)
			}
			return a.article.Published.Compare(b.article.Published)
		})
		items = append(items, it)
	}
	slices.SortStableFunc(items, func(a, b []*digestDoc) int {
		if len(a) != len(b) {
			return len(b) - len(a)
		}
		return b[0].article.Published.Compare(a[0].article.Published)
	})
	return items
}

func articlesOf(docs []*digestDoc) []Article {
	out := make([]Article, len(docs))
	for i, d := range docs {
		out[i] = d.article
	}
	return out
}

// lead returns one or two verbatim sentences that state the article's
// point: its most central sentence (the one whose words weigh most in the
// whole article), with a slight preference for the early ones, extended by
// the next when it is short.
func (d *digestDoc) lead() string {
	type cand struct {
		text  string
		score float64
		next  string
	}
	var cands []cand
	for _, p := range d.passages {
		sents := corpus.Sentences(p.Text)
		for i, s := range sents {
			text := strings.TrimSpace(p.Text[s[0]:s[1]])
			terms := search.Analyze(text)
			if len(terms) < 6 || len(strings.Fields(text)) > maxLeadWords || strings.HasSuffix(text, "?") ||
				strings.HasSuffix(text, ":") || corpus.IsListItem(text) {
				continue
			}
			var score float64
			seen := map[string]bool{}
			for _, t := range terms {
				if !seen[t] {
					seen[t] = true
					score += d.weights[t]
				}
			}
			score /= math.Sqrt(float64(len(terms)))
			score /= 1 + 0.08*float64(len(cands)) // the news tends to come first
			if quotes(text) {
				score *= 0.9 // a quotation colours a story more than it states it
			}
			if leansBack(text) {
				score *= 0.6 // "A year later the rules ...": it needs what came before
			}
			next := ""
			if i+1 < len(sents) {
				if n := p.Text[sents[i+1][0]:sents[i+1][1]]; !strings.HasSuffix(n, ":") && !corpus.IsListItem(n) {
					next = p.Text[s[0]:sents[i+1][1]]
				}
			}
			cands = append(cands, cand{text: text, score: score, next: next})
		}
	}
	if len(cands) == 0 {
		if len(d.passages) > 0 {
			return strings.TrimSpace(d.passages[0].Text)
		}
		return ""
	}
	best := cands[0]
	for _, c := range cands[1:] {
		if c.score > best.score {
			best = c
		}
	}
	if len(strings.Fields(best.text)) < 22 && best.next != "" && len(strings.Fields(best.next)) <= 60 {
		return strings.TrimSpace(best.next)
	}
	return best.text
}

// leansBack reports whether a sentence opens by pointing back at what came
// before it ("It", "This", "But", "A year later"), so it cannot stand alone.
func leansBack(s string) bool {
	first, rest, _ := strings.Cut(s, " ")
	switch strings.Trim(first, ",;:") {
	case "It", "Its", "This", "That", "These", "Those", "They", "Their", "He", "She", "His", "Her",
		"But", "And", "Or", "So", "Yet", "However", "Still", "Also", "Meanwhile", "Instead", "Then",
		"Such", "There", "Here", "Both", "Each", "Another", "Other", "Others", "Later", "Earlier":
		return true
	}
	second, _, _ := strings.Cut(rest, " ")
	return (first == "A" || first == "One") && (second == "year" || second == "week" || second == "month" || second == "day")
}

// maxLeadWords is the longest sentence that states an article's point.
const maxLeadWords = 60

// maxThemes is how many shared themes a digest shows: what a reader skims.
const maxThemes = 4

// themeCand is a phrase several stories of a digest share.
type themeCand struct {
	key, surface string
	stories      []int // indexes into the items, in item order
	perStory     []int // occurrences in each of stories
	count        int   // occurrences over all stories
	name         bool  // mostly capitalised mid-sentence: a proper noun or acronym
	score        float64

	names    int            // occurrences capitalised mid-sentence
	surfaces []surfaceCount // how many articles first wrote it so; usually one
}

// surfaceCount is one written form of a phrase and the articles that first
// wrote it so.
type surfaceCount struct {
	surface string
	n       int
}

// themeCands gathers the one- and two-word phrases of the stories that could
// be themes: shared by at least two stories, two words or a name, no
// possessive fragment, not the topic itself.
func themeCands(items [][]*digestDoc, topic string) []*themeCand {
	topicStems := strings.Join(search.Analyze(topic), " ")
	keys := 0
	for _, it := range items {
		for _, d := range it {
			keys += len(d.phraseCnt)
		}
	}
	byKey := make(map[string]*themeCand, keys/4) // phrases recur across stories
	for i, it := range items {
		for _, d := range it {
			for key, n := range d.phraseCnt {
				c := byKey[key]
				if c == nil {
					c = &themeCand{key: key}
					byKey[key] = c
				}
				c.names += d.names[key]
				c.addSurface(d.phrases[key])
				c.count += n
				if len(c.stories) == 0 || c.stories[len(c.stories)-1] != i {
					c.stories = append(c.stories, i)
					c.perStory = append(c.perStory, 0)
				}
				c.perStory[len(c.perStory)-1] += n
			}
		}
	}
	inPair := map[string]int{} // word stem -> occurrences of its most frequent two-word phrase
	for key, c := range byKey {
		if a, b, ok := strings.Cut(key, " "); ok {
			inPair[a] = max(inPair[a], c.count)
			inPair[b] = max(inPair[b], c.count)
		}
	}
	var out []*themeCand
	for key, c := range byKey {
		if len(c.stories) < 2 {
			continue // not shared
		}
		if !strings.Contains(key, " ") && 5*inPair[key] >= 2*c.count {
			continue // "States" is largely "United States": the phrase, not the word
		}
		best := 0
		for _, sc := range c.surfaces {
			surface, n := sc.surface, sc.n
			if c.surface == "" || n > best || (n == best && (len(surface) < len(c.surface) || (len(surface) == len(c.surface) && surface < c.surface))) {
				c.surface, best = surface, n
			}
		}
		c.name = 2*c.names >= c.count && c.names > 0
		bigram := strings.Contains(key, " ")
		switch {
		case key == topicStems:
			continue // the topic itself
		case !bigram && !c.name:
			continue // a lone common word is not a theme; names (Nvidia, DeepSeek) are
		case bigram && possessive(c.surface):
			continue // "China's access" is a fragment, not a theme
		case !bigram && demonym(c.surface):
			continue // "Chinese" qualifies a theme, it is none
		}
		if c.name {
			c.surface = capitalizeFirst(c.surface) // a name first seen at a sentence start
		}
		out = append(out, c)
	}
	return out
}

// addSurface counts one article that first wrote the phrase as surface.
func (c *themeCand) addSurface(surface string) {
	for i := range c.surfaces {
		if c.surfaces[i].surface == surface {
			c.surfaces[i].n++
			return
		}
	}
	c.surfaces = append(c.surfaces, surfaceCount{surface, 1})
}

// concentration is how often the stories that use a phrase use it: a
// theme is what they dwell on, not a phrase each mentions in passing.
func (c *themeCand) concentration() float64 {
	repeated := 0
	for _, n := range c.perStory {
		if n > 1 {
			repeated++
		}
	}
	return (1 + math.Log(float64(c.count)/float64(len(c.stories)))) * (1 + float64(repeated)/float64(len(c.stories)))
}

// themes returns the key phrases that set this window apart, best first:
// shared by at least two stories, dwelt on by them, and used by these
// stories more than by the corpus at large (bg). A phrase nearly every story
// of the window uses says nothing about any of them. Each theme carries a
// short sentence on it from one of its stories.
func themes(items [][]*digestDoc, idf map[string]float64, topic string, bg *background) []Theme {
	if len(items) < 2 {
		return nil
	}
	n := float64(len(items))
	var cands []*themeCand
	for _, c := range themeCands(items, topic) {
		share := float64(len(c.stories)) / n
		if share >= 0.8 && (len(items) >= 6 || (len(items) >= 3 && !strings.Contains(c.key, " "))) {
			continue // what (nearly) every story is about says nothing about any of them
		}
		c.score = float64(len(c.stories)) * idf[c.key] * c.concentration()
		if strings.Contains(c.key, " ") {
			c.score *= 1.6
		}
		if lift, ok := bg.lift(c.key, share, len(items)); ok {
			c.score *= max(0.25, min(4, lift))
		}
		cands = append(cands, c)
	}
	var out []Theme
	used := map[string]bool{}
	for _, c := range pickThemes(cands, maxThemes) {
		th := Theme{Phrase: c.surface}
		for _, s := range c.stories {
			th.Articles = append(th.Articles, items[s][0].article)
		}
		th.Quote = themeQuote(items, c, used)
		used[th.Quote.Text] = true
		out = append(out, th)
	}
	return out
}

// pickThemes returns up to max of cands, best score first, skipping any
// that shares a word with one already taken.
func pickThemes(cands []*themeCand, max int) []*themeCand {
	slices.SortFunc(cands, func(a, b *themeCand) int {
		if a.score != b.score {
			if a.score > b.score {
				return -1
			}
			return 1
		}
		return strings.Compare(a.key, b.key)
	})
	var out []*themeCand
	var taken []string
	for _, c := range cands {
		if len(out) == max {
			break
		}
		if overlaps(c.key, taken) {
			continue
		}
		taken = append(taken, c.key)
		out = append(out, c)
	}
	return out
}

// themeQuote returns a short verbatim sentence using the theme's phrase,
// from the story that dwells on it most, cited by that story's number.
func themeQuote(items [][]*digestDoc, c *themeCand, used map[string]bool) Quote {
	order := slices.Clone(c.stories)
	per := map[int]int{}
	for i, s := range c.stories {
		per[s] = c.perStory[i]
	}
	slices.SortStableFunc(order, func(a, b int) int { return per[b] - per[a] })
	run := strings.Fields(c.key)
	for _, s := range order {
		doc := items[s][0]
		best, bestFit := "", math.Inf(1)
		for _, p := range doc.passages {
			for _, r := range corpus.Sentences(p.Text) {
				text := strings.TrimSpace(p.Text[r[0]:r[1]])
				w := len(strings.Fields(text))
				if w < 8 || w > maxThemeQuoteWords || strings.HasSuffix(text, "?") || corpus.IsListItem(text) || used[text] {
					continue
				}
				if !containsRun(search.Analyze(text), run) {
					continue
				}
				fit := math.Abs(float64(w) - 20)
				if leansBack(text) || strings.HasPrefix(text, "The ") && startsWithAnaphor(text) {
					fit += 15
				}
				if fit < bestFit {
					best, bestFit = text, fit
				}
			}
		}
		if best != "" {
			return Quote{Text: best, Cite: s + 1}
		}
	}
	return Quote{}
}

// startsWithAnaphor reports whether a sentence opens with "The" and a noun
// that points back at a story told before ("The episode", "The move").
func startsWithAnaphor(s string) bool {
	f := strings.Fields(s)
	if len(f) < 2 {
		return false
	}
	switch strings.ToLower(strings.Trim(f[1], ",;:")) {
	case "episode", "move", "decision", "news", "announcement", "incident", "event", "development", "report", "company", "firm":
		return true
	}
	return false
}

// maxThemeQuoteWords is the longest sentence a theme quotes.
const maxThemeQuoteWords = 40

// background is how widely the corpus at large uses each phrase, the
// measure against which a window's themes stand out.
type background struct {
	n  int            // articles sampled
	df map[string]int // phrase key -> articles using it
}

// lift is how much more often a window of size stories, share of which use
// key, uses it than the corpus does; ok is false when the corpus is too
// small beside the window to tell.
func (b *background) lift(key string, share float64, stories int) (float64, bool) {
	if b == nil || b.n < 2*stories {
		return 0, false
	}
	return share / ((float64(b.df[key]) + 0.5) / float64(b.n+1)), true
}

// newBackground counts the phrases of docs.
func newBackground(docs []*digestDoc) *background {
	b := &background{n: len(docs), df: map[string]int{}}
	for _, d := range docs {
		for k := range d.phraseCnt {
			b.df[k]++
		}
	}
	return b
}

// demonym reports whether a word names the people or things of a place
// ("Chinese", "American", "European"): an adjective, not a subject.
func demonym(w string) bool {
	lw := strings.ToLower(w)
	for _, suf := range []string{"ese", "ian", "ean", "ish", "ican"} {
		if strings.HasSuffix(lw, suf) && len(lw) > len(suf)+2 {
			return true
		}
	}
	switch lw {
	case "french", "dutch", "swiss", "thai", "greek", "arab", "western", "eastern", "israeli", "iraqi",
		"saudi", "pakistani", "bangladeshi", "kuwaiti", "qatari", "emirati", "yemeni", "nepali", "afghan":
		return true
	}
	return false
}

// capitalizeFirst upper-cases the first letter of s.
func capitalizeFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 || !unicode.IsLower(r) {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}

// possessive reports whether the first word of a phrase is a possessive.
func possessive(phrase string) bool {
	first, _, _ := strings.Cut(phrase, " ")
	return strings.HasSuffix(first, "'s") || strings.HasSuffix(first, "’s")
}

// overlaps reports whether key shares a stem with any taken phrase.
func overlaps(key string, taken []string) bool {
	for _, t := range taken {
		for _, a := range strings.Fields(key) {
			if slices.Contains(strings.Fields(t), a) {
				return true
			}
		}
	}
	return false
}

// overview describes the whole corpus, for "nothing on that" answers, and
// counts its phrases, the background digests measure themes against.
func (l *Library) overview(ctx context.Context) (Overview, *background, error) {
	n, earliest, latest, err := l.st.ArticleStats(ctx)
	if err != nil {
		return Overview{}, nil, err
	}
	o := Overview{Articles: n, Earliest: earliest, Latest: latest}
	arts, err := l.st.LatestArticles(ctx, overviewSample) // the newest are representative enough
	if err != nil {
		return o, nil, err
	}
	docs, err := l.digestDocs(ctx, arts)
	if err != nil {
		return o, nil, err
	}
	items := make([][]*digestDoc, len(docs))
	for i, d := range docs {
		items[i] = []*digestDoc{d}
	}
	o.Topics = coverage(items, idfOf(docs), overviewTopics)
	return o, newBackground(docs), nil
}

// digestDocs reads and analyses arts for the overview, in order: the store
// is read on this goroutine, the analysis (most of the overview's cost) runs
// on one worker per core, each with its own memoising analyzer.
func (l *Library) digestDocs(ctx context.Context, arts []StoredArticle) ([]*digestDoc, error) {
	docs := make([]*digestDoc, len(arts))
	workers := min(runtime.GOMAXPROCS(0), 4, len(arts))
	if workers < 1 {
		return docs, nil
	}
	type job struct {
		i  int
		ps []StoredPassage
	}
	jobs := make(chan job, workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			az := search.NewAnalyzer()
			for j := range jobs {
				docs[j.i] = newDigestDoc(az, article(arts[j.i]), j.ps)
			}
		}()
	}
	var err error
	for i, a := range arts {
		var ps []StoredPassage
		if ps, err = l.st.ArticlePassages(ctx, a.Ord); err != nil {
			break
		}
		jobs <- job{i, ps}
	}
	close(jobs)
	wg.Wait()
	if err != nil {
		return nil, err
	}
	return docs, nil
}

// overviewSample is how many of the newest articles the overview reads.
const overviewSample = 300

// overviewTopics is how many topics the overview names.
const overviewTopics = 4

// coverage returns up to max phrases that say what the stories are about:
// names and two-word phrases that many of them use and dwell on.
func coverage(items [][]*digestDoc, idf map[string]float64, max int) []string {
	cands := themeCands(items, "")
	for _, c := range cands {
		c.score = float64(len(c.stories)) * c.concentration() * math.Sqrt(idf[c.key])
		if strings.Contains(c.key, " ") {
			c.score *= 1.6
		}
	}
	var out []string
	for _, c := range pickThemes(cands, max) {
		out = append(out, c.surface)
	}
	return out
}

// cachedBackground is the background of the cached overview.
func (l *Library) cachedBackground(ctx context.Context) (*background, error) {
	if _, err := l.cachedOverview(ctx); err != nil {
		return nil, err
	}
	l.ovMu.Lock()
	defer l.ovMu.Unlock()
	return l.bg, nil
}
