package briefing

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"briefbot/briefing/corpus"
	"briefbot/briefing/search"
)

// MaxQuestion is the longest question accepted, in characters.
const MaxQuestion = 1000

// ErrEmptyQuestion and ErrLongQuestion report unusable questions; their
// messages are fit to show a user.
var (
	ErrEmptyQuestion = errors.New("the question is empty; ask something like \"what did sources say about export controls?\"")
	ErrLongQuestion  = fmt.Errorf("the question is longer than %d characters; ask something shorter", MaxQuestion)
)

// CheckQuestion returns the trimmed question, or ErrEmptyQuestion or
// ErrLongQuestion.
func CheckQuestion(q string) (string, error) {
	q = strings.TrimSpace(q)
	if q == "" {
		return "", ErrEmptyQuestion
	}
	if utf8.RuneCountInString(q) > MaxQuestion {
		return "", ErrLongQuestion
	}
	return q, nil
}

// AskOptions tune one question.
type AskOptions struct {
	K          int  // passages to retrieve, default 5
	Extractive bool // never summarise, even when an LLM is configured
}

// Ask answers question from the corpus: the best passages (at most K), the
// best quote or two from each article, numbered citations, and, when a
// Summarizer is configured, a verified summary on top.
func (l *Library) Ask(ctx context.Context, question string, opt AskOptions) (Answer, error) {
	question, err := CheckQuestion(question)
	if err != nil {
		return Answer{}, err
	}
	if opt.K <= 0 {
		opt.K = 5
	}
	q := search.ParseQuery(question)
	ans := Answer{Question: question, Topic: q.Topic, Subject: subject(question, q.Topic), SummarizedBy: "extractive"}

	l.follow(ctx)
	sopt := search.Options{K: opt.K, Text: func(id uint32) (string, bool) {
		ps, err := l.st.Passages(ctx, []int64{int64(id)})
		p, ok := ps[int64(id)]
		return p.Text, err == nil && ok
	}, Now: l.now(), Dates: l.articleDates(ctx)}
	hits := l.retrieve(ctx, q, sopt) // takes and releases l.mu's read lock

	if len(hits) == 0 {
		ans.Corpus, err = l.answerOverview(ctx)
		return ans, err
	}
	ids := make([]int64, len(hits))
	ords := make([]int64, 0, len(hits))
	for i, h := range hits {
		ids[i] = int64(h.ID)
		ords = append(ords, int64(h.Group))
	}
	ps, err := l.st.Passages(ctx, ids)
	if err != nil {
		return ans, err
	}
	arts, err := l.st.ArticlesByOrd(ctx, ords)
	if err != nil {
		return ans, err
	}
	for _, h := range hits {
		p, ok := ps[int64(h.ID)]
		a, aok := arts[int64(h.Group)]
		if !ok || !aok {
			continue // removed by a concurrent refresh
		}
		ans.Passages = append(ans.Passages, Passage{Article: article(a), Seq: p.Seq, Text: p.Text, Score: h.Score})
	}
	// Best first, whatever order retrieval spread them in.
	slices.SortStableFunc(ans.Passages, func(a, b Passage) int { return cmp.Compare(b.Score, a.Score) })
	compose(&ans, q)
	if !opt.Extractive && l.sum != nil && len(ans.Citations) > 0 {
		sp := make([]SummaryPassage, len(ans.Citations))
		for i, c := range ans.Citations {
			p := ans.Passages[c.Passage]
			sp[i] = SummaryPassage{N: c.N, Title: p.Article.Label(), Source: p.Article.Source, Date: day(p.Article.Published), Text: p.Text}
		}
		if text, by := l.sum.summarize(ctx, "answer", question, sp); text != "" {
			ans.Summary, ans.SummarizedBy = text, by
		}
	}
	return ans, nil
}

