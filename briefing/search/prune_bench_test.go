package search

import (
	"bytes"
	"slices"
	"testing"
	"time"
)

// BenchmarkCandidates compares scoring every posting (all) with pruned
// scoring (pruned) on the 200 questions of BenchmarkSearch; one op is all
// 200 questions' candidate pools (depth 40, with the question's vector).
func BenchmarkCandidates(b *testing.B) {
	for _, n := range benchSizes() {
		ix := indexOf(b, n)
		type prepared struct {
			concepts []concept
			total    float64
			qv       []float32
		}
		var ps []prepared
		for _, q := range newSynth(b, 7).questions(200) {
			pq := ParseQuery(q)
			concepts, total, missing := ix.concepts(pq)
			if total == 0 || missing {
				continue
			}
			ps = append(ps, prepared{concepts, total, ix.queryVector(pq)})
		}
		for _, mode := range []string{"all", "pruned"} {
			b.Run(sizeName(n)+"/"+mode, func(b *testing.B) {
				sc := ix.getScratch()
				defer ix.putScratch(sc)
				for b.Loop() {
					for _, p := range ps {
						if mode == "all" {
							ix.candidatesAll(sc, p.concepts, p.total, 40, p.qv)
						} else if _, ok := ix.candidatesPruned(sc, p.concepts, p.total, 40, p.qv); !ok {
							b.Fatal("pruning refused")
						}
					}
				}
			})
		}
	}
}

// BenchmarkSearchGrown measures ParseQuery plus Search (K 5) over the 200
// questions of BenchmarkSearch on an index opened over its written form
// (99% of the corpus) and then grown by the last 1%, so that common terms
// have continuations (termInfo.more); p50-ms and p99-ms are per question.
func BenchmarkSearchGrown(b *testing.B) {
	for _, n := range benchSizes() {
		b.Run(sizeName(n), func(b *testing.B) {
			c := corpusOf(b, n)
			cut := n - n/100
			for cut < n && c.groups[cut] == c.groups[cut-1] {
				cut++ // whole articles in the base
			}
			var buf bytes.Buffer
			if _, err := buildIndex(&benchCorpus{texts: c.texts[:cut], groups: c.groups[:cut]}).WriteTo(&buf); err != nil {
				b.Fatal(err)
			}
			ix, err := OpenIndex(buf.Bytes())
			if err != nil {
				b.Fatal(err)
			}
			for id := cut + 1; id <= n; id++ {
				ix.Add(uint32(id), c.groups[id-1], Analyze(c.texts[id-1]))
			}
			qs := newSynth(b, 7).questions(200)
			for _, q := range qs { // metadata built
				ix.Search(ParseQuery(q), Options{K: 5})
			}
			var lat []time.Duration
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				t0 := time.Now()
				ix.Search(ParseQuery(qs[i%len(qs)]), Options{K: 5})
				lat = append(lat, time.Since(t0))
			}
			b.StopTimer()
			slices.Sort(lat)
			ms := func(p float64) float64 {
				return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))].Nanoseconds()) / 1e6
			}
			b.ReportMetric(ms(0.50), "p50-ms")
			b.ReportMetric(ms(0.99), "p99-ms")
		})
	}
}
