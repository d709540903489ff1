package slack

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"briefbot/bot"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current output")

// renderCases are replies from small to pathological.
func renderCases() map[string]bot.Reply {
	sentences := []string{
		"Regulators in three countries widened the rules on exporting advanced chips.",
		"Suppliers said the change would take months to show up in shipments!",
		"Is the policy working?",
		"Analysts disagreed about whether the limits slowed research or merely redirected it.",
	}
	giant := ""
	for i := 0; utf8.RuneCountInString(giant) < 7000; i++ {
		giant += sentences[i%len(sentences)] + " "
	}
	giant = strings.TrimSpace(giant)

	cases := map[string]bot.Reply{
		"answer": {
			Title: "What sources said about export controls · 3 sources",
			Sections: []bot.Section{
				{Heading: "Chip rules tighten again", URL: "https://news.example.com/chips", Meta: "Example Wire · 3 Feb 2025", Lines: []bot.Line{
					{Text: "Officials extended the licence requirement to older accelerators.", Style: bot.Quote, Cites: []bot.Cite{{N: 1, URL: "https://news.example.com/chips"}}},
					{Text: "Exporters now need approval for shipments above a performance threshold.", Style: bot.Quote, Cites: []bot.Cite{{N: 2, URL: "https://news.example.com/chips"}}},
				}},
				{Heading: "Weekly tech letter (007)", Lines: []bot.Line{
					{Text: "The letter argued that the controls pushed buyers toward domestic suppliers.", Style: bot.Quote, Cites: []bot.Cite{{N: 3}}},
				}},
				{Heading: "Sources", Lines: []bot.Line{
					{Text: "[1] [2] Chip rules tighten again · Example Wire · 3 Feb 2025", URL: "https://news.example.com/chips"},
					{Text: "[3] Weekly tech letter (007)"},
				}},
			},
			Footer: "Extractive answer · quotes are verbatim from the articles",
		},
		"escaping": {
			Title: "Q&A: <tags> & \"quotes\"",
			Sections: []bot.Section{
				{Heading: "A|B testing > intuition", URL: "https://example.com/a|b?q=<x>&r=1 2", Meta: "R&D <team>", Lines: []bot.Line{
					{Text: "Use a < b && c > d in code & prose.", Style: bot.Quote, Cites: []bot.Cite{{N: 1, URL: "https://example.com/a|b"}}},
					{Text: "Unsafe link scheme is dropped", URL: "javascript:alert(1)"},
					{Text: "first line\nsecond line", Style: bot.Quote, Cites: []bot.Cite{{N: 2}}},
				}},
			},
			Footer: "small <print> & more",
		},
		"styles": {
			Sections: []bot.Section{
				{Heading: "Across sources", Lines: []bot.Line{
					{Text: "training cost — Article A, Article B", Style: bot.Bullet},
					{Text: "export controls — Article A, Article C", Style: bot.Bullet},
				}},
				{Heading: "New", Lines: []bot.Line{
					{Text: "First story", Style: bot.Numbered},
					{Text: "Second story", Style: bot.Numbered, Cites: []bot.Cite{{N: 4}, {N: 5, URL: "https://example.com/5"}}},
					{Text: ""},
					{Text: "Third story", Style: bot.Numbered},
				}},
				{Meta: "meta only, no heading"},
				{Heading: "Heading without lines"},
			},
		},
		"empty":         {},
		"long_digest":   longReply(30, 5),
		"huge_section":  hugeSection(90),
		"giant_line":    {Title: "One very long quote", Sections: []bot.Section{{Heading: "Long read", URL: "https://example.com/long", Lines: []bot.Line{{Text: giant, Style: bot.Quote, Cites: []bot.Cite{{N: 7, URL: "https://example.com/long"}, {N: 8}}}}}}},
		"no_spaces":     {Sections: []bot.Section{{Lines: []bot.Line{{Text: strings.Repeat("abcdefghij&<>", 500), Cites: []bot.Cite{{N: 1}}}}}}},
		"many_sections": manySmallSections(75),
	}
	return cases
}

