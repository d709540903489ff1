package bot

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"briefbot/briefing"
	"briefbot/briefing/corpus"
)

// AnswerReply renders an answer: a heading, the optional verified summary,
// one section per source with its verbatim quotes and citation markers, and
// the numbered references. An answer without passages says so, what the
// corpus does cover, and how to ask again.
func AnswerReply(a briefing.Answer) Reply {
	if len(a.Passages) == 0 {
		return nothingReply(a.Corpus)
	}
	r := Reply{Title: answerTitle(a), Footer: footer(a.SummarizedBy, "answer")}
	if a.Summary != "" {
		r.Sections = append(r.Sections, Section{Heading: "Summary", Lines: []Line{{Text: a.Summary}}})
	}
	for _, g := range a.Groups {
		s := Section{Heading: g.Article.Label(), URL: g.Article.URL, Meta: ArticleMeta(g.Article)}
		for _, q := range g.Quotes {
			s.Lines = append(s.Lines, quoteLines(q, g.Article.URL)...)
		}
		r.Sections = append(r.Sections, s)
	}
	r.Sections = append(r.Sections, references(a.Citations))
	return r
}

// answerTitle is the answer's heading: its subject as a noun phrase
// ("Export controls · 3 sources"), or the question itself when it has none.
func answerTitle(a briefing.Answer) string {
	head := capitalize(OneLine(a.Subject))
	if head == "" {
		head = capitalize(OneLine(a.Question))
	}
	return head + " · " + countOf(len(a.Groups), "source")
}

// nothingReply says the corpus has nothing on a question, what it covers
// instead, and how to ask again.
func nothingReply(o briefing.Overview) Reply {
	lines := []Line{{Text: describe(o)}}
	if o.Articles > 0 {
		lines = append(lines, Line{Text: "Try other words for it (a name, a company, a place), ask about one of those topics, or list every article with the sources command."})
	}
	return Reply{Title: "Nothing in the corpus is about that.", Sections: []Section{{Lines: lines}}}
}

// describe says what the corpus covers, e.g. "The corpus holds 5 articles,
// published 20 Jan – 13 Feb 2025, on export controls, Nvidia chips and open
// source."
func describe(o briefing.Overview) string {
	if o.Articles == 0 {
		return "The corpus is empty: add .txt, .md or .html articles to the corpus folder."
	}
	s := "The corpus holds " + countOf(o.Articles, "article")
	if span := dateSpan(o.Earliest, o.Latest); span != "" {
		s += ", published " + span
	}
	if len(o.Topics) > 0 {
		s += ", on " + joinAnd(o.Topics)
	}
	return s + "."
}

// dateSpan is "4 Feb 2025", "20 Jan – 13 Feb 2025" or "3 Dec 2024 – 13 Feb
// 2025"; "" when the dates are unknown.
func dateSpan(from, to time.Time) string {
	switch {
	case from.IsZero():
		return ""
	case to.IsZero() || from.Format("2006-01-02") == to.Format("2006-01-02"):
		return day(from)
	case from.Year() == to.Year():
		return from.Format("2 Jan") + " – " + day(to)
	}
	return day(from) + " – " + day(to)
}

// quoteLines renders a quote as block-quote lines, the citation after the
// last. A quote that holds a list keeps one line per item.
func quoteLines(q briefing.Quote, url string) []Line {
	var out []Line
	for _, item := range listItems(q.Text) {
		out = append(out, Line{Text: item, Style: Quote})
	}
	out[len(out)-1].Cites = []Cite{{N: q.Cite, URL: url}}
	return out
}

// listItems splits text before each line that opens a list item ("- ",
// "* ", "• ", "1. ", "2) "), each part on one line; text without such lines
// is one part.
func listItems(text string) []string {
	var out []string
	cur := ""
	for line := range strings.SplitSeq(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if cur != "" && corpus.IsListItem(line) {
			out = append(out, cur)
			cur = ""
		}
		if cur != "" {
			cur += " "
		}
		cur += line
	}
	out = append(out, OneLine(cur))
	for i := range out {
		out[i] = OneLine(out[i])
	}
	return out
}

// references lists each cited article once: "[1] [2] Title · Source · date".
func references(cites []briefing.Citation) Section {
	type ref struct {
		marks   []string
		article briefing.Article
	}
	var refs []*ref
	byID := map[string]*ref{}
	for _, c := range cites {
		r := byID[c.Article.ID]
		if r == nil {
			r = &ref{article: c.Article}
			byID[c.Article.ID] = r
			refs = append(refs, r)
		}
		r.marks = append(r.marks, fmt.Sprintf("[%d]", c.N))
	}
	s := Section{Heading: "Sources"}
	for _, r := range refs {
		text := strings.Join(r.marks, " ") + " " + Shorten(r.article.Label(), 90)
		if m := ArticleMeta(r.article); m != "" {
			text += " · " + m
		}
		s.Lines = append(s.Lines, Line{Text: text, URL: r.article.URL})
	}
	return s
}

