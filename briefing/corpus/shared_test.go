package corpus

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"
)

// neverQuote reads the furniture strings of ../shared/eval/questions.json.
func neverQuote(t *testing.T) []string {
	t.Helper()
	data, err := os.ReadFile("../../../shared/eval/questions.json")
	if err != nil {
		t.Skipf("no shared eval: %v", err)
	}
	var spec struct {
		NeverQuote []string `json:"never_quote"`
	}
	if err := json.Unmarshal(data, &spec); err != nil {
		t.Fatal(err)
	}
	return spec.NeverQuote
}

// TestSharedCorpus runs the cleaner over the real scraped pages beside the
// repository: no furniture survives, the articles' long sentences do, and
// the metadata the pages carry is found.
func TestSharedCorpus(t *testing.T) {
	files := sharedCorpus(t)
	never := neverQuote(t)
	if len(files) == 0 {
		t.Skip("shared corpus is empty")
	}
	checked := 0
	for _, f := range files {
		d, err := Parse(f.name, f.data)
		if err != nil {
			t.Errorf("%s: %v", f.name, err)
			continue
		}
		lower := strings.ToLower(d.Text)
		for _, s := range never {
			if strings.Contains(lower, strings.ToLower(s)) {
				t.Errorf("%s: Text still has %q", f.name, s)
			}
		}
		for i, n := range checkPassages(t, d, Split(d)) {
			if n > maxPassageWords {
				t.Errorf("%s: passage %d has %d words", f.name, i, n)
			}
		}
		// Long sentence-like lines of the page survive, except at most one
		// (an author biography after the article).
		lost := 0
		for line := range strings.SplitSeq(string(f.data), "\n") {
			line = normalize(line)
			if last := lastSignificant(line); countWords(line) < 20 || last != '.' && last != '!' && last != '?' {
				continue
			}
			if !strings.Contains(d.Text, line) {
				lost++
			}
		}
		if lost > 1 {
			t.Errorf("%s: lost %d long lines of article text", f.name, lost)
		}

		raw := string(f.data)
		switch {
		case strings.HasPrefix(raw, ".st0{"):
			// A scraped page with a style sheet, headline, date and byline
			// on top and an author box below.
			checked++
			if d.Title == "" || !strings.Contains(raw, d.Title) || d.Author == "" || d.Published.IsZero() {
				t.Errorf("%s: Title %q Author %q Published %v", f.name, d.Title, d.Author, d.Published)
			}
			if d.Author != "" && strings.Contains(d.Text, d.Author) || strings.Contains(d.Text, "founder of") {
				t.Errorf("%s: author box left in Text", f.name)
			}
		case strings.Contains(raw, "13 Feb, 2025"):
			checked++
			if !d.Published.Equal(date(2025, 2, 13)) {
				t.Errorf("%s: Published %v", f.name, d.Published)
			}
		default:
			first, _, _ := strings.Cut(raw, "\n")
			if countWords(first) > 30 && !strings.HasPrefix(d.Text, strings.TrimSuffix(d.Title, "…")) {
				t.Errorf("%s: starts with a paragraph but has Title %q, not its first sentence", f.name, d.Title)
			}
		}
		// No seed title is missing, a placeholder, a kicker or other page
		// furniture: a page without a headline is named by its first
		// sentence.
		if why := furnitureTitle(d.Title); why != "" {
			t.Errorf("%s: Title %q is %s", f.name, d.Title, why)
		}
		if d.Published.After(time.Now()) {
			t.Errorf("%s: Published in the future: %v", f.name, d.Published)
		}
	}
	t.Logf("checked metadata of %d known pages", checked)
}
