package bottest

import (
	"slices"
	"strings"
	"testing"
)

// TestFixtures guards what the suite's checks rely on: three distinct
// articles with titles, links and text, and a long reply that no platform
// can send as one message, with each citation once.
func TestFixtures(t *testing.T) {
	arts, err := loadArticles()
	if err != nil {
		t.Fatal(err)
	}
	if len(arts) != 3 {
		t.Fatalf("%d fixture articles, want 3", len(arts))
	}
	for i, a := range arts {
		if !strings.HasPrefix(a.url, "https://") || len(a.body) < 200 || strings.ContainsAny(a.body, "[]*_`<>") {
			t.Errorf("%s: url %q, %d characters of text (want https, at least 200, no markup characters)", a.file, a.url, len(a.body))
		}
		for _, b := range arts[:i] {
			if a.title == b.title {
				t.Errorf("%s and %s share the title %q", a.file, b.file, a.title)
			}
		}
	}

	r := longReply()
	if n := replySize(r); n < 4*6000 {
		t.Errorf("the long reply has %d characters; it must need several messages on every platform", n)
	}
	var cites []int
	for _, s := range r.Sections {
		for _, l := range s.Lines {
			if len(l.Cites) != 1 || citeRE.MatchString(l.Text) {
				t.Errorf("line %q: want exactly one citation and no [n] in its text", l.Text)
			}
			for _, c := range l.Cites {
				cites = append(cites, c.N)
			}
		}
	}
	for i, n := range cites {
		if n != i+1 {
			t.Fatalf("citations %v, want 1 to %d in order", cites, len(cites))
		}
	}
}

func TestSplitCites(t *testing.T) {
	tests := []struct {
		line, text string
		cites      []string
	}{
		{"A quote. [1]", "A quote.", []string{"1"}},
		{"A quote. [1] [12]", "A quote.", []string{"1", "12"}},
		{"[2] in the middle [3] and the end", "[2] in the middle [3] and the end", nil},
		{"no markers", "no markers", nil},
	}
	for _, tt := range tests {
		text, cites := splitCites(tt.line)
		if text != tt.text || !slices.Equal(cites, tt.cites) {
			t.Errorf("splitCites(%q) = %q, %q; want %q, %q", tt.line, text, cites, tt.text, tt.cites)
		}
	}
}

func TestQuoteLines(t *testing.T) {
	got := quoteLines("Title\nHeading · Source\n> first [1]\n>not a quote\n> second [2]\nfooter")
	want := []string{"first [1]", "second [2]"}
	if !slices.Equal(got, want) {
		t.Errorf("quoteLines = %q, want %q", got, want)
	}
}
