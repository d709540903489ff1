package search

import "testing"

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
