package corpus

import (
	"io/fs"
	"os"
	"path"
	"strings"
	"testing"
	"time"
)

func TestSample(t *testing.T) {
	fsys := Sample()
	files, errs := List(fsys)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if len(files) != 6 {
		t.Fatalf("sample has %d articles, want 6", len(files))
	}
	exts := map[string]int{}
	exportControls, nvidia := 0, 0
	byDate := map[time.Time][]Document{}
	for _, f := range files {
		data, err := fs.ReadFile(fsys, f.Path)
		if err != nil {
			t.Fatal(err)
		}
		d, err := Parse(f.Path, data)
		if err != nil {
			t.Fatal(err)
		}
		ext := path.Ext(f.Path)
		exts[ext]++
		if n := countWords(d.Text); n < 250 || n > 500 {
			t.Errorf("%s: %d words, want 250-500", f.Path, n)
		}
		if d.Title == "" || d.Source == "" || d.Author == "" {
			t.Errorf("%s: Title %q Source %q Author %q", f.Path, d.Title, d.Source, d.Author)
		}
		if d.Published.Before(date(2025, 1, 20)) || d.Published.After(date(2025, 2, 21)) {
			t.Errorf("%s: Published %v", f.Path, d.Published)
		}
		if ext != ".txt" && !strings.Contains(d.URL, "example.com/") && !strings.Contains(d.URL, "example.org/") {
			t.Errorf("%s: URL %q", f.Path, d.URL)
		}
		lower := strings.ToLower(d.Text)
		if strings.Contains(lower, "export control") {
			exportControls++
		}
		if strings.Contains(lower, "nvidia") {
			nvidia++
		}
		if len(Split(d)) < 3 {
			t.Errorf("%s: only %d passages", f.Path, len(Split(d)))
		}
		day := d.Published.UTC().Truncate(24 * time.Hour)
		byDate[day] = append(byDate[day], d)
	}
	if exts[".md"] < 3 || exts[".txt"] != 1 || exts[".html"] != 1 {
		t.Errorf("formats %v, want mostly .md, one .txt, one .html", exts)
	}
	if exportControls < 3 || nvidia < 3 {
		t.Errorf("%d articles mention export controls and %d Nvidia, want at least 3 each", exportControls, nvidia)
	}
	// The near-duplicate pair: two outlets on the same day, same story.
	pairs := 0
	for _, ds := range byDate {
		if len(ds) == 2 && ds[0].Source != ds[1].Source &&
			strings.Contains(ds[0].Text, "17 percent") && strings.Contains(ds[1].Text, "17 percent") {
			pairs++
		}
	}
	if pairs != 1 {
		t.Errorf("want one near-duplicate pair of the same story, found %d", pairs)
	}
}

// TestSampleIsOriginal checks that no sentence of the sample corpus is
// copied from the scraped articles in ../shared/corpus.
func TestSampleIsOriginal(t *testing.T) {
	shared := sharedCorpus(t)
	var scraped strings.Builder
	for _, e := range shared {
		scraped.WriteString(normalize(string(e.data)))
	}
	all := scraped.String()
	fsys := Sample()
	files, _ := List(fsys)
	for _, f := range files {
		data, _ := fs.ReadFile(fsys, f.Path)
		d, err := Parse(f.Path, data)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range Sentences(d.Text) {
			s := d.Text[r[0]:r[1]]
			if countWords(s) >= 8 && strings.Contains(all, s) {
				t.Errorf("%s copies %q", f.Path, s)
			}
		}
	}
}

type sharedFile struct {
	name string
	data []byte
}

// sharedCorpus reads ../shared/corpus beside the repository, or skips.
func sharedCorpus(t *testing.T) []sharedFile {
	t.Helper()
	dir := "../../../shared/corpus"
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Skipf("no shared corpus: %v", err)
	}
	var out []sharedFile
	for _, e := range entries {
		if e.IsDir() || !IsArticle(e.Name()) {
			continue
		}
		data, err := os.ReadFile(dir + "/" + e.Name())
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, sharedFile{e.Name(), data})
	}
	return out
}
