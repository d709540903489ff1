package corpus

import (
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

// TestParserVersion guards the re-parse of stored corpora: when Parse or
// Split give other output for the fixtures, ParserVersion must change too.
// The golden file holds the version and a digest of the output; after a
// deliberate change, bump ParserVersion and run go test -update.
func TestParserVersion(t *testing.T) {
	entries, err := os.ReadDir("testdata")
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.New()
	for _, e := range entries {
		if e.IsDir() || !IsArticle(e.Name()) {
			continue
		}
		d, err := Parse(e.Name(), readFixture(t, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(h, "%s\x00%s\x00%s\x00%s\x00%s\x00%s\x00%s\x00", d.ID, d.Title, d.Source, d.Author, d.URL, d.Published, d.Text)
		for _, p := range Split(d) {
			fmt.Fprintf(h, "%d:%d\x00", p.Start, p.End)
		}
	}
	got := ParserVersion + " " + hex.EncodeToString(h.Sum(nil)) + "\n"
	path := filepath.Join("testdata", "golden", "parser_version.txt")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	wantVersion, wantSum, _ := strings.Cut(strings.TrimSpace(string(data)), " ")
	gotVersion, gotSum, _ := strings.Cut(strings.TrimSpace(got), " ")
	switch {
	case gotVersion == wantVersion && gotSum != wantSum:
		t.Errorf("Parse or Split output changed but ParserVersion is still %q: change it, so stored corpora are parsed again, and run go test -update", gotVersion)
	case gotVersion != wantVersion:
		t.Errorf("ParserVersion is %q, the golden file has %q: run go test -update", gotVersion, wantVersion)
	}
}