// subject returns topic when it reads as a noun phrase naming what the
// question is about: the whole question ("US export controls"), or what
// follows "about", "on", "regarding" ... ("what did sources say about export
// controls?"). Otherwise it returns "": a topic cut out of a question such
// as "chips did DeepSeek use" is no heading.
func subject(question, topic string) string {
	i := strings.Index(question, topic)
	if topic == "" || i < 0 {
		return ""
	}
	for _, w := range strings.Fields(strings.ToLower(topic)) {
		if verbish[strings.Trim(w, ",;:!?.\"'’")] {
			return ""
		}
	}
	before := strings.Fields(strings.ToLower(question[:i]))
	for len(before) > 0 && (before[len(before)-1] == "the" || before[len(before)-1] == "a" || before[len(before)-1] == "an") {
		before = before[:len(before)-1]
	}
	if len(before) == 0 && i > 0 && strings.TrimSpace(question[:i]) != "" {
		return "" // only an article before it: "The ...?" is a question
	}
	if len(before) == 0 {
		if strings.HasSuffix(strings.TrimSpace(question), "?") {
			return ""
		}
		return topic
	}
	switch strings.Trim(before[len(before)-1], ",:") {
	case "about", "on", "regarding", "concerning", "re", "of", "around", "over":
		return topic
	}
	return ""
}

// verbish words in a topic show that it is a clause, not a noun phrase.
var verbish = map[string]bool{
	"do": true, "does": true, "did": true, "is": true, "are": true, "was": true, "were": true, "be": true,
	"been": true, "being": true, "has": true, "have": true, "had": true, "will": true, "would": true,
	"can": true, "could": true, "should": true, "shall": true, "may": true, "might": true, "must": true,
	"say": true, "says": true, "said": true, "to": true,
}

// maxQuotesPerArticle caps how many passages one article contributes to the
// rendered answer, so several sources get a say.
const maxQuotesPerArticle = 2

// compose groups ans.Passages by article (in rank order of each article's best
// passage), picks the sentence or two of each passage that answers, and
// numbers the citations in reading order.
func compose(ans *Answer, q search.Query) {
	qq := newQuoteQuery(q)
	groupOf := map[string]int{}
	var picked [][]int // per group: passage indexes
	for i, p := range ans.Passages {
		g, ok := groupOf[p.Article.ID]
		if !ok {
			g = len(ans.Groups)
			groupOf[p.Article.ID] = g
			ans.Groups = append(ans.Groups, Group{Article: p.Article})
			picked = append(picked, nil)
		}
		if len(picked[g]) < maxQuotesPerArticle {
			picked[g] = append(picked[g], i)
		}
	}
	n := 0
	for g := range ans.Groups {
		idx := picked[g]
		slices.SortFunc(idx, func(a, b int) int { return ans.Passages[a].Seq - ans.Passages[b].Seq })
		for _, i := range idx {
			n++
			ans.Groups[g].Quotes = append(ans.Groups[g].Quotes, Quote{Text: bestQuote(ans.Passages[i].Text, qq), Cite: n})
			ans.Citations = append(ans.Citations, Citation{N: n, Article: ans.Passages[i].Article, Passage: i})
		}
	}
}

// quoteQuery is what bestQuote looks for in a passage.
type quoteQuery struct {
	want    map[string]bool // stemmed query terms
	phrases [][]string
	amount  bool // the question asks for an amount: prefer sentences that state one
	speech  bool // the question asks what someone said: prefer their quoted words
}

func newQuoteQuery(q search.Query) quoteQuery {
	qq := quoteQuery{want: make(map[string]bool, len(q.Terms)), phrases: q.Phrases, amount: q.Quantity}
	for _, t := range q.Terms {
		qq.want[t] = true
	}
	for _, w := range strings.Fields(strings.ToLower(q.Text)) {
		if speechVerbs[strings.Trim(w, ",;:!?.\"'’")] {
			qq.speech = true
		}
	}
	return qq
}

// speechVerbs in a question ask for someone's words.
var speechVerbs = map[string]bool{
	"say": true, "said": true, "says": true, "tell": true, "told": true, "claim": true, "claimed": true,
	"argue": true, "argued": true, "warn": true, "warned": true, "think": true, "thinks": true,
	"comment": true, "commented": true, "respond": true, "responded": true, "quote": true, "quoted": true,
}

