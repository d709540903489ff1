package corpus

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// sentence returns a sentence of n words, distinct per seed.
func sentence(seed, n int) string {
	words := make([]string, n)
	for i := range words {
		words[i] = fmt.Sprintf("w%d", seed*1000+i)
	}
	words[0] = "Word" + words[0]
	return strings.Join(words, " ") + "."
}

// paragraph returns a paragraph of sentences with the given word counts.
func paragraph(seed int, sizes ...int) string {
	var ss []string
	for i, n := range sizes {
		ss = append(ss, sentence(seed*100+i, n))
	}
	return strings.Join(ss, " ")
}

// checkPassages checks the invariants every split must keep and returns the
// passages' word counts.
func checkPassages(t *testing.T, d Document, ps []Passage) []int {
	t.Helper()
	var counts []int
	prevEnd := 0
	for i, p := range ps {
		if p.Doc != d.ID || p.Seq != i {
			t.Errorf("passage %d: Doc %q Seq %d", i, p.Doc, p.Seq)
		}
		if p.Start < prevEnd || p.End <= p.Start || p.End > len(d.Text) || p.Text != d.Text[p.Start:p.End] {
			t.Fatalf("passage %d: bad range [%d,%d) after %d or Text mismatch", i, p.Start, p.End, prevEnd)
		}
		if p.Text != strings.TrimSpace(p.Text) {
			t.Errorf("passage %d is not trimmed: %q", i, p.Text)
		}
		for para := range strings.SplitSeq(p.Text, "\n\n") {
			if isHeadingText(strings.TrimSpace(para)) {
				t.Errorf("passage %d contains heading %q", i, para)
			}
		}
		prevEnd = p.End
		counts = append(counts, countWords(p.Text))
	}
	// Every body paragraph is covered.
	covered := make([]bool, len(d.Text))
	for _, p := range ps {
		for k := p.Start; k < p.End; k++ {
			covered[k] = true
		}
	}
	for pos := 0; pos < len(d.Text); {
		s, e, next := nextParagraph(d.Text, pos)
		pos = next
		if s == e || isHeadingText(d.Text[s:e]) {
			continue
		}
		for k := s; k < e; k++ {
			if !covered[k] && !isSpaceByte(d.Text[k]) {
				t.Errorf("paragraph %q not covered", d.Text[s:e])
				break
			}
		}
	}
	return counts
}

func TestSplitShapes(t *testing.T) {
	long := paragraph(1, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15) // 300 words
	tests := []struct {
		name  string
		text  string
		words []int // expected word counts of the passages
	}{
		{"one paragraph", paragraph(1, 20, 30), []int{50}},
		{"short paragraphs merge", strings.Join([]string{paragraph(1, 10), paragraph(2, 10), paragraph(3, 10), paragraph(4, 15)}, "\n\n"), []int{45}},
		{"paragraphs of 40+ stay apart", strings.Join([]string{paragraph(1, 20, 25), paragraph(2, 20, 30)}, "\n\n"), []int{45, 50}},
		{"merge stops at 120", strings.Join([]string{paragraph(1, 30), paragraph(2, 50, 45), paragraph(3, 60)}, "\n\n"), []int{30, 95, 60}},
		{"long paragraph split evenly", long, []int{105, 90, 105}},
		{"headings cut sections", strings.Join([]string{paragraph(1, 20), "A Section Heading", paragraph(2, 20), "Another Heading", paragraph(3, 50)}, "\n\n"), []int{20, 20, 50}},
		{"short last paragraph joins the one before", strings.Join([]string{paragraph(1, 30, 30), paragraph(2, 25, 25), paragraph(3, 12)}, "\n\n"), []int{60, 62}},
		{"list stays with its introduction", strings.Join([]string{"Three things changed:", "- " + sentence(1, 12), "- " + sentence(2, 14), "- " + sentence(3, 10), "- " + sentence(4, 10), paragraph(5, 45)}, "\n\n"), []int{53, 45}},
		{"headings only", "A Heading\n\nAnother Heading", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Document{ID: "doc", Text: tt.text}
			ps := Split(d)
			got := checkPassages(t, d, ps)
			if fmt.Sprint(got) != fmt.Sprint(tt.words) {
				t.Errorf("word counts %v, want %v", got, tt.words)
			}
		})
	}
}

func TestSplitLongParagraphAtSentences(t *testing.T) {
	text := paragraph(7, 22, 9, 31, 17, 12, 26, 19, 8, 33, 14, 21, 18, 11, 27, 16)
	d := Document{ID: "x", Text: text}
	ps := Split(d)
	counts := checkPassages(t, d, ps)
	if len(ps) < 2 {
		t.Fatalf("one passage of %d words", counts[0])
	}
	sentEnds := map[int]bool{}
	for _, r := range Sentences(text) {
		sentEnds[r[1]] = true
	}
	for i, p := range ps {
		if !sentEnds[p.End] {
			t.Errorf("passage %d does not end at a sentence end: %q", i, p.Text[max(0, len(p.Text)-20):])
		}
		if counts[i] > maxPassageWords || counts[i] < minPassageWords {
			t.Errorf("passage %d has %d words", i, counts[i])
		}
	}
}

func TestSplitRunOnText(t *testing.T) {
	// 500 words without a sentence end still make bounded passages.
	text := strings.TrimSuffix(sentence(3, 500), ".")
	d := Document{ID: "x", Text: text}
	for i, n := range checkPassages(t, d, Split(d)) {
		if n > maxPassageWords {
			t.Errorf("passage %d has %d words", i, n)
		}
	}
}

func TestSplitFixtures(t *testing.T) {
	files, err := filepath.Glob("testdata/*")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if fi, err := os.Stat(f); err == nil && fi.IsDir() {
			continue // testdata/fuzz: the fuzz targets' seeds
		}
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		d, err := Parse(filepath.Base(f), data)
		if err != nil {
			t.Fatal(err)
		}
		ps := Split(d)
		if len(ps) == 0 {
			t.Errorf("%s: no passages", f)
		}
		for i, n := range checkPassages(t, d, ps) {
			if n > maxPassageWords {
				t.Errorf("%s: passage %d has %d words", f, i, n)
			}
		}
	}
}

func TestIsHeadingText(t *testing.T) {
	tests := []struct {
		p    string
		want bool
	}{
		{"Implications for Europe", true},
		{"The Path Forward for the U.S.", true},
		{"Is DeepSeek a Revolution or an Evolution?", true},
		{"3. Is DeepSeek a Revolution or an Evolution?", true},
		{"1. The Geopolitical Context: America’s Lockdown Strategy", true},
		{"Why europe should care", true},
		{"- Mixture of Experts (MoE): Distributes processing across specialized experts.", false},
		{"- Lower costs", false},
		{"1. cheaper training runs", false},
		{"It excludes:", false},
		{"The broad Nasdaq index lost about 3 percent on the day.", false},
		{"What does this mean for you?", false},
		{"Two lines\nof text", false},
	}
	for _, tt := range tests {
		if got := isHeadingText(tt.p); got != tt.want {
			t.Errorf("isHeadingText(%q) = %v, want %v", tt.p, got, tt.want)
		}
	}
}
