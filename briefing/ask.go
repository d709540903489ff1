package briefing

import (
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
	ans := Answer{Question: question, Topic: q.Topic, SummarizedBy: "extractive"}

	l.mu.RLock()
	hits := l.ix.Search(q, search.Options{K: opt.K, Text: func(id uint32) (string, bool) {
		ps, err := l.st.Passages(ctx, []int64{int64(id)})
		p, ok := ps[int64(id)]
		return p.Text, err == nil && ok
	}})
	l.mu.RUnlock()

	if len(hits) == 0 {
		ans.Corpus, err = l.cachedOverview(ctx)
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

// maxQuotesPerArticle caps how many passages one article contributes to the
// rendered answer, so several sources get a say.
const maxQuotesPerArticle = 2

// compose groups ans.Passages by article (in rank order of each article's best
// passage), picks the sentence or two of each passage that answers, and
// numbers the citations in reading order.
func compose(ans *Answer, q search.Query) {
	want := make(map[string]bool, len(q.Terms))
	for _, t := range q.Terms {
		want[t] = true
	}
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
			ans.Groups[g].Quotes = append(ans.Groups[g].Quotes, Quote{Text: bestQuote(ans.Passages[i].Text, want, q.Phrases), Cite: n})
			ans.Citations = append(ans.Citations, Citation{N: n, Article: ans.Passages[i].Article, Passage: i})
		}
	}
}

// bestQuote returns the sentence of text that best matches the query terms,
// extended by its neighbour when that one matches too. The result is a
// verbatim substring of text.
func bestQuote(text string, want map[string]bool, phrases [][]string) string {
	sents := corpus.Sentences(text)
	if len(sents) <= 1 {
		return strings.TrimSpace(text)
	}
	score := make([]float64, len(sents))
	best := 0
	for i, s := range sents {
		terms := search.Analyze(text[s[0]:s[1]])
		seen := map[string]bool{}
		for _, t := range terms {
			if want[t] && !seen[t] {
				seen[t] = true
				score[i]++
			}
		}
		for _, ph := range phrases {
			if containsRun(terms, ph) {
				score[i] += 1.5
			}
		}
		if words := len(terms); words < 5 {
			score[i] -= 0.5 // a fragment or heading says little
		}
		if score[i] > score[best] {
			best = i
		}
	}
	lo, hi := best, best
	if score[best] <= 0 {
		// Nothing matches by sentence (the match spans sentences): lead with the first two.
		hi = min(1, len(sents)-1)
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
	return strings.TrimSpace(text[sents[lo][0]:sents[hi][1]])
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

// Meta is the article's source, byline and date joined by " · ", skipping
// what is unknown (and the date when Label already shows it).
func (a Article) Meta() string {
	var parts []string
	date := day(a.Published)
	if a.Title == "" {
		date = ""
	}
	for _, s := range []string{a.Source, a.Author, date} {
		if s != "" && !slices.Contains(parts, s) {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, " · ")
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

// Heading is the plain-text headline of the answer.
func (a Answer) Heading() string {
	if len(a.Passages) == 0 {
		return "Nothing in the corpus is about that."
	}
	topic := a.Topic
	if topic == "" {
		topic = a.Question
	}
	n := len(a.Groups)
	noun := "sources"
	if n == 1 {
		noun = "source"
	}
	return fmt.Sprintf("What sources said about %s · %d %s", topic, n, noun)
}

// Text renders the answer as plain text with markdown-style quotes, for the
// command line and the JSON "answer" field.
func (a Answer) Text() string {
	var b strings.Builder
	if len(a.Passages) == 0 {
		b.WriteString(a.Heading())
		if d := a.Corpus.Describe(); d != "" {
			b.WriteString(" " + d)
		}
		b.WriteString("\n")
		return b.String()
	}
	b.WriteString(a.Heading() + "\n\n")
	if a.Summary != "" {
		b.WriteString(a.Summary + "\n\n")
	}
	for _, g := range a.Groups {
		b.WriteString(g.Article.Label())
		if m := g.Article.Meta(); m != "" {
			b.WriteString(" · " + m)
		}
		b.WriteString("\n")
		for _, q := range g.Quotes {
			fmt.Fprintf(&b, "> %s [%d]\n", oneLine(q.Text), q.Cite)
		}
		b.WriteString("\n")
	}
	for _, r := range References(a.Citations) {
		b.WriteString(r.Line() + "\n")
	}
	fmt.Fprintf(&b, "\n(%s)\n", Footer(a.SummarizedBy))
	return b.String()
}

// Reference is one cited article with all its citation numbers.
type Reference struct {
	Cites   []int
	Article Article
}

// References lists each cited article once, in order of first citation.
func References(cites []Citation) []Reference {
	var out []Reference
	index := map[string]int{}
	for _, c := range cites {
		i, ok := index[c.Article.ID]
		if !ok {
			i = len(out)
			index[c.Article.ID] = i
			out = append(out, Reference{Article: c.Article})
		}
		out[i].Cites = append(out[i].Cites, c.N)
	}
	return out
}

// Markers is the reference's citation markers, e.g. "[1] [2]".
func (r Reference) Markers() string {
	marks := make([]string, len(r.Cites))
	for i, n := range r.Cites {
		marks[i] = fmt.Sprintf("[%d]", n)
	}
	return strings.Join(marks, " ")
}

// Line is the reference as one line: "[1] [2] Title · Source · date · url".
func (r Reference) Line() string {
	parts := []string{r.Markers() + " " + r.Article.Label()}
	if m := r.Article.Meta(); m != "" {
		parts = append(parts, m)
	}
	if r.Article.URL != "" {
		parts = append(parts, r.Article.URL)
	}
	return strings.Join(parts, " · ")
}

// Footer says who wrote a reply: a verified LLM summary on top of verbatim
// quotes, or the extractive answer alone. by is SummarizedBy. It claims only
// what verification checks (see verifySummary): not the paraphrase.
func Footer(by string) string {
	if model, ok := strings.CutPrefix(by, "llm:"); ok {
		return "Summary by " + model + " (citations, quotations, names, numbers and links checked against the cited passages; paraphrase unchecked) · quotes are verbatim"
	}
	return "Extractive answer · quotes are verbatim from the articles"
}

// oneLine collapses runs of whitespace (newlines included) to one space.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// Describe says what the corpus covers, e.g. "The corpus covers 5 articles
// (Jan–Feb 2025) on DeepSeek, export controls and open source."
func (o Overview) Describe() string {
	if o.Articles == 0 {
		return "The corpus is empty."
	}
	noun := "articles"
	if o.Articles == 1 {
		noun = "article"
	}
	s := fmt.Sprintf("The corpus covers %d %s", o.Articles, noun)
	if !o.Earliest.IsZero() {
		switch {
		case o.Earliest.Year() != o.Latest.Year():
			s += fmt.Sprintf(" (%s–%s)", o.Earliest.Format("Jan 2006"), o.Latest.Format("Jan 2006"))
		case o.Earliest.Month() != o.Latest.Month():
			s += fmt.Sprintf(" (%s–%s)", o.Earliest.Format("Jan"), o.Latest.Format("Jan 2006"))
		default:
			s += fmt.Sprintf(" (%s)", o.Earliest.Format("Jan 2006"))
		}
	}
	if len(o.Topics) > 0 {
		s += " on " + joinAnd(o.Topics)
	}
	return s + "."
}

func joinAnd(items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}

func sortNewest(list []Article) {
	slices.SortStableFunc(list, func(a, b Article) int {
		if c := b.Published.Compare(a.Published); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
}
