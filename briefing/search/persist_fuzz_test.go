package search

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
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
			sum := crc32.Checksum(data[:len(data)-4], castagnoli)
			binary.LittleEndian.PutUint32(data[len(data)-4:], sum)
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