func hugeSection(n int) bot.Reply {
	s := bot.Section{Heading: "Everything one source said", URL: "https://example.com/everything", Meta: "Example Daily"}
	for i := 1; i <= n; i++ {
		s.Lines = append(s.Lines, bot.Line{
			Text:  fmt.Sprintf("Paragraph %d: the company reported that demand for its accelerators outpaced supply in every region it serves.", i),
			Style: bot.Quote,
			Cites: []bot.Cite{{N: i, URL: "https://example.com/everything"}},
		})
	}
	return bot.Reply{Title: "A long answer", Sections: []bot.Section{s}, Footer: "footer"}
}

func manySmallSections(n int) bot.Reply {
	var r bot.Reply
	for i := 1; i <= n; i++ {
		r.Sections = append(r.Sections, bot.Section{Lines: []bot.Line{{Text: "x", Cites: []bot.Cite{{N: i}}}}})
	}
	return r
}

func TestRenderGolden(t *testing.T) {
	for name, r := range renderCases() {
		t.Run(name, func(t *testing.T) {
			msgs := render(r)
			checkLimits(t, msgs)
			checkNothingLost(t, r, msgs)
			checkCitations(t, r, msgs)

			got := dump(msgs)
			path := filepath.Join("testdata", name+".golden")
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("render differs from %s (go test -update to accept):\n%s", path, got)
			}
		})
	}
}

// dump is the golden form: each message's blocks as Slack will get them.
func dump(msgs []message) string {
	var b strings.Builder
	for i, m := range msgs {
		fmt.Fprintf(&b, "=== message %d: %d blocks, %d chars\n", i+1, len(m.blocks), m.size())
		for _, blk := range m.Blocks() {
			raw, _ := json.Marshal(blk)
			var v struct {
				Type string `json:"type"`
				Text *struct {
					Text string `json:"text"`
				} `json:"text"`
				Elements []struct {
					Text string `json:"text"`
				} `json:"elements"`
			}
			_ = json.Unmarshal(raw, &v)
			fmt.Fprintf(&b, "--- %s\n", v.Type)
			if v.Text != nil {
				b.WriteString(v.Text.Text + "\n")
			}
			for _, e := range v.Elements {
				b.WriteString(e.Text + "\n")
			}
		}
	}
	return b.String()
}

func checkLimits(t *testing.T, msgs []message) {
	t.Helper()
	for i, m := range msgs {
		if len(m.blocks) == 0 || len(m.blocks) > 50 {
			t.Errorf("message %d has %d blocks; Slack takes 1 to 50", i+1, len(m.blocks))
		}
		for j, b := range m.blocks {
			if n := utf8.RuneCountInString(b.mrkdwn()); n > 3000 {
				t.Errorf("message %d block %d has %d characters; a section takes 3000", i+1, j+1, n)
			}
		}
		if n := m.size(); n > 4000 {
			t.Errorf("message %d has %d characters of text; keep it under about 4000", i+1, n)
		}
		if strings.TrimSpace(m.Text()) == "" {
			t.Errorf("message %d has no fallback text", i+1)
		}
	}
}

