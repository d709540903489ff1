package search

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// TestAppendTermStemsSameAsAnalyze checks that AppendTermStems gives
// Analyze's terms and, for each, the lexicon's stem, through memos of every
// size (tiny ones evict all the time) and through a nil Analyzer.
func TestAppendTermStemsSameAsAnalyze(t *testing.T) {
	lx := builtinLexicon()
	extra := " 5.6m and $11bn, 30k GPUs; internationalisations " + strings.Repeat("b", 19) + " " + strings.Repeat("c", 20) +
		" China’s U.S. isn't Zürich 50,000"
	for _, slots := range []int{0, 2, 4, 64, localSlots} {
		var az *Analyzer
		if slots > 0 {
			az = newAnalyzer(slots)
		}
		s := newSynth(t, 11)
		var sb strings.Builder
		var terms []string
		var stems []int32
		for i := range 2000 {
			text := s.passage(&sb, 60)
			if i%5 == 0 {
				text += extra + fmt.Sprintf(" w%dx kilo%dgram tallied%d", i, i, i%97)
			}
			want := Analyze(text)
			n := len(terms)
			terms, stems = az.AppendTermStems(terms, stems, text)
			if len(terms) != len(stems) {
				t.Fatalf("%d slots, passage %d: %d terms, %d stems", slots, i, len(terms), len(stems))
			}
			if got := terms[n:]; !slices.Equal(got, want) {
				t.Fatalf("%d slots, passage %d: terms %q, want %q", slots, i, got, want)
			}
			for j, term := range want {
				if got, want := stems[n+j], lx.stem(term); got != want {
					t.Fatalf("%d slots, passage %d: stem of %q is %d, want %d", slots, i, term, got, want)
				}
			}
			if i%50 == 0 {
				terms, stems = terms[:0], stems[:0]
			}
		}
	}
}

// TestAppendStemsSameAsAppend checks that a passage's vector from its
// terms' stems is the very bytes Append computes from its terms.
func TestAppendStemsSameAsAppend(t *testing.T) {
	c := genCorpus(t, 1500)
	pv, az := NewPassageVectors(), newAnalyzer(64)
	if pv.Dims() == 0 {
		t.Skip("no lexicon")
	}
	var want, got []int8
	var terms []string
	var stems []int32
	for i, text := range c.texts {
		terms, stems = az.AppendTermStems(terms[:0], stems[:0], text)
		want = pv.Append(want[:0], terms)
		got = pv.AppendStems(got[:0], stems)
		if !slices.Equal(got, want) {
			t.Fatalf("passage %d: AppendStems = %v, want %v", i, got, want)
		}
	}
	if got := pv.AppendStems(nil, []int32{-1, -1}); !slices.Equal(got, pv.Append(nil, []string{"zzqx", "qqzx"})) {
		t.Fatalf("unknown words: AppendStems = %v", got)
	}
}
