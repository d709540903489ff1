package search

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"math"
	"testing"
)

// FuzzReadIndex feeds ReadIndex arbitrary bytes, both as they are and with
// a valid checksum written over their last four bytes (so the fuzzer gets
// past the checksum into the tables). It must never panic nor allocate
// without bound; an index it accepts must answer a Search, survive Remove
// and Compact, and write itself out again.
func FuzzReadIndex(f *testing.F) {
	ix := NewIndex()
	ix.Add(3, 1, Analyze("Harbour fees rose by 12 percent on Monday."))
	ix.Add(7, 1, Analyze("Dockworkers voted to strike over automation."))
	ix.Add(9, 2, Analyze("Freight rates fell for a third week."))
	ix.Remove(7, Analyze("Dockworkers voted to strike over automation."))
	var buf bytes.Buffer
	if _, err := ix.WriteTo(&buf); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes(), false)
	f.Add(buf.Bytes()[:40], true)
	f.Add([]byte(magic), false)
	f.Fuzz(func(t *testing.T, data []byte, fixSum bool) {
		if fixSum && len(data) >= 4 {
			data = bytes.Clone(data)
			if l, err := parseHeader(data); err == nil && l.end == uint64(len(data)) {
				binary.LittleEndian.PutUint32(data[l.crcHead:], crc32.Checksum(data[:l.post], castagnoli))
			}
			sum := crc32.Checksum(data[:len(data)-4], castagnoli)
			binary.LittleEndian.PutUint32(data[len(data)-4:], sum)
		}
		// OpenIndex checks less than ReadIndex, but what it accepts must
		// be as safe to use.
		if mapped, err := OpenIndex(bytes.Clone(data)); err == nil {
			for _, q := range []string{"harbour fees", "strike", "freight rates week"} {
				mapped.Search(ParseQuery(q), Options{K: 3})
			}
			if n := len(mapped.ids); n == 0 || mapped.ids[n-1] < math.MaxUint32 {
				next := uint32(1)
				if n > 0 {
					next = mapped.ids[n-1] + 1
				}
				mapped.Add(next, 5, Analyze("Harbour fees fell."))
			}
			mapped.Remove(3, Analyze("Harbour fees rose by 12 percent on Monday."))
			mapped.Compact()
			mapped.Search(ParseQuery("fees"), Options{K: 3})
		}
		got, err := ReadIndex(bytes.NewReader(data))
		if err != nil {
			if got != nil {
				t.Fatalf("ReadIndex returned an index with error %v", err)
			}
			return
		}
		for _, q := range []string{"harbour fees", "strike", "freight rates week"} {
			got.Search(ParseQuery(q), Options{K: 3})
		}
		got.Remove(3, Analyze("Harbour fees rose by 12 percent on Monday."))
		got.Compact()
		got.Search(ParseQuery("fees"), Options{K: 3})
		if _, err := got.WriteTo(&bytes.Buffer{}); err != nil {
			t.Fatalf("WriteTo after ReadIndex: %v", err)
		}
	})
}
