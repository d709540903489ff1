package search

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

// TestSameAnswers pins the answers (passages and scores) to a fixed question
// set over a fixed synthetic corpus, built in memory and reopened from its
// persisted form, against a golden file written before the index format
// last changed: a format or scoring-internals change must not change them.
// The 20k-passage corpus runs always; BRIEFBOT_BIG_BENCH=1 adds 100k.
// Regenerate (only for an intended ranking change) with -update.
func TestSameAnswers(t *testing.T) {
	sizes := []int{20_000}
	if os.Getenv("BRIEFBOT_BIG_BENCH") == "1" {
		sizes = append(sizes, 100_000)
	}
	for _, n := range sizes {
		t.Run(sizeName(n), func(t *testing.T) {
			c := corpusOf(t, n)
			ix := indexOf(t, n)
			qs := newSynth(t, 7).questions(200)
			golden := filepath.Join("testdata", fmt.Sprintf("answers-%s.golden", sizeName(n)[len("passages="):]))
			got := answers(ix, c, qs)
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("built index: answers differ from %s:\n%s", golden, firstDiff(got, string(want)))
			}
			var buf bytes.Buffer
			if _, err := ix.WriteTo(&buf); err != nil {
				t.Fatal(err)
			}
			persisted := bytes.Clone(buf.Bytes())
			re, err := ReadIndex(&buf)
			if err != nil {
				t.Fatal(err)
			}
			if got := answers(re, c, qs); got != string(want) {
				t.Errorf("reopened index: answers differ from %s:\n%s", golden, firstDiff(got, string(want)))
			}
			path := filepath.Join(t.TempDir(), "index")
			if err := os.WriteFile(path, persisted, 0o644); err != nil {
				t.Fatal(err)
			}
			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			mapped, err := OpenIndexFile(f, 0)
			f.Close()
			if err != nil {
				t.Fatal(err)
			}
			if got := answers(mapped, c, qs); got != string(want) {
				t.Errorf("mapped index: answers differ from %s:\n%s", golden, firstDiff(got, string(want)))
			}
		})
	}
}

// answers renders the hits of every question, one line each.
func answers(ix *Index, c *benchCorpus, qs []string) string {
	text := func(id uint32) (string, bool) {
		if id == 0 || int(id) > len(c.texts) {
			return "", false
		}
		return c.texts[id-1], true
	}
	var sb strings.Builder
	for _, q := range qs {
		fmt.Fprintf(&sb, "%s:", q)
		for _, h := range ix.Search(ParseQuery(q), Options{K: 5, Text: text}) {
			fmt.Fprintf(&sb, " %d/%d@%.5f", h.ID, h.Group, h.Score)
		}
		sb.WriteByte('\n')
	}
	return sb.String()
}

func firstDiff(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := range min(len(g), len(w)) {
		if g[i] != w[i] {
			return fmt.Sprintf("line %d:\n got %s\nwant %s", i+1, g[i], w[i])
		}
	}
	return fmt.Sprintf("got %d lines, want %d", len(g), len(w))
}
