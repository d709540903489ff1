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

func TestFuse(t *testing.T) {
	tests := []struct {
		name string
		in   []candidate
		want []uint32 // slots, best first
	}{
		{"lexical order kept when vectors agree", []candidate{{1, 10, 0.8}, {2, 5, 0.4}}, []uint32{1, 2}},
		{"a close vector lifts a slightly weaker lexical match", []candidate{{1, 10, 0.1}, {2, 9, 0.9}}, []uint32{2, 1}},
		{"a close vector does not lift a far weaker match", []candidate{{1, 10, 0.1}, {2, 4, 0.9}}, []uint32{1, 2}},
		{"negative cosine counts as zero", []candidate{{1, 10, -0.5}, {2, 10, 0}}, []uint32{1, 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cs := slices.Clone(tt.in)
			fuse(cs)
			var got []uint32
			for _, c := range cs {
				got = append(got, c.slot)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("fuse order %v, want %v (%+v)", got, tt.want, cs)
			}
		})
	}
}

// No slot is filled below the relevance floor, and for "what did sources
// say" every article comes before any article's second passage.
func TestSpreadFloorAndEverySource(t *testing.T) {
	ix := index("a", "b", "c", "d")
	for i := range 4 {
		ix.Add(uint32(10+i), 1, Analyze("a")) // more passages of group 1
	}
	slotOf := func(id uint32) uint32 { s, _ := ix.slotOf(id); return s }
	cands := []candidate{
		{slotOf(1), 1.0, 0}, {slotOf(10), 0.95, 0}, {slotOf(11), 0.9, 0},
		{slotOf(2), 0.6, 0}, {slotOf(3), 0.5, 0}, {slotOf(4), 0.1, 0},
	}
	hits := ix.spread(cands, 5, true)
	var groups []uint32
	for _, h := range hits {
		groups = append(groups, h.Group)
	}
	if want := []uint32{1, 2, 3, 1, 1}; !slices.Equal(groups, want) {
		t.Errorf("groups %v, want %v (every article first; group 4 is below the floor)", groups, want)
	}
}
