package search

import (
	"bytes"
	"encoding/binary"
	"runtime"
	"testing"
)

// TestReadIndexBoundsAllocations checks that a short, damaged index whose
// header claims huge tables is rejected without allocating for those
// tables: what the reader allocates is bounded by what the input holds.
func TestReadIndexBoundsAllocations(t *testing.T) {
	var head []byte
	head = append(head, magic...)
	head = binary.LittleEndian.AppendUint32(head, formatVersion)
	head = binary.LittleEndian.AppendUint32(head, 0)
	for _, v := range []uint64{
		0xFFFFFFF0, // slots
		1,          // live
		1,          // total length
		0xFFFFFFF0, // terms
		0xFFFFFFF0, // groups
		0,          // dims
		0xFFFFFFF0, // names
		1 << 40,    // postings
	} {
		head = binary.LittleEndian.AppendUint64(head, v)
	}
	tests := []struct {
		name string
		data []byte
	}{
		{"header only", head},
		{"header and a few bytes", append(bytes.Clone(head), make([]byte, 100)...)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			ix, err := ReadIndex(bytes.NewReader(tt.data))
			runtime.ReadMemStats(&after)
			if err == nil || ix != nil {
				t.Fatalf("ReadIndex = %v, %v; want an error", ix, err)
			}
			// The reader's own 1 MB buffer plus a first 64 KB chunk; the
			// header asks for about 16 GB.
			if got := after.TotalAlloc - before.TotalAlloc; got > 4<<20 {
				t.Errorf("ReadIndex of %d bytes allocated %d bytes", len(tt.data), got)
			}
		})
	}
}
