package search

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
)

// TestAddTermsByAddress checks the adder's memo of term numbers by the
// address of the term's bytes: terms that share their bytes' address
// (prefixes of one string), the same term given as different strings,
// more terms than the memo has slots (so that they collide and the memo
// grows), repeated terms, removals and a Compact between adds, all give
// the index that terms each in a string of its own give.
func TestAddTermsByAddress(t *testing.T) {
	// 5,000 words, and all their prefixes, as substrings of one string.
	var words []string
	for i := range 5000 {
		words = append(words, fmt.Sprintf("w%dx%d", i%97, i))
	}
	all := strings.Join(words, " ")
	var shared [][]string // per passage, substrings of all
	at := 0
	for i, w := range words {
		var ts []string
		for n := 1; n <= len(w); n++ {
			ts = append(ts, all[at:at+n]) // prefixes: one address, many lengths
		}
		// Some earlier words again, one of them twice.
		for k := 1; k <= 3 && k <= i; k++ {
			j := (i * 7 / k) % i
			start := strings.Index(all, words[j]+" ")
			if start < 0 {
				start = len(all) - len(words[j])
			}
			ts = append(ts, all[start:start+len(words[j])])
		}
		if len(ts) > 2 {
			ts = append(ts, ts[len(ts)-1])
		}
		shared = append(shared, ts)
		at += len(w) + 1
	}
	cloned := make([][]string, len(shared))
	for i, ts := range shared {
		for _, s := range ts {
			cloned[i] = append(cloned[i], strings.Clone(s))
		}
	}
	build := func(passages [][]string) []byte {
		ix := NewIndex()
		for i, ts := range passages {
			id := uint32(i + 1)
			ix.Add(id, uint32(i/3), ts)
			if i%4 == 1 {
				ix.Remove(id, ts)
			}
			if i == len(passages)/2 {
				ix.Compact()
			}
		}
		var buf bytes.Buffer
		if _, err := ix.WriteTo(&buf); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	want, got := build(cloned), build(shared)
	if !bytes.Equal(got, want) {
		t.Fatalf("index of terms sharing their bytes (%d bytes) differs from that of cloned terms (%d bytes)", len(got), len(want))
	}
}
