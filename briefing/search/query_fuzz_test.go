package search

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzAnalyze checks that Analyze returns non-empty terms of at most
// maxTokenBytes bytes, valid UTF-8 for valid input, and the same terms
// every time.
func FuzzAnalyze(f *testing.F) {
	f.Add("China’s U.S. export-control rules: $5.6bn, 50,000 GPUs and R1 isn't v3.")
	f.Add("ÉCOLE naïve café 東京 ﬁnance")
	f.Add("'''---...")
	f.Fuzz(func(t *testing.T, text string) {
		terms := Analyze(text)
		for _, term := range terms {
			if term == "" || len(term) > 4*maxTokenBytes {
				t.Fatalf("term %q from %q", term, text)
			}
			if utf8.ValidString(text) && !utf8.ValidString(term) {
				t.Fatalf("invalid UTF-8 term %q from %q", term, text)
			}
		}
		if again := Analyze(text); !slices.Equal(again, terms) {
			t.Fatalf("Analyze(%q) is not stable: %q then %q", text, terms, again)
		}
	})
}

// FuzzParseQuery checks that ParseQuery keeps the question, returns
// distinct non-empty terms, phrases made of its terms, and a topic drawn
// from the question's words, and that any query can be searched.
func FuzzParseQuery(f *testing.F) {
	f.Add("What did sources say about export controls?")
	f.Add("how much did Nvidia's H800 cost, please")
	f.Add(`tell me about "open weights" (DeepSeek-R1)`)
	f.Add("WHAT ARE THE IMPLICATIONS FOR INVESTORS??")
	f.Add("")
	ix := NewIndex()
	ix.Add(1, 1, Analyze("Export controls on chips were tightened again, investors said."))
	ix.Add(2, 2, Analyze("Open weights models cost less than $6 million to train."))
	f.Fuzz(func(t *testing.T, question string) {
		q := ParseQuery(question)
		if q.Text != question {
			t.Fatalf("Text %q, want the question %q", q.Text, question)
		}
		seen := map[string]bool{}
		for _, term := range q.Terms {
			if term == "" || seen[term] {
				t.Fatalf("terms %q of %q: empty or repeated", q.Terms, question)
			}
			seen[term] = true
		}
		for _, p := range q.Phrases {
			if len(p) < 2 {
				t.Fatalf("phrase %q of %q: fewer than two words", p, question)
			}
		}
		if utf8.ValidString(question) && !utf8.ValidString(q.Topic) {
			t.Fatalf("topic %q of %q: invalid UTF-8", q.Topic, question)
		}
		if len(strings.TrimSpace(q.Topic)) > len(question) {
			t.Fatalf("topic %q longer than the question %q", q.Topic, question)
		}
		ix.Search(q, Options{K: 3, Text: func(id uint32) (string, bool) { return "Export controls on chips were tightened.", true }})
	})
}
