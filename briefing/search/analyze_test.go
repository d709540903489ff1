package search

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
)

func TestAnalyze(t *testing.T) {
	tests := []struct {
		name, in string
		want     []string
	}{
		{"stems and drops stop words", "The controls were restricting the chips", []string{"control", "restrict", "chip"}},
		{"curly possessive", "China’s chips", []string{"china", "chip"}},
		{"straight possessive", "Veltrix's profit", []string{"veltrix", "profit"}},
		{"curly contraction is a stop word", "it isn’t over", nil},
		{"plural possessive", "the companies’ plans", []string{"compani", "plan"}},
		{"hyphenated words split", "export-control rules", []string{"export", "control", "rule"}},
		{"em dash separates", "chips—and power", []string{"chip", "power"}},
		{"dotted acronym", "U.S. export rules", []string{"us", "export", "rule"}},
		{"acronym at end", "made in the U.S.", []string{"made", "us"}},
		{"money and decimals", "it cost $5.6 million", []string{"cost", "5.6", "million"}},
		{"thousands separator", "50,000 GPUs, 12 racks", []string{"50000", "gpu", "12", "rack"}},
		{"model names are not stemmed", "DeepSeek-V3 and R1", []string{"deepseek", "v3", "r1"}},
		{"accents folded", "Café ÜBER Zürich, Zu\u0308rich", []string{"cafe", "uber", "zurich", "zurich"}},
		{"folded to two letters", "Ærø straße Œuvre", []string{"aero", "strass", "oeuvr"}},
		{"other scripts lower-cased", "Ωμέγα Москва", []string{"ωμέγα", "москва"}},
		{"amount suffixes", "5.6m and 11bn, 30k", []string{"5.6", "million", "11", "billion", "30", "thousand"}},
		{"model names keep their letters", "the A100 and 4o", []string{"a100", "4o"}},
		{"stray letters dropped", "the 80's b-side", []string{"80", "side"}},
		{"sentence end is not an acronym", "Plan B. Then more", []string{"plan", "b"}[:1]},
		{"long junk dropped", "x" + strings.Repeat("a", 60) + " chips", []string{"chip"}},
		{"acronym plurals", "GPUs and LLMs, not GPUS", []string{"gpu", "llm", "gpus"}},
		{"empty", "", nil},
		{"words around the private memo's width", "internationalisations " + strings.Repeat("b", 23) + " " + strings.Repeat("c", 24) + " chip",
			[]string{"internationalis", strings.Repeat("b", 23), strings.Repeat("c", 24), "chip"}},
	}
	az := NewAnalyzer() // shared by the cases, each analysed twice: memo misses and hits
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Analyze(tt.in)
			if !slices.Equal(got, tt.want) {
				t.Errorf("Analyze(%q) = %q, want %q", tt.in, got, tt.want)
			}
			for range 2 {
				if got := az.Analyze(tt.in); !slices.Equal(got, tt.want) {
					t.Errorf("Analyzer.Analyze(%q) = %q, want %q", tt.in, got, tt.want)
				}
			}
		})
	}
}

// TestAnalyzerSameAsAnalyze checks an Analyzer against Analyze on many
// passages, enough distinct words for its memo's slots to be reused.
func TestAnalyzerSameAsAnalyze(t *testing.T) {
	for _, slots := range []int{2, 4, 64, localSlots} { // tiny memos: every set evicts
		s := newSynth(t, 9)
		var sb strings.Builder
		az := newAnalyzer(slots)
		for i := range 3000 {
			text := s.passage(&sb, 60)
			if i%7 == 0 { // words the synthetic vocabulary lacks
				text += fmt.Sprintf(" w%dx kilo%dgram tallied%d", i, i, i%97)
			}
			want := Analyze(text)
			if got := az.Analyze(text); !slices.Equal(got, want) {
				t.Fatalf("%d slots, passage %d: Analyzer.Analyze = %q, want %q", slots, i, got, want)
			}
		}
	}
}

// TestAnalyzeConcurrent checks that parallel callers (as a parallel index
// build uses it) get the same terms as a single caller.
func TestAnalyzeConcurrent(t *testing.T) {
	text := "Officials tightened export controls on advanced semiconductors; chipmakers’ shares fell."
	want := Analyze(text)
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for range 8 {
		wg.Go(func() {
			for range 200 {
				if got := Analyze(text); !slices.Equal(got, want) {
					errs <- strings.Join(got, " ")
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Errorf("concurrent Analyze = %q, want %q", e, want)
	}
}
