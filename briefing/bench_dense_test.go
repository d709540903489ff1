package briefing

import (
	"math/rand/v2"
	"runtime"
	"testing"
)

// BenchmarkDenseTop scores a question against 100k passages of 768
// dimensions (a typical embeddings model) by brute force, and reports the
// memory the vectors take per passage.
func BenchmarkDenseTop(b *testing.B) {
	const n, dims = 100_000, 768
	rng := rand.New(rand.NewPCG(1, 2))
	vec := make([]float32, dims)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	v := newVectors()
	for i := range n {
		for k := range vec {
			vec[k] = float32(rng.NormFloat64())
		}
		v.add(uint32(i+1), uint32(i/5), vec)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	for k := range vec {
		vec[k] = float32(rng.NormFloat64())
	}
	q := unit(vec)
	for b.Loop() {
		v.top(q, 25, 0.05, nil)
	}
	runtime.KeepAlive(v)
	b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/n, "heap-bytes/passage")
}
