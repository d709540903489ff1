package search

import "testing"

// General news synonyms stand in for one another, below the word itself.
func TestSynonymsOfConsequences(t *testing.T) {
	ix := NewIndex()
	texts := []string{
		"The ruling has wide implications for Harbor exporters, lawyers said.",
		"Harbor exporters face consequences from the ruling, an adviser warned.",
		"The ferry timetable changes in spring.",
	}
	for i, text := range texts {
		ix.Add(uint32(i+1), uint32(i+1), Analyze(text))
	}
	hits := ix.Search(ParseQuery("what are the consequences for Harbor exporters?"), Options{K: 5})
	if len(hits) != 2 || hits[0].ID != 2 || hits[1].ID != 1 {
		t.Errorf("hits = %+v, want the passage saying consequences, then the one saying implications", hits)
	}
}
