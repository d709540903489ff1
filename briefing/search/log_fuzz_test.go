package search

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"testing"
)

// FuzzReadLog feeds ReadLog arbitrary bytes, as they are and with each
// frame's checksum made valid (so the fuzzer gets past it into the
// payloads), and applies what it reads to an index opened from a base.
// Nothing may panic; ReadLog must stop inside the data; and an index that
// applied the records must still verify and answer.
func FuzzReadLog(f *testing.F) {
	texts := []string{
		"Harbour fees rose by 12 percent on Monday.",
		"Dockworkers voted to strike over automation.",
		"Freight rates fell for a third week.",
	}
	base := NewIndex()
	for i, s := range texts {
		base.Add(uint32(2*i+1), uint32(i/2+1), Analyze(s))
	}
	var buf bytes.Buffer
	if _, err := base.WriteTo(&buf); err != nil {
		f.Fatal(err)
	}
	recs := []LogRecord{
		{Seq: 1, Ops: []LogOp{
			{ID: 8, Group: 3, Terms: Analyze("Harbour strike ends; fees fall.")},
			{Remove: true, ID: 3, Terms: Analyze(texts[1])},
			{ID: 9, Group: 1, Terms: Analyze("Rates rose again.")},
		}},
		{Seq: 2, Ops: []LogOp{{Remove: true, ID: 8, Terms: Analyze("Harbour strike ends; fees fall.")}, {ID: 12, Group: 4}}},
	}
	var v1, v2, lists []byte
	enc := NewLogEncoder()
	old := NewLogEncoder()
	old.termLists = true // format 2 before counted removals
	for _, r := range recs {
		v1 = AppendLogRecord(v1, r)
		v2 = enc.Append(v2, r)
		lists = old.Append(lists, r)
	}
	f.Add(v1, false)
	f.Add(v2, false)
	f.Add(v2[:len(v2)-3], true)
	f.Add(lists, false)
	// Counted removals that do not fit the base: an unknown passage, one
	// named twice, a term's count beyond its frequency.
	f.Add(enc.Append(nil, LogRecord{Seq: 1, Ops: []LogOp{{Remove: true, ID: 4, Terms: Analyze(texts[1])}}}), false)
	f.Add(enc.Append(nil, LogRecord{Seq: 1, Ops: []LogOp{{Remove: true, ID: 3, Terms: Analyze(texts[1])}, {Remove: true, ID: 3, Terms: Analyze(texts[1])}}}), false)
	f.Add(enc.Append(nil, LogRecord{Seq: 1, Ops: []LogOp{{Remove: true, ID: 1, Terms: Analyze(texts[1] + " " + texts[2])}}}), false)
	f.Fuzz(func(t *testing.T, data []byte, fixSums bool) {
		if fixSums {
			data = bytes.Clone(data)
			for at := 0; at+logFrame <= len(data); {
				size := int(binary.LittleEndian.Uint32(data[at:]) &^ logPacked)
				if size > len(data)-at-logFrame {
					break
				}
				p := data[at+logFrame : at+logFrame+size]
				binary.LittleEndian.PutUint32(data[at+4:], crc32.Checksum(p, castagnoli))
				at += logFrame + size
			}
		}
		ix, err := OpenIndex(bytes.Clone(buf.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		n, _ := ReadLog(data, func(r LogRecord) error { return ix.Apply(r) })
		if n < 0 || n > len(data) {
			t.Fatalf("ReadLog = %d for %d bytes", n, len(data))
		}
		if err := ix.Verify(); err != nil {
			t.Fatalf("after the log: %v", err)
		}
		for _, q := range []string{"harbour fees", "strike", "freight rates week"} {
			ix.Search(ParseQuery(q), Options{K: 3})
		}
		if _, err := ix.WriteTo(&bytes.Buffer{}); err != nil {
			t.Fatalf("WriteTo after the log: %v", err)
		}
	})
}
