package search

import (
	"slices"
	"testing"
)

func TestSpreadHits(t *testing.T) {
	h := func(id, group uint32, score float64) Hit { return Hit{ID: id, Group: group, Score: score} }
	ids := func(hs []Hit) []uint32 {
		var out []uint32
		for _, x := range hs {
			out = append(out, x.ID)
		}
		return out
	}
	for _, tc := range []struct {
		name         string
		hits         []Hit
		k            int
		aboutSources bool
		want         []uint32
	}{
		{"best first", []Hit{h(1, 1, 0.5), h(2, 2, 0.9), h(3, 3, 0.7)}, 5, false, []uint32{2, 3, 1}},
		{"cut at k", []Hit{h(1, 1, 0.5), h(2, 2, 0.9), h(3, 3, 0.7)}, 2, false, []uint32{2, 3}},
		{"below the floor", []Hit{h(1, 1, 1), h(2, 2, 0.2)}, 5, false, []uint32{1}},
		{"zero scores never", []Hit{h(1, 1, 0)}, 5, false, nil},
		{"a second passage of one article is discounted", []Hit{h(1, 1, 1), h(2, 1, 0.9), h(3, 2, 0.5)}, 5, false, []uint32{1, 3, 2}},
		{"about sources: every article first", []Hit{h(1, 1, 1), h(2, 1, 0.95), h(3, 2, 0.35)}, 5, true, []uint32{1, 3, 2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := ids(SpreadHits(tc.hits, tc.k, tc.aboutSources)); !slices.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestUnknown(t *testing.T) {
	ix := NewIndex()
	ix.Add(1, 1, Analyze("Train drivers walked out across the country, the union said."))
	for q, want := range map[string]bool{
		"What did Nokia say about the walkout?": true,
		"What did the union say?":               false,
		"is there a strike?":                    false,
	} {
		if got := ix.Unknown(ParseQuery(q)); got != want {
			t.Errorf("Unknown(%q) = %v, want %v", q, got, want)
		}
	}
}
