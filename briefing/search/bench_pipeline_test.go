package search

import (
	"os"
	"path/filepath"
	"sort"
	"syscall"
	"testing"
	"time"

	"briefbot/briefing/corpus"
)

// corpusFiles returns the names (sorted) and contents of the files of the
// corpus BRIEFBOT_BENCH_CORPUS names, skipping the benchmark without one.
func corpusFiles(b *testing.B) (names []string, datas [][]byte) {
	dir := os.Getenv("BRIEFBOT_BENCH_CORPUS")
	if dir == "" {
		b.Skip("BRIEFBOT_BENCH_CORPUS is not set")
	}
	names, err := filepath.Glob(filepath.Join(dir, "*"))
	if err != nil || len(names) == 0 {
		b.Skipf("no files in %s", dir)
	}
	sort.Strings(names)
	datas = make([][]byte, len(names))
	for i, n := range names {
		if datas[i], err = os.ReadFile(n); err != nil {
			b.Fatal(err)
		}
	}
	return names, datas
}

// BenchmarkIndexPipeline measures what an index build's parse workers do
// to each file of a real corpus (BRIEFBOT_BENCH_CORPUS, a directory of
// .txt/.md/.html files, e.g. /tmp/perf/corpus-5k): parse, split, analyse
// the passages through one Analyzer and compute their vectors, on one
// goroutine, the files already read. One op is the whole corpus.
func BenchmarkIndexPipeline(b *testing.B) {
	names, datas := corpusFiles(b)
	size := 0
	for _, d := range datas {
		size += len(d)
	}
	var err error
	docs := make([]corpus.Document, len(names))
	passages := make([][]corpus.Passage, len(names))
	for i, n := range names {
		if docs[i], err = corpus.Parse(filepath.Base(n), datas[i]); err == nil {
			passages[i] = corpus.Split(docs[i])
		}
	}
	analyse := func(az *Analyzer, flat []string, d corpus.Document, ps []corpus.Passage, terms [][]string) ([]string, [][]string) {
		flat, terms = flat[:0], terms[:0]
		for _, p := range ps {
			start := len(flat)
			if p.Seq == 0 && d.Title != "" {
				flat = az.AppendTerms(flat, d.Title)
			}
			flat = az.AppendTerms(flat, p.Text)
			terms = append(terms, flat[start:len(flat):len(flat)])
		}
		return flat, terms
	}
	b.Run("parse", func(b *testing.B) {
		b.SetBytes(int64(size))
		defer reportCPU(b)()
		for b.Loop() {
			for i, n := range names {
				if d, err := corpus.Parse(filepath.Base(n), datas[i]); err == nil {
					corpus.Split(d)
				}
			}
		}
	})
	b.Run("analyse", func(b *testing.B) {
		az := NewAnalyzer()
		var flat []string
		var terms [][]string
		defer reportCPU(b)()
		for b.Loop() {
			for i := range docs {
				flat, terms = analyse(az, flat, docs[i], passages[i], terms)
			}
		}
	})
	// Terms and vectors as the workers compute them, the vectors from the
	// terms (Append) or from the stems the Analyzer kept (AppendStems).
	for _, stemmed := range []bool{false, true} {
		name := "terms+vectors"
		if stemmed {
			name = "termstems+vectors"
		}
		b.Run(name, func(b *testing.B) {
			az, pv := NewAnalyzer(), NewPassageVectors()
			var flat []string
			var stems []int32
			var v []int8
			defer reportCPU(b)()
			for b.Loop() {
				for i, d := range docs {
					for _, p := range passages[i] {
						flat, stems, v = flat[:0], stems[:0], v[:0]
						if stemmed {
							if p.Seq == 0 && d.Title != "" {
								flat, stems = az.AppendTermStems(flat, stems, d.Title)
							}
							flat, stems = az.AppendTermStems(flat, stems, p.Text)
							v = pv.AppendStems(v, stems)
						} else {
							if p.Seq == 0 && d.Title != "" {
								flat = az.AppendTerms(flat, d.Title)
							}
							flat = az.AppendTerms(flat, p.Text)
							v = pv.Append(v, flat)
						}
					}
				}
			}
		})
	}
	b.Run("vectors", func(b *testing.B) {
		az, pv := NewAnalyzer(), NewPassageVectors()
		all := make([][][]string, len(docs))
		for i := range docs {
			_, all[i] = analyse(az, nil, docs[i], passages[i], nil)
		}
		var v []int8
		defer reportCPU(b)()
		for b.Loop() {
			for _, ts := range all {
				for _, t := range ts {
					v = pv.Append(v[:0], t)
				}
			}
		}
	})
}

// reportCPU starts counting the process's CPU time (user and system, all
// threads: the garbage collector's too); the function it returns reports
// it per op, a fairer figure than wall time on a shared machine.
func reportCPU(b *testing.B) func() {
	start := processCPU()
	return func() {
		if b.N > 0 {
			b.ReportMetric(float64((processCPU()-start).Milliseconds())/float64(b.N), "cpu-ms/op")
		}
	}
}

func processCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
