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
