package search

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestDebugCoverage(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(sharedDir, "corpus", "*.txt"))
	slices.Sort(files)
	ix := NewIndex()
	var texts []string
	var groups []int
	for g, f := range files {
		b, _ := os.ReadFile(f)
		for _, para := range strings.Split(string(b), "\n") {
			if para = strings.TrimSpace(para); para == "" {
				continue
			}
			texts = append(texts, para)
			groups = append(groups, g)
			ix.Add(uint32(len(texts)), uint32(g), Analyze(para))
		}
	}
	for _, qs := range strings.Split(os.Getenv("QS"), "|") {
		q := ParseQuery(qs)
		cs, total := ix.concepts(q.Terms)
		for i, c := range cs {
			fmt.Printf("%s idf=%.2f share=%.2f syn=%d\n", q.Terms[i], c.cover, c.cover/total, len(c.tids)-1)
		}
		type row struct{ cov float64; g int; s string }
		var rows []row
		for i, s := range texts {
			terms := Analyze(s)
			cov := 0.0
			for ci, c := range cs {
				best := 0.0
				for ti, tid := range c.tids {
					for term, id := range ix.dict {
						if id == tid && slices.Contains(terms, term) {
							best = max(best, c.weights[ti])
						}
					}
				}
				cov += best * cs[ci].cover
			}
			if cov > 0 {
				rows = append(rows, row{cov / total, groups[i], s})
			}
		}
		slices.SortFunc(rows, func(a, b row) int { if a.cov > b.cov { return -1 }; if a.cov < b.cov { return 1 }; return 0 })
		for _, r := range rows[:min(len(rows), 14)] {
			fmt.Printf("  %.2f g%d %.90s\n", r.cov, r.g, r.s)
		}
	}
}
