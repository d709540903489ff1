package briefing

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"briefbot/briefing/search"
)

// readIndexFile says why it does not take a file: written by another
// version (the format it found and the one it reads), cut short, or not an
// index at all; a file writeIndexFile wrote reopens.
func TestReadIndexFileSaysWhy(t *testing.T) {
	dir := t.TempDir()
	ix := search.NewIndex()
	ix.Add(1, 1, search.Analyze("export controls on chips"))
	good := filepath.Join(dir, "good.bin")
	if err := writeIndexFile(good, ix, 7); err != nil {
		t.Fatal(err)
	}
	got, gen, err := readIndexFile(good)
	if err != nil || gen.gen != 7 || got.Len() != 1 {
		t.Fatalf("readIndexFile(written) = %v generation %d, %v", got, gen.gen, err)
	}
	data, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	older := append([]byte("BBIX0002"), data[8:]...)
	tests := []struct {
		name string
		data []byte
		want []string
	}{
		{"older format", older, []string{`"BBIX0002"`, `"` + indexMagic + `"`, "another version"}},
		{"cut short", data[:10], []string{"truncated"}},
		{"empty", nil, []string{"truncated"}},
		{"not an index", []byte("garbage that is long enough"), []string{"not a briefbot index"}},
	}
	for _, tt := range tests {
		path := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "-"))
		if err := os.WriteFile(path, tt.data, 0o644); err != nil {
			t.Fatal(err)
		}
		_, _, err := readIndexFile(path)
		if err == nil {
			t.Errorf("%s: accepted", tt.name)
			continue
		}
		for _, w := range tt.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q does not say %s", tt.name, err, w)
			}
		}
	}
}
