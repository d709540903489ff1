package search

import (
	"runtime"
	"testing"
)

// BenchmarkLoadLexicon measures parsing the embedded asset (done once per
// index) and the heap it keeps.
func BenchmarkLoadLexicon(b *testing.B) {
	var lx *Lexicon
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for b.Loop() {
		var err error
		if lx, err = LoadLexicon(); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	runtime.GC()
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/(1<<20), "heap-MB")
	runtime.KeepAlive(lx)
}

// BenchmarkPassageVector measures computing one passage's vector from its
// terms (PassageVectors.Append), as the analyse workers do.
func BenchmarkPassageVector(b *testing.B) {
	c := genCorpus(b, 2000)
	terms := make([][]string, len(c.texts))
	for i, t := range c.texts {
		terms[i] = Analyze(t)
	}
	pv := NewPassageVectors()
	var v []int8
	i := 0
	for b.Loop() {
		v = pv.Append(v[:0], terms[i%len(terms)])
		i++
	}
}
