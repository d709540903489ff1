package search

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// TestOpenIndexFile checks that an index used where it lies (a mapped file)
// answers exactly like the original, and that Add, Remove and Compact on it
// (which copy what they change) leave it answering like the original given
// the same changes, without touching the file.
func TestOpenIndexFile(t *testing.T) {
	f := loadFixture(t)
	var buf bytes.Buffer
	buf.Write(make([]byte, 16)) // a caller's own header before the index
	if _, err := f.ix.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "index")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	file, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	got, err := OpenIndexFile(file, 16)
	file.Close()
	if err != nil {
		t.Fatalf("OpenIndexFile: %v", err)
	}
	if err := got.Verify(); err != nil {
		t.Errorf("Verify: %v", err)
	}
	if got.Len() != f.ix.Len() {
		t.Errorf("Len = %d, want %d", got.Len(), f.ix.Len())
	}
	want := searchAll(f.ix, f.text)
	if res := searchAll(got, f.text); !reflect.DeepEqual(res, want) {
		t.Errorf("mapped index:\n got %+v\nwant %+v", res, want)
	}

	more := "A second wind farm is planned; its cost is not yet known."
	f.texts[5000] = more
	for _, ix := range []*Index{f.ix, got} {
		ix.Add(5000, 77, Analyze(more))
		for id, terms := range f.terms {
			if id%2 == 0 {
				ix.Remove(id, terms)
			}
		}
	}
	if a, b := searchAll(got, f.text), searchAll(f.ix, f.text); !reflect.DeepEqual(a, b) {
		t.Errorf("after Add and Remove on both:\n mapped   %+v\n original %+v", a, b)
	}
	got.Compact()
	f.ix.Compact()
	if a, b := searchAll(got, f.text), searchAll(f.ix, f.text); !reflect.DeepEqual(a, b) {
		t.Errorf("after Compact:\n mapped   %+v\n original %+v", a, b)
	}
	var again, orig bytes.Buffer
	if _, err := got.WriteTo(&again); err != nil {
		t.Fatal(err)
	}
	if _, err := f.ix.WriteTo(&orig); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again.Bytes(), orig.Bytes()) {
		t.Error("rewritten mapped index differs from the original's")
	}
	if disk, err := os.ReadFile(path); err != nil || !bytes.Equal(disk, buf.Bytes()) {
		t.Errorf("the mapped file changed (%v)", err)
	}
}

// TestOpenIndexChecks checks what OpenIndex verifies at once (the tables it
// uses as they are) and what it leaves to Verify (the postings' checksum).
func TestOpenIndexChecks(t *testing.T) {
	f := loadFixture(t)
	var buf bytes.Buffer
	if _, err := f.ix.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	good := buf.Bytes()
	l, err := parseHeader(good)
	if err != nil {
		t.Fatal(err)
	}
	flip := func(i uint64) []byte {
		b := bytes.Clone(good)
		b[i] ^= 0x10
		return b
	}
	tests := []struct {
		name       string
		data       []byte
		openErr    bool // OpenIndex fails
		verifyErr  bool // Verify fails (when OpenIndex did not)
		wantFormat bool
	}{
		{"intact", bytes.Clone(good), false, false, false},
		{"truncated", good[:len(good)/2], true, false, false},
		{"trailing byte", append(bytes.Clone(good), 0), true, false, true},
		{"bad version", flip(uint64(len(magic))), true, false, true},
		{"flipped passage id", flip(l.ids + 5), true, false, true},
		{"flipped term name", flip(l.names + 2), true, false, true},
		{"flipped postings byte", flip(l.post + l.postLen/2), false, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ix, err := OpenIndex(tt.data)
			if (err != nil) != tt.openErr {
				t.Fatalf("OpenIndex error = %v, want error %v", err, tt.openErr)
			}
			if err == nil {
				searchAll(ix, f.text) // must not fail, damaged or not
				err = ix.Verify()
				if (err != nil) != tt.verifyErr {
					t.Fatalf("Verify error = %v, want error %v", err, tt.verifyErr)
				}
			}
			if err != nil && errors.Is(err, ErrFormat) != tt.wantFormat {
				t.Errorf("error %q: errors.Is(ErrFormat) = %v, want %v", err, !tt.wantFormat, tt.wantFormat)
			}
		})
	}
}

// TestOpenIndexUnaligned checks the way tables are decoded when they cannot
// be used in place (data not aligned, as on a big-endian host).
func TestOpenIndexUnaligned(t *testing.T) {
	f := loadFixture(t)
	var buf bytes.Buffer
	buf.WriteByte(0)
	if _, err := f.ix.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	got, err := OpenIndex(buf.Bytes()[1:])
	if err != nil {
		t.Fatalf("OpenIndex: %v", err)
	}
	if err := got.Verify(); err != nil {
		t.Errorf("Verify: %v", err)
	}
	if a, b := searchAll(got, f.text), searchAll(f.ix, f.text); !reflect.DeepEqual(a, b) {
		t.Errorf("unaligned index:\n got %+v\nwant %+v", a, b)
	}
}
