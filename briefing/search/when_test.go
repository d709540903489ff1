package search

import (
	"slices"
	"testing"
	"time"
)

func TestParseQueryWhen(t *testing.T) {
	now := time.Date(2026, 12, 3, 15, 0, 0, 0, time.UTC) // a Thursday
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
	tests := []struct {
		q        string
		terms    []string
		relative bool
		latest   bool
		from, to time.Time // zero: no window
	}{
		{q: "what did sources say about Veltrix this week?", terms: []string{"veltrix"}, relative: true, from: day(2026, 11, 27), to: now.Add(1)},
		{q: "Veltrix news since Monday", terms: []string{"veltrix"}, relative: true, from: day(2026, 11, 30), to: now.Add(1)},
		{q: "what happened to Veltrix today?", terms: []string{"veltrix"}, relative: true, from: day(2026, 12, 3), to: now.Add(1)},
		{q: "Veltrix since March", terms: []string{"veltrix"}, relative: true, from: day(2026, 3, 1), to: now.Add(1)},
		{q: "what did Veltrix report in January 2025?", terms: []string{"veltrix", "report", "januari", "2025"}, from: day(2025, 1, 1), to: day(2025, 2, 1)},
		{q: "how did Veltrix do in 2009?", terms: []string{"veltrix", "2009"}, from: day(2009, 1, 1), to: day(2010, 1, 1)},
		{q: "what is the latest on the Veltrix merger?", terms: []string{"veltrix", "merger"}, latest: true},
		{q: "what did the week-long strike cost?", terms: []string{"week", "long", "strike", "cost"}},
	}
	for _, tt := range tests {
		t.Run(tt.q, func(t *testing.T) {
			q := ParseQuery(tt.q)
			if !slices.Equal(q.Terms, tt.terms) {
				t.Errorf("terms %q, want %q", q.Terms, tt.terms)
			}
			if q.When.Relative() != tt.relative || q.When.Latest != tt.latest {
				t.Errorf("when %+v: relative %v latest %v, want %v %v", q.When, q.When.Relative(), q.When.Latest, tt.relative, tt.latest)
			}
			from, to, ok := q.When.Window(now)
			if ok != !tt.from.IsZero() || !from.Equal(tt.from) || !to.Equal(tt.to) {
				t.Errorf("window %v-%v (%v), want %v-%v", from, to, ok, tt.from, tt.to)
			}
		})
	}
}

// A relative window restricts passages to articles dated inside it;
// "latest" puts the newest first; a named year favours its articles.
func TestSearchInTime(t *testing.T) {
	now := time.Date(2026, 12, 3, 15, 0, 0, 0, time.UTC)
	ix := index(
		"Veltrix opened a new plant in the harbor district.",
		"Veltrix opened a second plant near the harbor, the company said.",
		"Veltrix opened its first plant in the harbor district in 2009.",
	)
	dates := map[uint32]time.Time{
		1: now.AddDate(0, 0, -2),
		2: now.AddDate(0, -2, 0),
		3: time.Date(2009, 5, 1, 0, 0, 0, 0, time.UTC),
	}
	opt := Options{K: 5, Now: now, Dates: func(gs []uint32) map[uint32]time.Time {
		out := map[uint32]time.Time{}
		for _, g := range gs {
			out[g] = dates[g]
		}
		return out
	}}
	tests := []struct {
		q    string
		want []uint32
	}{
		{"Veltrix harbor plant this week", []uint32{1}},
		{"Veltrix harbor plant since October", []uint32{1, 2}},
		{"latest Veltrix harbor plant", []uint32{1, 2, 3}},
		{"Veltrix harbor plant in 2009", []uint32{3}},
	}
	for _, tt := range tests {
		got := ids(ix.Search(ParseQuery(tt.q), opt))
		if tt.q == "Veltrix harbor plant in 2009" {
			if len(got) == 0 || got[0] != 3 {
				t.Errorf("%q: hits %v, want 3 first", tt.q, got)
			}
			continue
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("%q: hits %v, want %v", tt.q, got, tt.want)
		}
	}
}
