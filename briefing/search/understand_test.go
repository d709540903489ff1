package search

import (
	"slices"
	"testing"
)

// index builds an index with one group per text, ids 1..n.
func index(texts ...string) *Index {
	ix := NewIndex()
	for i, text := range texts {
		ix.Add(uint32(i+1), uint32(i+1), Analyze(text))
	}
	return ix
}

func ids(hits []Hit) []uint32 {
	var out []uint32
	for _, h := range hits {
		out = append(out, h.ID)
	}
	return out
}

// A question worded differently from the article finds it; an antonym
// never stands in for a word; names are matched joined, split, with or
// without accents, one letter off; a question whose name the corpus lacks
// gets nothing, even when its other words are found.
func TestSearchUnderstands(t *testing.T) {
	texts := []string{
		1: "Harbor Air sells inexpensive tickets to the islands, undercutting rivals on low-cost routes.",
		2: "Tickets to the islands on Coastline are expensive and flights often delayed, travellers said.",
		3: "The children's hospital in Zürich opened a new wing for young patients on Monday.",
		4: "Meteo researcher Anna Le Cun said the storm models were improving quickly.",
		5: "Startup HuggingFace released new translation models for African languages.",
		6: "Alan Mullaly said the company would bring back the Meridian name for its sedans.",
		7: "Smartphone sales rose in the quarter as handset makers cut prices.",
		8: "The carmaker said its electric cars would reach dealers by spring.",
		9: "Bastion Bank dismissed its chief executive after the trading losses.",
	}
	ix := index(texts[1:]...)
	tests := []struct {
		q     string
		want  []uint32 // among the hits
		never []uint32 // not among the hits
		first uint32   // the first hit, when set
		empty bool
	}{
		{q: "who sells cheap tickets to the islands?", want: []uint32{1}, first: 1},
		{q: "what's new at the kids hospital in Zurich?", want: []uint32{3}},
		{q: "what did Anna LeCun say about storms?", want: []uint32{4}},
		{q: "what did the Hugging Face startup release?", want: []uint32{5}},
		{q: "what did Alan Mulally say about the Meridian name?", want: []uint32{6}},
		{q: "was the Bastion Bank boss sacked?", want: []uint32{9}},
		{q: "What did Nokia say about its smartphone sales?", empty: true},
		{q: "what did sources say about Tesla's electric cars?", empty: true},
		{q: "Who won the Super Bowl?", empty: true},
	}
	for _, tt := range tests {
		t.Run(tt.q, func(t *testing.T) {
			got := ids(ix.Search(ParseQuery(tt.q), Options{K: 5}))
			if tt.empty && len(got) > 0 {
				t.Fatalf("hits %v, want none", got)
			}
			for _, id := range tt.want {
				if !slices.Contains(got, id) {
					t.Errorf("hits %v lack %d (%s)", got, id, texts[id])
				}
			}
			if tt.first != 0 && (len(got) == 0 || got[0] != tt.first) {
				t.Errorf("hits %v, want %d first", got, tt.first)
			}
			for _, id := range tt.never {
				if slices.Contains(got, id) {
					t.Errorf("hits %v include %d (%s)", got, id, texts[id])
				}
			}
		})
	}
}

func TestSameRootAndOneEdit(t *testing.T) {
	tests := []struct {
		a, b       string
		root, edit bool
	}{
		{"cheap", "cheaper", true, false},
		{"mulal", "mullal", false, true},
		{"lecun", "lecunn", true, true},
		{"nokia", "motorola", false, false},
		{"form", "from", false, true},
		{"pay", "paid", false, false},
		{"su", "sue", true, true},
		{"us", "user", false, false},
		{"govern", "government", true, false},
	}
	for _, tt := range tests {
		if got := sameRoot(tt.a, tt.b); got != tt.root {
			t.Errorf("sameRoot(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.root)
		}
		if got := oneEdit(tt.a, tt.b); got != tt.edit {
			t.Errorf("oneEdit(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.edit)
		}
	}
}
