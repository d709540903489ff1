package search

import (
	"bytes"
	"errors"
	"reflect"
	"testing"
)

// TestWriteToReadIndex checks that a reopened index answers exactly like the
// original, removals included, and keeps working after more Adds.
func TestWriteToReadIndex(t *testing.T) {
	f := loadFixture(t)
	for id, terms := range f.terms {
		if id%2 == 0 && id < 130 {
			f.ix.Remove(id, terms)
		}
	}
	var buf bytes.Buffer
	n, err := f.ix.WriteTo(&buf)
	if err != nil || n != int64(buf.Len()) {
		t.Fatalf("WriteTo = %d, %v; wrote %d bytes", n, err, buf.Len())
	}
	got, err := ReadIndex(&buf)
	if err != nil {
		t.Fatalf("ReadIndex: %v", err)
	}
	if got.Len() != f.ix.Len() {
		t.Errorf("Len = %d, want %d", got.Len(), f.ix.Len())
	}
	want := searchAll(f.ix, f.text)
	if res := searchAll(got, f.text); !reflect.DeepEqual(res, want) {
		t.Errorf("reopened index:\n got %+v\nwant %+v", res, want)
	}

	more := "A second wind farm is planned; its cost is not yet known."
	f.texts[5000] = more
	f.ix.Add(5000, 77, Analyze(more))
	got.Add(5000, 77, Analyze(more))
	if a, b := searchAll(got, f.text), searchAll(f.ix, f.text); !reflect.DeepEqual(a, b) {
		t.Errorf("after Add to both:\n reopened %+v\n original %+v", a, b)
	}

	// Writing the reopened index gives the same bytes as writing the original.
	var again, orig bytes.Buffer
	if _, err := got.WriteTo(&again); err != nil {
		t.Fatal(err)
	}
	if _, err := f.ix.WriteTo(&orig); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again.Bytes(), orig.Bytes()) {
		t.Error("rewritten reopened index differs from the original's")
	}
}

func TestReadIndexRejectsDamage(t *testing.T) {
	f := loadFixture(t)
	var buf bytes.Buffer
	if _, err := f.ix.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	good := buf.Bytes()
	flip := func(i int) []byte {
		b := bytes.Clone(good)
		b[i] ^= 0x10
		return b
	}
	tests := []struct {
		name       string
		data       []byte
		wantFormat bool // errors.Is(err, ErrFormat)
	}{
		{"empty", nil, false},
		{"truncated", good[:len(good)/2], false},
		{"no checksum", good[:len(good)-4], false},
		{"bad magic", flip(0), true},
		{"bad version", flip(len(magic)), true},
		{"flipped postings byte", flip(len(good) - 10), true},
		{"flipped checksum", flip(len(good) - 1), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ix, err := ReadIndex(bytes.NewReader(tt.data))
			if err == nil || ix != nil {
				t.Fatalf("ReadIndex = %v, %v; want an error", ix, err)
			}
			if errors.Is(err, ErrFormat) != tt.wantFormat {
				t.Errorf("error %q: errors.Is(ErrFormat) = %v, want %v", err, !tt.wantFormat, tt.wantFormat)
			}
		})
	}
}
