package corpus

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// newsDir is the scraped news corpus beside the repository, with the true
// titles and dates of its articles in MANIFEST.tsv.
const newsDir = "../../../shared/corpora/news"

// manifestRow is one article of the news corpus as MANIFEST.tsv lists it.
type manifestRow struct {
	file, title, date string
}

// readManifest reads MANIFEST.tsv, skipping the test loudly when the news
// corpus is not there.
func readManifest(t *testing.T) []manifestRow {
	t.Helper()
	f, err := os.Open(filepath.Join(newsDir, "MANIFEST.tsv"))
	if err != nil {
		t.Skipf("SKIP: no shared news corpus at %s (%v): titles and dates of real pages are NOT checked", newsDir, err)
	}
	defer f.Close()
	var rows []manifestRow
	sc := bufio.NewScanner(f)
	header := true
	for sc.Scan() {
		if header {
			header = false
			continue
		}
		cols := strings.Split(sc.Text(), "\t")
		if len(cols) < 4 {
			continue
		}
		rows = append(rows, manifestRow{file: cols[1], title: cols[2], date: cols[3]})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return rows
}

// TestNewsCorpusMetadata loads every page of the news corpus and checks
// that no title has the shape of page furniture and that at least 95% of
// titles and of dates agree with MANIFEST.tsv.
func TestNewsCorpusMetadata(t *testing.T) {
	rows := readManifest(t)
	if len(rows) == 0 {
		t.Fatal("MANIFEST.tsv lists no articles")
	}
	titles, dates := 0, 0
	for _, r := range rows {
		data, err := os.ReadFile(filepath.Join(newsDir, "articles", r.file))
		if err != nil {
			t.Errorf("%s: %v", r.file, err)
			continue
		}
		d, err := Parse(r.file, data)
		if err != nil {
			t.Errorf("%s: %v", r.file, err)
			continue
		}
		if why := furnitureTitle(d.Title); why != "" {
			t.Errorf("%s: title %q is %s", r.file, d.Title, why)
		}
		if first, _, _ := strings.Cut(d.Text, "\n\n"); foldKey(first) == foldKey(d.Title) {
			t.Errorf("%s: the title line %q was left in Text", r.file, first)
		}
		if foldKey(d.Title) == foldKey(r.title) {
			titles++
		} else {
			t.Logf("%s: title %q, want %q", r.file, d.Title, r.title)
		}
		if got := d.Published.Format("2006-01-02"); !d.Published.IsZero() && got == r.date {
			dates++
		} else {
			t.Logf("%s: date %s, want %s", r.file, got, r.date)
		}
	}
	t.Logf("titles %d/%d, dates %d/%d agree with MANIFEST.tsv", titles, len(rows), dates, len(rows))
	if titles*100 < len(rows)*95 {
		t.Errorf("only %d of %d titles agree with MANIFEST.tsv (want 95%%)", titles, len(rows))
	}
	if dates*100 < len(rows)*95 {
		t.Errorf("only %d of %d dates agree with MANIFEST.tsv (want 95%%)", dates, len(rows))
	}
}
