package search

import (
	"bytes"
	"testing"
)

// BenchmarkReplay measures what a start pays for a change log: opening a
// base of 100k passages where it lies, then replaying a log that adds 10k
// more in records of 1,000 (as a 10% update would), in each log format.
func BenchmarkReplay(b *testing.B) {
	const n, base = 110_000, 100_000
	c := corpusOf(b, n)
	terms := make([][]string, n+1)
	for id := 1; id <= n; id++ {
		terms[id] = Analyze(c.texts[id-1])
	}
	ix := NewIndex()
	for id := 1; id <= base; id++ {
		ix.Add(uint32(id), c.groups[id-1], terms[id])
	}
	var buf bytes.Buffer
	if _, err := ix.WriteTo(&buf); err != nil {
		b.Fatal(err)
	}
	pv := NewPassageVectors()
	var recs []LogRecord
	for lo := base + 1; lo <= n; lo += 1000 {
		rec := LogRecord{Seq: uint64(len(recs) + 1)}
		for id := lo; id < lo+1000 && id <= n; id++ {
			rec.Ops = append(rec.Ops, LogOp{ID: uint32(id), Group: c.groups[id-1], Terms: terms[id], Vec: pv.Append(nil, terms[id])})
		}
		recs = append(recs, rec)
	}
	enc := NewLogEncoder()
	for _, format := range []int{1, 2} {
		var log []byte
		for _, r := range recs {
			if format == 1 {
				log = AppendLogRecord(log, r)
			} else {
				log = enc.Append(log, r)
			}
		}
		b.Run(map[int]string{1: "format=1", 2: "format=2"}[format], func(b *testing.B) {
			for b.Loop() {
				ix, err := OpenIndex(buf.Bytes())
				if err != nil {
					b.Fatal(err)
				}
				if _, err := ReadLog(log, ix.Apply); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(log))/(1<<20), "log-MB")
		})
	}
}