// checkNothingLost asserts every Line's text arrives, in order, exactly
// once, whole or in parts that concatenate to it.
func checkNothingLost(t *testing.T, r bot.Reply, msgs []message) {
	t.Helper()
	type key struct{ sec, line int }
	var order []key
	text := map[key]string{}
	for _, m := range msgs {
		for _, b := range m.blocks {
			for _, p := range b.pieces {
				k := key{p.sec, p.line}
				if len(order) == 0 || order[len(order)-1] != k {
					order = append(order, k)
				}
				text[k] += p.raw
			}
		}
	}
	var want []key
	for si, s := range r.Sections {
		for li, l := range s.Lines {
			if strings.TrimSpace(l.Text) != "" || len(l.Cites) > 0 {
				want = append(want, key{si, li})
			}
		}
	}
	if fmt.Sprint(order) != fmt.Sprint(want) {
		t.Fatalf("lines arrive in order %v, want %v", order, want)
	}
	for _, k := range want {
		if got, orig := text[k], r.Sections[k.sec].Lines[k.line].Text; got != orig {
			t.Errorf("section %d line %d arrives as %q, want %q", k.sec, k.line, got, orig)
		}
	}
	// Headings appear at the top of their section's first block.
	for si, s := range r.Sections {
		if s.Heading == "" {
			continue
		}
		h := sectionHeader(s)
		found := false
		for _, m := range msgs {
			for _, b := range m.blocks {
				if b.header == h && (len(b.pieces) == 0 || b.pieces[0].sec == si) {
					found = true
				}
			}
		}
		if !found {
			t.Errorf("heading of section %d (%q) missing", si, s.Heading)
		}
	}
}

var (
	citeRE        = regexp.MustCompile(`\[(?:<https?://[^|>]+\|)?\d+>?\]`)
	quotePrefixRE = regexp.MustCompile(`(?m)^> `)
)

// checkCitations asserts every citation marker is rendered whole, once, at
// the end of the last part of its line.
func checkCitations(t *testing.T, r bot.Reply, msgs []message) {
	t.Helper()
	want := 0
	for _, s := range r.Sections {
		for _, l := range s.Lines {
			want += len(l.Cites)
		}
	}
	type key struct{ sec, line int }
	text := map[key]string{}
	got := 0
	for _, m := range msgs {
		for _, b := range m.blocks {
			for _, p := range b.pieces {
				got += len(citeRE.FindAllString(p.cites, -1))
				l := r.Sections[p.sec].Lines[p.line]
				last := strings.HasPrefix(l.Text, text[key{p.sec, p.line}]+p.raw) && len(text[key{p.sec, p.line}]+p.raw) == len(l.Text)
				text[key{p.sec, p.line}] += p.raw
				switch {
				case last && p.cites != renderCites(l.Cites):
					t.Errorf("section %d line %d: last part carries citations %q, want %q", p.sec, p.line, p.cites, renderCites(l.Cites))
				case !last && p.cites != "":
					t.Errorf("section %d line %d: citations %q on a part that is not the last", p.sec, p.line, p.cites)
				case !strings.HasSuffix(p.out, p.cites):
					t.Errorf("section %d line %d: citations %q not at the end of %q", p.sec, p.line, p.cites, p.out)
				}
			}
		}
		plain := quotePrefixRE.ReplaceAllString(m.Text(), "")
		if open, closed := strings.Count(plain, "<"), strings.Count(plain, ">"); open != closed {
			t.Errorf("message has %d '<' and %d '>': a link is cut", open, closed)
		}
	}
	if got != want {
		t.Errorf("%d citation markers rendered, want %d", got, want)
	}
}

func TestSplitTextPrefersSentencesThenSpaces(t *testing.T) {
	tests := []struct {
		in    string
		limit int
		want  []string
	}{
		{"short", 10, []string{"short"}},
		{"One two. Three four five six.", 15, []string{"One two. ", "Three four ", "five six."}},
		{"abcdefghij", 4, []string{"abcd", "efgh", "ij"}},
		{"a&b&c", 6, []string{"a&", "b&", "c"}},
		{"héllo wörld", 6, []string{"héllo ", "wörld"}},
	}
	for _, tt := range tests {
		got := splitText(tt.in, tt.limit)
		if fmt.Sprintf("%q", got) != fmt.Sprintf("%q", tt.want) {
			t.Errorf("splitText(%q, %d) = %q, want %q", tt.in, tt.limit, got, tt.want)
		}
		for _, p := range got {
			if escapedLen(p) > tt.limit {
				t.Errorf("part %q is over %d escaped", p, tt.limit)
			}
		}
	}
}
