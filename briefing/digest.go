package briefing

import (
	"context"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"

	"briefbot/briefing/corpus"
	"briefbot/briefing/search"
	"briefbot/briefing/store"
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
	if d.Topic != "" && len(arts) > 0 {
		about := l.groupsAbout(d.Topic)
		arts = slices.DeleteFunc(arts, func(a store.Article) bool { return !about[uint32(a.Ord)] })
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
	for _, a := range arts {
		ps, err := l.st.ArticlePassages(ctx, a.Ord)
		if err != nil {
			return d, err
		}
		docs = append(docs, newDigestDoc(article(a), ps))
	}
	idf := idfOf(docs)
	for _, doc := range docs {
		doc.weigh(idf)
	}
	items := fold(docs)
	d.Themes = themes(items, idf, d.Topic)
	for i, it := range items {
		n := i + 1
		d.Items = append(d.Items, DigestItem{
			Article: it[0].article,
			Also:    articlesOf(it[1:]),
			Summary: []Quote{{Text: it[0].lead(), Cite: n}},
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

// groupsAbout returns the articles (by ord) with a passage relevant to topic.
func (l *Library) groupsAbout(topic string) map[uint32]bool {
	l.mu.RLock()
	hits := l.ix.Search(search.ParseQuery(topic), search.Options{K: 1000})
	l.mu.RUnlock()
	out := map[uint32]bool{}
	for _, h := range hits {
		out[h.Group] = true
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
	passages  []store.Passage
	tf        map[string]float64 // stem -> count
	weights   map[string]float64 // stem -> tf-idf, L2-normalised
	phrases   map[string]string  // phrase key (stems) -> surface form
	phraseCnt map[string]int
	names     map[string]int // stem -> occurrences capitalised mid-sentence
}

var wordRE = regexp.MustCompile(`[\p{L}\p{N}][\p{L}\p{N}'’\-]*`)

func newDigestDoc(a Article, ps []store.Passage) *digestDoc {
	d := &digestDoc{article: a, passages: ps, tf: map[string]float64{}, phrases: map[string]string{}, phraseCnt: map[string]int{}, names: map[string]int{}}
	for _, p := range ps {
		for _, t := range search.Analyze(p.Text) {
			d.tf[t]++
		}
		for _, s := range corpus.Sentences(p.Text) {
			d.addPhrases(p.Text[s[0]:s[1]])
		}
	}
	return d
}

// addPhrases records the one- and two-word key phrases of a sentence.
func (d *digestDoc) addPhrases(sentence string) {
	words := wordRE.FindAllStringIndex(sentence, -1)
	prevStem, prevShown := "", ""
	prevEnd := -1
	for i, w := range words {
		surface := strings.Trim(sentence[w[0]:w[1]], "'’-")
		stems := search.Analyze(surface)
		if len(stems) != 1 || len(surface) < 3 || isNumber(surface) || generic[strings.ToLower(surface)] {
			prevStem, prevEnd = "", -1
			continue
		}
		stem := stems[0]
		shown := displayCase(surface)
		if i > 0 && unicode.IsUpper([]rune(surface)[0]) {
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
	}
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
}

// displayCase keeps proper nouns and acronyms as written, lower-cases the rest.
func displayCase(w string) string {
	r := []rune(w)
	upper := 0
	for _, c := range r {
		if unicode.IsUpper(c) {
			upper++
		}
	}
	if upper > 1 || (upper == 1 && !unicode.IsUpper(r[0])) {
		return w // DeepSeek, AI, OpenAI
	}
	return strings.ToLower(w)
}

func isNumber(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return !unicode.IsDigit(r) && r != ',' && r != '.' }) < 0
}

func idfOf(docs []*digestDoc) map[string]float64 {
	df := map[string]int{}
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

// lead returns one or two verbatim sentences that carry the article's news:
// among its first sentences, the one that best covers its distinctive terms,
// extended by the next when the first is short.
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
			if len(terms) < 6 || strings.HasSuffix(text, "?") {
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
			score *= 1 / (1 + 0.15*float64(len(cands))) // the news comes first
			next := ""
			if i+1 < len(sents) {
				next = p.Text[s[0]:sents[i+1][1]]
			}
			cands = append(cands, cand{text: text, score: score, next: next})
			if len(cands) >= 8 {
				break
			}
		}
		if len(cands) >= 8 {
			break
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

// maxThemes is how many shared themes a digest shows: what a reader skims.
const maxThemes = 4

// themes returns the key phrases that at least two stories share, best first.
func themes(items [][]*digestDoc, idf map[string]float64, topic string) []Theme {
	if len(items) < 2 {
		return nil
	}
	topicStems := strings.Join(search.Analyze(topic), " ")
	type cand struct {
		key, surface string
		stories      []int
		count        int  // occurrences over all stories
		name         bool // mostly capitalised mid-sentence: a proper noun or acronym
		score        float64
	}
	byKey := map[string]*cand{}
	names := map[string]int{}
	for i, it := range items {
		seen := map[string]bool{}
		for _, d := range it {
			for key, n := range d.phraseCnt {
				names[key] += d.names[key]
				c := byKey[key]
				if c == nil {
					c = &cand{key: key, surface: d.phrases[key]}
					byKey[key] = c
				}
				c.count += n
				if !seen[key] {
					seen[key] = true
					c.stories = append(c.stories, i)
				}
			}
		}
	}
	for key, c := range byKey {
		c.name = 2*names[key] >= c.count && names[key] > 0
	}
	var cands []*cand
	for _, c := range byKey {
		bigram := strings.Contains(c.key, " ")
		switch {
		case len(c.stories) < 2, c.key == topicStems:
			continue // not shared, or the topic itself
		case !bigram && !c.name:
			continue // a lone common word is not a theme; names (Nvidia, DeepSeek) are
		case !bigram && len(items) >= 3 && 5*len(c.stories) >= 4*len(items):
			continue // a name nearly every story uses says nothing about any of them
		case bigram && possessive(c.surface):
			continue // "China's access" is a fragment, not a theme
		}
		weight := idf[c.key]
		if bigram {
			weight *= 1.6
		}
		c.score = float64(len(c.stories)) * weight * (1 + math.Log(float64(c.count)))
		cands = append(cands, c)
	}
	slices.SortFunc(cands, func(a, b *cand) int {
		if a.score != b.score {
			if a.score > b.score {
				return -1
			}
			return 1
		}
		return strings.Compare(a.key, b.key)
	})
	var out []Theme
	var taken []string
	for _, c := range cands {
		if len(out) == maxThemes {
			break
		}
		if overlaps(c.key, taken) {
			continue
		}
		taken = append(taken, c.key)
		th := Theme{Phrase: c.surface}
		for _, s := range c.stories {
			th.Articles = append(th.Articles, items[s][0].article)
		}
		out = append(out, th)
	}
	return out
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

// overview describes the whole corpus, for "nothing on that" answers.
func (l *Library) overview(ctx context.Context) (Overview, error) {
	n, earliest, latest, err := l.st.ArticleStats(ctx)
	if err != nil {
		return Overview{}, err
	}
	o := Overview{Articles: n, Earliest: earliest, Latest: latest}
	arts, err := l.st.LatestArticles(ctx, 200) // the newest are representative enough
	if err != nil {
		return o, err
	}
	docs := make([]*digestDoc, 0, len(arts))
	for _, a := range arts {
		ps, err := l.st.ArticlePassages(ctx, a.Ord)
		if err != nil {
			return o, err
		}
		docs = append(docs, newDigestDoc(article(a), ps))
	}
	items := make([][]*digestDoc, len(docs))
	for i, d := range docs {
		items[i] = []*digestDoc{d}
	}
	for _, th := range themes(items, idfOf(docs), "") {
		o.Topics = append(o.Topics, th.Phrase)
		if len(o.Topics) == 4 {
			break
		}
	}
	return o, nil
}

// Heading is the digest's headline, e.g. "Briefing for Sunday 22 November ·
// 5 new articles · 5 sources".
func (d Digest) Heading(loc *time.Location) string {
	if loc == nil {
		loc = time.UTC
	}
	h := "Briefing for " + d.Until.In(loc).Format("Monday 2 January")
	if d.Topic != "" {
		h = fmt.Sprintf("Briefing on %s for %s", d.Topic, d.Until.In(loc).Format("Monday 2 January"))
	}
	if d.Articles == 0 {
		return h + " · nothing new"
	}
	return fmt.Sprintf("%s · %s · %s", h, plural(d.Articles, "new article"), plural(d.Sources, "source"))
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// Text renders the digest as plain text for the command line.
func (d Digest) Text(loc *time.Location) string {
	var b strings.Builder
	b.WriteString(d.Heading(loc) + "\n")
	if d.Articles == 0 {
		b.WriteString("\n" + d.NothingNew(loc) + "\n")
		return b.String()
	}
	if d.Overview != "" {
		b.WriteString("\n" + d.Overview + "\n")
	}
	if len(d.Themes) > 0 {
		b.WriteString("\nAcross sources\n")
		for _, th := range d.Themes {
			fmt.Fprintf(&b, "• %s — %s\n", th.Phrase, strings.Join(labels(th.Articles, 40), ", "))
		}
	}
	b.WriteString("\nNew\n")
	for i, it := range d.Items {
		fmt.Fprintf(&b, "%d. %s", i+1, it.Article.Label())
		if m := it.Article.Meta(); m != "" {
			b.WriteString(" · " + m)
		}
		b.WriteString("\n")
		for _, q := range it.Summary {
			fmt.Fprintf(&b, "   %s [%d]\n", oneLine(q.Text), q.Cite)
		}
		if len(it.Also) > 0 {
			fmt.Fprintf(&b, "   Reported by %d sources; also: %s\n", len(it.Also)+1, strings.Join(labels(it.Also, 60), "; "))
		}
	}
	if d.More > 0 {
		b.WriteString(d.MoreLine() + "\n")
	}
	b.WriteString("\n")
	for _, r := range References(d.Citations) {
		b.WriteString(r.Line() + "\n")
	}
	fmt.Fprintf(&b, "\n(%s)\n", Footer(d.SummarizedBy))
	return b.String()
}

// MoreLine says how many new articles the digest does not list.
func (d Digest) MoreLine() string {
	return fmt.Sprintf("… and %s, older, not listed here.", plural(d.More, "more new article"))
}

// NothingNew is the line an empty digest shows: "Nothing new since Mon 3
// Feb 08:00 UTC."
func (d Digest) NothingNew(loc *time.Location) string {
	return "Nothing new since " + d.Since.In(orUTC(loc)).Format("Mon 2 Jan 15:04 MST") + "."
}

func orUTC(loc *time.Location) *time.Location {
	if loc == nil {
		return time.UTC
	}
	return loc
}

// labels names articles, shortening long titles to about max characters.
func labels(arts []Article, max int) []string {
	out := make([]string, len(arts))
	for i, a := range arts {
		out[i] = Shorten(a.Label(), max)
	}
	return out
}

// Shorten cuts s at a word boundary to at most max characters, adding "…".
func Shorten(s string, max int) string {
	r := []rune(s)
	if len(r) <= max {
		return s
	}
	cut := string(r[:max])
	if i := strings.LastIndexAny(cut, " :—-,"); i > max/2 {
		cut = cut[:i]
	}
	return strings.TrimRight(cut, " :—-,") + "…"
}
