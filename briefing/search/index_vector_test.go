package search

import (
	"bytes"
	"strings"
	"testing"
)

// AddVector with vectors from PassageVectors builds the index Add builds,
// byte for byte; so does a vector of the wrong length (computed by Add).
func TestAddVectorSameAsAdd(t *testing.T) {
	c := genCorpus(t, 3000)
	byAdd, byVector, wrongLen := NewIndex(), NewIndex(), NewIndex()
	pv := NewPassageVectors()
	if pv.Dims() == 0 {
		t.Fatal("no lexicon vectors")
	}
	var vec []int8
	for i, text := range c.texts {
		terms := Analyze(text)
		if i%7 == 0 {
			terms = append(terms, terms[:len(terms)/3]...) // repeated terms
		}
		vec = pv.Append(vec[:0], terms)
		if len(vec) != pv.Dims() {
			t.Fatalf("passage %d: vector of %d, want %d", i, len(vec), pv.Dims())
		}
		if i%5 == 0 { // the same words in other strings: the same vector
			cloned := make([]string, len(terms))
			for j, t := range terms {
				cloned[j] = strings.Clone(t)
			}
			if again := pv.Append(nil, cloned); !bytes.Equal(toBytes(again), toBytes(vec)) {
				t.Fatalf("passage %d: vector differs for the same terms in other strings", i)
			}
		}
		byAdd.Add(uint32(i+1), c.groups[i], terms)
		byVector.AddVector(uint32(i+1), c.groups[i], terms, vec)
		wrongLen.AddVector(uint32(i+1), c.groups[i], terms, vec[:1])
	}
	var want bytes.Buffer
	if _, err := byAdd.WriteTo(&want); err != nil {
		t.Fatal(err)
	}
	for name, ix := range map[string]*Index{"AddVector": byVector, "AddVector, short vector": wrongLen} {
		var got bytes.Buffer
		if _, err := ix.WriteTo(&got); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Bytes(), want.Bytes()) {
			t.Errorf("%s: persisted index differs from Add's (%d vs %d bytes)", name, got.Len(), want.Len())
		}
	}
	// A passage of words the lexicon does not know has a zero vector.
	if v := pv.Append(nil, []string{"zqxv", "qqzzk"}); len(v) != pv.Dims() || bytes.Count(toBytes(v), []byte{0}) != len(v) {
		t.Errorf("unknown words: vector %v, want %d zeros", v, pv.Dims())
	}
}

func toBytes(v []int8) []byte {
	b := make([]byte, len(v))
	for i, x := range v {
		b[i] = byte(x)
	}
	return b
}
