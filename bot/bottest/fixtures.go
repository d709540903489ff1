package bottest

import (
	"embed"
	"fmt"
	"io/fs"
	"strings"

	"briefbot/bot"
)

//go:embed testdata/corpus
var corpus embed.FS

// corpusFS is the suite's corpus: three short articles with front matter.
func corpusFS() fs.FS {
	sub, err := fs.Sub(corpus, "testdata/corpus")
	if err != nil {
		panic(err) // the embedded folder is always there
	}
	return sub
}

// article is a fixture article and a question only it answers.
type article struct {
	file, question string
	title, url     string // from its front matter
	body           string // its text, white space collapsed
}

// questions maps each fixture file to a question it answers.
var questions = []struct{ file, question string }{
	{"battery-ferry.md", "what did sources say about charging the battery ferry?"},
	{"seed-library.md", "what do borrowers of the seed library return?"},
	{"comet-volunteers.md", "what did sources say about the comet tail?"},
}

// loadArticles reads the fixture articles.
func loadArticles() ([]article, error) {
	var out []article
	for _, q := range questions {
		raw, err := fs.ReadFile(corpusFS(), q.file)
		if err != nil {
			return nil, fmt.Errorf("bottest: fixture: %w", err)
		}
		a := article{file: q.file, question: q.question}
		front, body, ok := strings.Cut(strings.TrimPrefix(string(raw), "---\n"), "\n---\n")
		if !ok {
			return nil, fmt.Errorf("bottest: fixture %s: no front matter", q.file)
		}
		for line := range strings.SplitSeq(front, "\n") {
			k, v, _ := strings.Cut(line, ":")
			v = strings.Trim(strings.TrimSpace(v), `"`)
			switch k {
			case "title":
				a.title = v
			case "url":
				a.url = v
			}
		}
		a.body = bot.OneLine(body)
		if a.title == "" || a.url == "" || a.body == "" {
			return nil, fmt.Errorf("bottest: fixture %s: needs a title, a url and text", q.file)
		}
		out = append(out, a)
	}
	return out, nil
}

// longReply is an answer far too long for one message on any platform:
// 24 sources of 4 quoted lines, each line cited once, [1] to [96].
func longReply() bot.Reply {
	subjects := []string{"the harbour council", "the ferry operator", "a parish meeting", "the valley growers", "the observatory staff", "two school governors"}
	verbs := []string{"weighed", "postponed", "welcomed", "questioned", "approved", "revisited"}
	objects := []string{"the plan for a second charging mast", "the cost of reinforcing the quay", "a timetable for the winter crossings", "the grant for the seed drawers", "an open evening at the hilltop dome", "the survey of the estuary mud banks"}
	r := bot.Reply{
		Title:  "What the bottest wire said, at length · 24 sources",
		Footer: "Extractive answer · a long reply for the conformance suite",
	}
	n := 0
	for s := range 24 {
		url := fmt.Sprintf("https://wire.example.org/bottest/%02d", s+1)
		sec := bot.Section{Heading: fmt.Sprintf("Bottest wire report %02d of 24", s+1), URL: url, Meta: "Bottest Wire · 9 Apr 2025"}
		for l := range 4 {
			n++
			i := s*4 + l
			text := fmt.Sprintf("In report %d, line %d, %s %s after a long debate, and members said %s would be settled before the summer, once %s had heard from everyone who wrote in about it.",
				s+1, l+1, subjects[i%len(subjects)], verbs[(i/2)%len(verbs)], objects[(i/3)%len(objects)], subjects[(i+3)%len(subjects)])
			sec.Lines = append(sec.Lines, bot.Line{Text: text, Style: bot.Quote, Cites: []bot.Cite{{N: n, URL: url}}})
		}
		r.Sections = append(r.Sections, sec)
	}
	return r
}
