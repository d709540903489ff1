package search

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// sharedDir is ../shared beside the repository root: the shared corpora,
// which the tests that need them skip when absent.
const sharedDir = "../../../shared"

// TestSharedCorpusQuestions runs the retrieval checks of ../shared/eval over
// the real articles in ../shared/corpus, paragraphs as passages: each
// must_docs article appears in the top k, and expect_empty questions get
// nothing.
func TestSharedCorpusQuestions(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(sharedDir, "corpus", "*.txt"))
	raw, err := os.ReadFile(filepath.Join(sharedDir, "eval", "questions.json"))
	if len(files) == 0 || err != nil {
		t.Skip("no ../shared corpus and eval questions beside the repository")
	}
	var eval struct {
		K         int
		Questions []struct {
			Q           string
			MustDocs    []string `json:"must_docs"`
			ExpectEmpty bool     `json:"expect_empty"`
		}
	}
	if err := json.Unmarshal(raw, &eval); err != nil {
		t.Fatal(err)
	}
	slices.Sort(files)
	ix := NewIndex()
	var docs []string
	texts := map[uint32]string{}
	var id uint32
	for g, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		docs = append(docs, strings.TrimSuffix(filepath.Base(f), ".txt"))
		for _, para := range strings.Split(string(b), "\n") {
			if para = strings.TrimSpace(para); para == "" {
				continue
			}
			id++
			texts[id] = para
			ix.Add(id, uint32(g), Analyze(para))
		}
	}
	text := func(id uint32) (string, bool) { s, ok := texts[id]; return s, ok }
	for _, q := range eval.Questions {
		t.Run(q.Q, func(t *testing.T) {
			hits := ix.Search(ParseQuery(q.Q), Options{K: eval.K, Text: text})
			got := map[string]bool{}
			for _, h := range hits {
				got[docs[h.Group]] = true
				t.Logf("%s %.3f %.100s", docs[h.Group], h.Score, texts[h.ID])
			}
			if q.ExpectEmpty && len(hits) > 0 {
				t.Errorf("got %d hits, want none", len(hits))
			}
			for _, d := range q.MustDocs {
				if !got[d] {
					t.Errorf("top %d lack %s", eval.K, d)
				}
			}
		})
	}
}