// bestQuote returns the whole sentences of text that best answer the query:
// the best-matching sentence (for an amount question, one stating an
// amount; for a question about what someone said, their quoted words),
// extended by a neighbour that matches too, by the next sentence when it is
// short, and by the list a sentence ending in ":" introduces. The result is
// a verbatim substring of text.
func bestQuote(text string, qq quoteQuery) string {
	sents := corpus.Sentences(text)
	if len(sents) <= 1 {
		return strings.TrimSpace(text)
	}
	score := make([]float64, len(sents))
	best := 0
	for i, s := range sents {
		sent := text[s[0]:s[1]]
		terms := search.Analyze(sent)
		seen := map[string]bool{}
		for _, t := range terms {
			if qq.want[t] && !seen[t] {
				seen[t] = true
				score[i]++
			}
		}
		for _, ph := range qq.phrases {
			if containsRun(terms, ph) {
				score[i] += 1.5
			}
		}
		if words := len(terms); words < 5 {
			score[i] -= 0.5 // a fragment or heading says little
		}
		if qq.amount && search.StatesAmount(sent) {
			score[i] += 2
		}
		if qq.speech && quotes(sent) {
			score[i] += 1.5
		}
		if score[i] > score[best] {
			best = i
		}
	}
	lo, hi := best, best
	if score[best] <= 0 {
		// Nothing matches by sentence (the match spans sentences, or only
		// the passage's meaning matched): lead with the first two.
		lo, hi = 0, min(1, len(sents)-1)
	} else if best+1 < len(sents) && score[best+1] >= 1 && score[best+1] >= score[best]/2 {
		hi = best + 1
	} else if best > 0 && score[best-1] >= 1 && score[best-1] >= score[best]/2 {
		lo = best - 1
	}
	// A short sentence ("Export controls are another worry.") says little on
	// its own: let the sentence after it, which usually explains, come too.
	if words(text[sents[lo][0]:sents[hi][1]]) < shortQuote {
		if hi+1 < len(sents) && words(text[sents[hi+1][0]:sents[hi+1][1]]) <= 45 {
			hi++
		} else if lo > 0 && words(text[sents[lo-1][0]:sents[lo-1][1]]) <= 45 {
			lo--
		}
	}
	// A sentence that introduces a list brings the list.
	if strings.HasSuffix(text[sents[hi][0]:sents[hi][1]], ":") {
		for hi+1 < len(sents) && hi-lo < maxListItems && corpus.IsListItem(text[sents[hi+1][0]:sents[hi+1][1]]) {
			hi++
		}
	}
	return strings.TrimSpace(text[sents[lo][0]:sents[hi][1]])
}

// maxListItems is how many list items a quote carries at most.
const maxListItems = 8

// quotes reports whether a sentence holds a quotation of a few words.
func quotes(s string) bool {
	for _, open := range []string{"\u201c", "\""} {
		if i := strings.Index(s, open); i >= 0 && words(s[i:]) >= 4 {
			return true
		}
	}
	return false
}

// shortQuote is the length in words below which a quote is extended by a
// neighbouring sentence.
const shortQuote = 14

func words(s string) int { return len(strings.Fields(s)) }

func containsRun(terms, run []string) bool {
	if len(run) == 0 {
		return false
	}
outer:
	for i := 0; i+len(run) <= len(terms); i++ {
		for j := range run {
			if terms[i+j] != run[j] {
				continue outer
			}
		}
		return true
	}
	return false
}

// Label is how an article is named to a reader: its title, or its date and
// file name when it has none.
func (a Article) Label() string {
	if a.Title != "" {
		return a.Title
	}
	name := shortID(a.ID)
	if !a.Published.IsZero() {
		return fmt.Sprintf("%s article (%s)", day(a.Published), name)
	}
	return "Article " + name
}

var hashedName = regexp.MustCompile(`^(\d+)[_-][0-9a-f]{8,}$`)

// shortID is the file name of id, without a trailing content hash.
func shortID(id string) string {
	base := path.Base(id)
	if m := hashedName.FindStringSubmatch(base); m != nil {
		return m[1]
	}
	return base
}

// day formats t as "4 Feb 2025", "" for the zero time.
func day(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format("2 Jan 2006")
}

// Date returns the article's publication date as YYYY-MM-DD, "" when unknown.
func (a Article) Date() string {
	if a.Published.IsZero() {
		return ""
	}
	return a.Published.Format("2006-01-02")
}

func sortNewest(list []Article) {
	slices.SortStableFunc(list, func(a, b Article) int {
		if c := b.Published.Compare(a.Published); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
}