// footer says who wrote a reply: a verified LLM summary on top of verbatim
// quotes, or the extractive reply alone; kind names the reply ("answer",
// "digest"). by is SummarizedBy. It claims only what verification checks
// (see briefing's verifySummary): not the paraphrase.
func footer(by, kind string) string {
	if model, ok := strings.CutPrefix(by, "llm:"); ok {
		return "Summary by " + model + " (citations, quotations, names, numbers and links checked against the cited passages; paraphrase unchecked) · quotes are verbatim"
	}
	return "Extractive " + kind + " · quotes are verbatim from the articles"
}

// DigestReply renders a digest: heading, optional overview, the themes
// shared across sources (each with who shares it and a short quote), then
// one section per story.
func DigestReply(d briefing.Digest, loc *time.Location) Reply {
	if loc == nil {
		loc = time.UTC
	}
	r := Reply{Title: digestTitle(d, loc), Footer: footer(d.SummarizedBy, "digest")}
	if d.Articles == 0 {
		r.Footer = ""
		r.Sections = []Section{{Lines: []Line{{Text: "Nothing new since " + d.Since.In(loc).Format("Mon 2 Jan 15:04 MST") + "."}}}}
		return r
	}
	if d.Overview != "" {
		r.Sections = append(r.Sections, Section{Heading: "Overview", Lines: []Line{{Text: d.Overview}}})
	}
	if len(d.Themes) > 0 {
		s := Section{Heading: "Across sources"}
		for _, th := range d.Themes {
			var names []string
			for i, a := range th.Articles {
				if i == maxThemeArticles && len(th.Articles) > maxThemeArticles+1 {
					names = append(names, fmt.Sprintf("%d more", len(th.Articles)-i))
					break
				}
				names = append(names, Shorten(a.Label(), 40))
			}
			s.Lines = append(s.Lines, Line{Text: th.Phrase + " — " + strings.Join(names, ", "), Style: Bullet})
			if th.Quote.Text != "" {
				s.Lines = append(s.Lines, Line{Text: OneLine(th.Quote.Text), Style: Quote, Cites: []Cite{{N: th.Quote.Cite, URL: citeURL(d, th.Quote.Cite)}}})
			}
		}
		r.Sections = append(r.Sections, s)
	}
	for i, it := range d.Items {
		s := Section{Heading: fmt.Sprintf("%d. %s", i+1, it.Article.Label()), URL: it.Article.URL, Meta: ArticleMeta(it.Article)}
		for _, q := range it.Summary {
			s.Lines = append(s.Lines, quoteLines(q, it.Article.URL)...)
		}
		if len(it.Also) > 0 {
			names := make([]string, len(it.Also))
			for j, a := range it.Also {
				names[j] = Shorten(a.Label(), 60)
				if a.Source != "" {
					names[j] += " (" + a.Source + ")"
				}
			}
			s.Lines = append(s.Lines, Line{Text: fmt.Sprintf("Reported by %d sources; also: %s", len(it.Also)+1, strings.Join(names, "; "))})
		}
		r.Sections = append(r.Sections, s)
	}
	if d.More > 0 {
		r.Sections = append(r.Sections, Section{Lines: []Line{{Text: "… and " + countOf(d.More, "more new article") + ", older, not listed here."}}})
	}
	return r
}

// maxThemeArticles is how many articles a theme names before counting the
// rest.
const maxThemeArticles = 4

// citeURL is the URL of the article cited as [n] in d, "" when unknown.
func citeURL(d briefing.Digest, n int) string {
	for _, c := range d.Citations {
		if c.N == n {
			return c.Article.URL
		}
	}
	return ""
}

// digestTitle is the digest's headline, e.g. "Briefing for Sunday 22
// November · 5 new articles · 5 sources".
func digestTitle(d briefing.Digest, loc *time.Location) string {
	date := d.Until.In(loc).Format("Monday 2 January")
	h := "Briefing for " + date
	if d.Topic != "" {
		h = "Briefing on " + OneLine(d.Topic) + " for " + date
	}
	if d.Articles == 0 {
		return h + " · nothing new"
	}
	return h + " · " + countOf(d.Articles, "new article") + " · " + countOf(d.Sources, "source")
}

// SourcesReply lists the corpus's articles, newest first.
func SourcesReply(arts []briefing.Article) Reply {
	if len(arts) == 0 {
		return Reply{Title: "The corpus is empty: add .txt, .md or .html articles to the corpus folder."}
	}
	const max = 40
	r := Reply{Title: countOf(len(arts), "article") + " in the corpus"}
	s := Section{}
	for i, a := range arts {
		if i == max {
			s.Lines = append(s.Lines, Line{Text: fmt.Sprintf("… and %d more.", len(arts)-max)})
			break
		}
		text := a.Label()
		if m := ArticleMeta(a); m != "" {
			text += " · " + m
		}
		s.Lines = append(s.Lines, Line{Text: text, URL: a.URL, Style: Bullet})
	}
	r.Sections = []Section{s}
	return r
}

// ArticleMeta is an article's source, byline and date joined by " · ",
// skipping what is unknown (and the date when its label already shows it).
func ArticleMeta(a briefing.Article) string {
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

// countOf is "1 article" or "5 articles": the one plural of bot's replies.
func countOf(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// OneLine collapses runs of white space (line breaks included) to one space
// and trims the ends.
func OneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

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

func joinAnd(items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}
