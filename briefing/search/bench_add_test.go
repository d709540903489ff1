package search

import (
	"io"
	"path/filepath"
	"testing"

	"briefbot/briefing/corpus"
)

// BenchmarkAdder measures the index's single adder as an index build
// drives it, over a real corpus (BRIEFBOT_BENCH_CORPUS, e.g.
// /tmp/perf/corpus-5k): "add" adds every passage (terms and vectors
// computed beforehand, as the parse workers do) to a new index, "write"
// writes the built index (WriteTo, to io.Discard). One op is the whole
// corpus.
func BenchmarkAdder(b *testing.B) {
	names, datas := corpusFiles(b)
	az, pv := NewAnalyzer(), NewPassageVectors()
	var terms [][]string
	var vecs [][]int8
	var groups []uint32
	for i, n := range names {
		d, err := corpus.Parse(filepath.Base(n), datas[i])
		if err != nil {
			continue
		}
		for _, p := range corpus.Split(d) {
			var t []string
			var st []int32
			if p.Seq == 0 && d.Title != "" {
				t, st = az.AppendTermStems(t, st, d.Title)
			}
			t, st = az.AppendTermStems(t, st, p.Text)
			terms = append(terms, t)
			vecs = append(vecs, pv.AppendStems(nil, st))
			groups = append(groups, uint32(i+1))
		}
	}
	build := func() *Index {
		ix := NewIndex()
		for i, t := range terms {
			ix.AddVector(uint32(i+1), groups[i], t, vecs[i])
		}
		return ix
	}
	b.Run("add", func(b *testing.B) {
		b.ReportAllocs()
		defer reportCPU(b)()
		for b.Loop() {
			build()
		}
	})
	b.Run("write", func(b *testing.B) {
		ix := build()
		b.ReportAllocs()
		defer reportCPU(b)()
		for b.Loop() {
			if _, err := ix.WriteTo(io.Discard); err != nil {
				b.Fatal(err)
			}
		}
	})
}
