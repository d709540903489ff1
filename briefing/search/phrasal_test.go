package search

import (
	"slices"
	"testing"
)

func TestParseQueryPhrasals(t *testing.T) {
	tests := []struct {
		q    string
		want []Phrasal
	}{
		{"Why did the council turn down the housing plan?", []Phrasal{{"turn", "down"}}},
		{"Who stepped down as chief executive?", []Phrasal{{"step", "down"}}},
		{"why were the workers laid off?", []Phrasal{{"laid", "off"}}},
		{"what did the council decide for housing?", nil},
		{"what did sources say about the housing plan?", nil}, // "about" frames, it makes no phrase
	}
	for _, tt := range tests {
		if got := ParseQuery(tt.q).Phrasals; !slices.Equal(got, tt.want) {
			t.Errorf("ParseQuery(%q).Phrasals = %v, want %v", tt.q, got, tt.want)
		}
	}
}

// A question worded with a phrasal verb finds the passage that says it in
// one word ("turn down" for "rejected", "laid off" for "dismissed" through
// the irregular form), above a passage that only shares the question's
// other words.
func TestPhrasalVerbFindsItsSynonym(t *testing.T) {
	tests := []struct {
		question string
		says     string // the passage worded otherwise
	}{
		{"Why did the council turn down the housing plan?", "The council rejected the housing plan on Monday."},
		{"Why did the council call off the housing vote?", "The council cancelled the housing vote on Monday."},
		{"Why did the mayor step down from the housing board?", "The mayor resigned from the housing board on Monday."},
	}
	for _, tt := range tests {
		ix := NewIndex()
		texts := []string{
			tt.says,
			"The council discussed the housing plan and the housing vote on Monday.",
			"The mayor and the housing board met on Monday.",
			"The ferry timetable changes in spring.",
		}
		for i, text := range texts {
			ix.Add(uint32(i+1), uint32(i+1), Analyze(text))
		}
		hits := ix.Search(ParseQuery(tt.question), Options{K: 5})
		if len(hits) == 0 || hits[0].ID != 1 {
			t.Errorf("%q: hits = %+v, want passage 1 (%q) first", tt.question, hits, tt.says)
		}
	}
}
