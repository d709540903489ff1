package bot

import (
	"fmt"
	"strings"
	"time"

	"briefbot/briefing"
)

// AnswerReply renders an answer: a heading, the optional verified summary,
// one section per source with its verbatim quotes and citation markers, and
// the numbered references.
func AnswerReply(a briefing.Answer) Reply {
	if len(a.Passages) == 0 {
		lines := []Line{}
		if d := a.Corpus.Describe(); d != "" {
			lines = append(lines, Line{Text: d})
		}
		lines = append(lines, Line{Text: "Try /brief sources to see what it holds, or ask about one of those topics."})
		return Reply{Title: a.Heading(), Sections: []Section{{Lines: lines}}}
	}
	r := Reply{Title: a.Heading(), Footer: briefing.Footer(a.SummarizedBy)}
	if a.Summary != "" {
		r.Sections = append(r.Sections, Section{Heading: "Summary", Lines: []Line{{Text: a.Summary}}})
	}
	for _, g := range a.Groups {
		s := Section{Heading: g.Article.Label(), URL: g.Article.URL, Meta: g.Article.Meta()}
		for _, q := range g.Quotes {
			s.Lines = append(s.Lines, Line{Text: oneLine(q.Text), Style: Quote, Cites: []Cite{{N: q.Cite, URL: g.Article.URL}}})
		}
		r.Sections = append(r.Sections, s)
	}
	r.Sections = append(r.Sections, references(a.Citations))
	return r
}

// references lists each cited article once: "[1] [2] Title · Source · date".
func references(cites []briefing.Citation) Section {
	s := Section{Heading: "Sources"}
	for _, r := range briefing.References(cites) {
		text := r.Markers() + " " + briefing.Shorten(r.Article.Label(), 90)
		if m := r.Article.Meta(); m != "" {
			text += " · " + m
		}
		s.Lines = append(s.Lines, Line{Text: text, URL: r.Article.URL})
	}
	return s
}

// DigestReply renders a digest: heading, optional overview, the themes
// shared across sources, then one section per story.
func DigestReply(d briefing.Digest, loc *time.Location) Reply {
	r := Reply{Title: d.Heading(loc), Footer: briefing.Footer(d.SummarizedBy)}
	if d.Articles == 0 {
		r.Footer = ""
		r.Sections = []Section{{Lines: []Line{{Text: d.NothingNew(loc)}}}}
		return r
	}
	if d.Overview != "" {
		r.Sections = append(r.Sections, Section{Heading: "Overview", Lines: []Line{{Text: d.Overview}}})
	}
	if len(d.Themes) > 0 {
		s := Section{Heading: "Across sources"}
		for _, th := range d.Themes {
			names := make([]string, len(th.Articles))
			for i, a := range th.Articles {
				names[i] = briefing.Shorten(a.Label(), 40)
			}
			s.Lines = append(s.Lines, Line{Text: th.Phrase + " — " + strings.Join(names, ", "), Style: Bullet})
		}
		r.Sections = append(r.Sections, s)
	}
	for i, it := range d.Items {
		s := Section{Heading: fmt.Sprintf("%d. %s", i+1, it.Article.Label()), URL: it.Article.URL, Meta: it.Article.Meta()}
		for _, q := range it.Summary {
			s.Lines = append(s.Lines, Line{Text: oneLine(q.Text), Style: Quote, Cites: []Cite{{N: q.Cite, URL: it.Article.URL}}})
		}
		if len(it.Also) > 0 {
			names := make([]string, len(it.Also))
			for j, a := range it.Also {
				names[j] = briefing.Shorten(a.Label(), 60)
				if a.Source != "" {
					names[j] += " (" + a.Source + ")"
				}
			}
			s.Lines = append(s.Lines, Line{Text: fmt.Sprintf("Reported by %d sources; also: %s", len(it.Also)+1, strings.Join(names, "; "))})
		}
		r.Sections = append(r.Sections, s)
	}
	if d.More > 0 {
		r.Sections = append(r.Sections, Section{Lines: []Line{{Text: d.MoreLine()}}})
	}
	return r
}

// SourcesReply lists the corpus's articles, newest first.
func SourcesReply(arts []briefing.Article) Reply {
	if len(arts) == 0 {
		return Reply{Title: "The corpus is empty: add .txt, .md or .html articles to the corpus folder."}
	}
	const max = 40
	r := Reply{Title: fmt.Sprintf("%d articles in the corpus", len(arts))}
	s := Section{}
	for i, a := range arts {
		if i == max {
			s.Lines = append(s.Lines, Line{Text: fmt.Sprintf("… and %d more.", len(arts)-max)})
			break
		}
		text := a.Label()
		if m := a.Meta(); m != "" {
			text += " · " + m
		}
		s.Lines = append(s.Lines, Line{Text: text, URL: a.URL, Style: Bullet})
	}
	r.Sections = []Section{s}
	return r
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
