package search

import (
	"bytes"
	"slices"
	"strings"
	"testing"
)

// BenchmarkReplay measures what a start pays for a change log: opening a
// base of 100k passages where it lies, then replaying a log that adds 10k
// more in records of 1,000 (as a 10% update would), in each log format;
// "+remove" logs then remove every 11th passage, as many as were added, in
// records of 700 (as deleting 1% of the files of a 1M corpus after adding
// 1% does), format 2 with each removal's terms (lists, as before counted
// removals) and counted.
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
	var removals []LogRecord
	var rec LogRecord
	for id := 11; id <= n; id += 11 {
		rec.Ops = append(rec.Ops, LogOp{Remove: true, ID: uint32(id), Terms: terms[id]})
		if len(rec.Ops) == 700 || id+11 > n {
			rec.Seq = uint64(len(recs) + len(removals) + 1)
			removals, rec = append(removals, rec), LogRecord{}
		}
	}
	enc := NewLogEncoder()
	lists := NewLogEncoder()
	lists.termLists = true
	for _, format := range []string{"format=1", "format=2", "format=1+remove", "format=2+remove/lists", "format=2+remove/counted"} {
		var log []byte
		all := recs
		if strings.Contains(format, "remove") {
			all = append(slices.Clip(recs), removals...)
		}
		for _, r := range all {
			switch {
			case strings.HasPrefix(format, "format=1"):
				log = AppendLogRecord(log, r)
			case strings.HasSuffix(format, "lists"):
				log = lists.Append(log, r)
			default:
				log = enc.Append(log, r)
			}
		}
		b.Run(format, func(b *testing.B) {
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
