package search

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"os"
	"slices"
	"strings"
	"testing"
	"unsafe"
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
	outOfOrder := slices.Clone(lexiconData)
	binary.LittleEndian.PutUint32(outOfOrder[lexHeaderSize:], 1<<30) // the first name's end
	badSlot := slices.Clone(lexiconData)
	lx, err := parseLexicon(badSlot)
	if err != nil {
		t.Fatal(err)
	}
	hashAt := uintptr(unsafe.Pointer(unsafe.SliceData(lx.hash))) - uintptr(unsafe.Pointer(unsafe.SliceData(badSlot)))
	binary.LittleEndian.PutUint32(badSlot[hashAt+4:], uint32(lx.Len()+1)) // slot 0's stem
	for name, b := range map[string][]byte{
		"empty": nil, "old format": []byte("BBLEX001"), "half": lexiconData[:len(lexiconData)/2],
		"magic": append([]byte("XXLEX001"), lexiconData[8:]...), "longer": append(slices.Clone(lexiconData), 0),
		"name ends": outOfOrder, "hash slot": badSlot,
	} {
		if _, err := parseLexicon(b); err == nil {
			t.Errorf("%s: parseLexicon accepted %d damaged bytes", name, len(b))
		}
	}
}

// Every stem is found by its name through the asset's hash table, and
// damaged records end a list early instead of failing.
func TestLexiconInPlace(t *testing.T) {
	lx, err := LoadLexicon()
	if err != nil {
		t.Fatal(err)
	}
	for i := range int32(lx.Len()) {
		if j, ok := lx.id(lx.name(i)); !ok || j != i {
			t.Fatalf("stem %d %q: found as %d, %v", i, lx.name(i), j, ok)
		}
	}
	for _, w := range []string{"", "zzqxv", "cheapest!"} {
		if i, ok := lx.id(w); ok {
			t.Errorf("%q found as stem %d", w, i)
		}
	}
	damaged := slices.Clone(lexiconData)
	dl, err := parseLexicon(damaged)
	if err != nil {
		t.Fatal(err)
	}
	for i := range dl.recs {
		dl.recs[i] = 0xff // every uvarint runs off its record
	}
	for i := range int32(dl.Len()) {
		if exps, _ := dl.records(i); len(exps) != 0 {
			t.Fatalf("stem %d: %d expansions from damaged records", i, len(exps))
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

// Phrasal verbs are entries of their own, named by the verb's stem and the
// particle: their synonyms are the phrase's meaning, not the verb's, and
// never its opposite.
func TestLexiconPhrasalVerbs(t *testing.T) {
	lx, err := LoadLexicon()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		verb, particle string
		want           []string
		never          []string
		antonyms       []string
	}{
		{verb: "turn", particle: "down", want: []string{"reject", "refuse"}, never: []string{"accept", "become"}, antonyms: []string{"accept"}},
		{verb: "step", particle: "down", want: []string{"resign"}},
		{verb: "call", particle: "off", want: []string{"cancel"}},
		{verb: "put", particle: "off", want: []string{"postpone"}},
		{verb: "look", particle: "into", want: []string{"investigate"}},
		{verb: "set", particle: "up", want: []string{"establish"}},
	}
	stem := func(w string) string { return Analyze(w)[0] }
	for _, tt := range tests {
		name := stem(tt.verb) + " " + tt.particle
		got := map[string]bool{}
		for _, e := range lx.Expansions(name) {
			if !e.WordNet {
				t.Errorf("%s: %s is not flagged a WordNet synonym", name, e.Stem)
			}
			got[e.Stem] = true
		}
		for _, w := range tt.want {
			if !got[stem(w)] {
				t.Errorf("%s: expansions %v lack %s", name, lx.Expansions(name), w)
			}
		}
		for _, w := range tt.never {
			if got[stem(w)] {
				t.Errorf("%s: expansions include %s", name, w)
			}
		}
		for _, w := range tt.antonyms {
			if !lx.Antonym(name, stem(w)) {
				t.Errorf("%s: %s not recorded as an antonym", name, w)
			}
		}
	}
	// The phrases follow the stems: a stem's number is still its rank.
	if r, ok := lx.Rank("turn"); !ok || r > 2000 {
		t.Errorf(`Rank("turn") = %d, %v; want a common stem`, r, ok)
	}
	if r, ok := lx.Rank("turn down"); !ok || r < 40000 {
		t.Errorf(`Rank("turn down") = %d, %v; want after the 40,000 stems`, r, ok)
	}
}
