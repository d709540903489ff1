package search

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"strings"
	"testing"
)

// The embedded asset is the one scripts/lexicon recorded, and it parses.
func TestLexiconMatchesChecksum(t *testing.T) {
	rec, err := os.ReadFile("lexicon/lexicon.sha256")
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(lexiconData)
	if got, want := hex.EncodeToString(sum[:]), strings.Fields(string(rec))[0]; got != want {
		t.Fatalf("lexicon.bin sha256 %s, recorded %s: regenerate with go run ./scripts/lexicon", got, want)
	}
	if len(lexiconData) > 20<<20 {
		t.Errorf("lexicon.bin is %d bytes, want well under 20 MB", len(lexiconData))
	}
	lx, err := LoadLexicon()
	if err != nil {
		t.Fatal(err)
	}
	if lx.Len() < 30000 || lx.dims != 100 {
		t.Errorf("lexicon has %d stems of %d dimensions, want >= 30000 of 100", lx.Len(), lx.dims)
	}
}

func TestParseLexiconRejectsDamage(t *testing.T) {
	for _, b := range [][]byte{nil, []byte("BBLEX001"), lexiconData[:len(lexiconData)/2], append([]byte("XXLEX001"), lexiconData[8:]...)} {
		if _, err := parseLexicon(b); err == nil {
			t.Errorf("parseLexicon accepted %d damaged bytes", len(b))
		}
	}
}

// Expansions: synonyms and related forms in, antonyms never.
func TestLexiconExpansions(t *testing.T) {
	lx, err := LoadLexicon()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		word     string
		want     []string // among the expansions
		never    []string // never an expansion
		antonyms []string
	}{
		{word: "cheap", want: []string{"inexpensive"}, never: []string{"expensive", "costly", "pricey"}, antonyms: []string{"expensive"}},
		{word: "sacked", want: []string{"dismissed"}},
		{word: "carmaker", want: []string{"automaker"}},
		{word: "kids", want: []string{"child"}},
		{word: "child", want: []string{"children"}},
		{word: "went", want: []string{"go"}},
		{word: "ill", want: []string{"sick"}, never: []string{"healthy", "well"}, antonyms: []string{"well"}},
		{word: "win", never: []string{"lose", "loss", "defeat"}, antonyms: []string{"lose"}},
		{word: "rise", never: []string{"fall", "decline"}},
	}
	stem := func(w string) string { return Analyze(w)[0] }
	for _, tt := range tests {
		got := map[string]bool{}
		for _, e := range lx.Expansions(stem(tt.word)) {
			got[e.Stem] = true
		}
		for _, w := range tt.want {
			if !got[stem(w)] {
				t.Errorf("%s: expansions %v lack %s", tt.word, lx.Expansions(stem(tt.word)), w)
			}
		}
		for _, w := range tt.never {
			if got[stem(w)] {
				t.Errorf("%s: expansions include %s", tt.word, w)
			}
		}
		for _, w := range tt.antonyms {
			if !lx.Antonym(stem(tt.word), stem(w)) {
				t.Errorf("%s: %s not recorded as an antonym", tt.word, w)
			}
		}
	}
}
