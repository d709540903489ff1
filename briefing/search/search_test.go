package search

import (
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
)

// fixture is an index over testdata/articles: one group per file (in name
// order), one passage per blank-line-separated paragraph.
type fixture struct {
	ix    *Index
	docs  []string          // group -> file name without extension
	texts map[uint32]string // passage id -> text
	terms map[uint32][]string
	group map[uint32]int // passage id -> group
}

func loadFixture(t testing.TB) *fixture {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "articles", "*.txt"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixture articles: %v", err)
	}
	slices.Sort(files)
	f := &fixture{ix: NewIndex(), texts: map[uint32]string{}, terms: map[uint32][]string{}, group: map[uint32]int{}}
	id := uint32(100)
	for g, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		f.docs = append(f.docs, strings.TrimSuffix(filepath.Base(file), ".txt"))
		for _, para := range strings.Split(string(b), "\n\n") {
			if para = strings.TrimSpace(para); para == "" {
				continue
			}
			id += 3 // ids need only increase
			f.texts[id] = para
			f.terms[id] = Analyze(para)
			f.group[id] = g
			f.ix.Add(id, uint32(g), f.terms[id])
		}
	}
	return f
}

func (f *fixture) text(id uint32) (string, bool) {
	s, ok := f.texts[id]
	return s, ok
}

func (f *fixture) docsOf(hits []Hit) []string {
	var out []string
	for _, h := range hits {
		out = append(out, f.docs[h.Group])
	}
	return out
}

func TestSearchFixtures(t *testing.T) {
	f := loadFixture(t)
	tests := []struct {
		q         string
		k         int
		wantDocs  []string // each among the hits
		wantFirst string   // the first hit's text contains this
		wantText  string   // some hit's text contains this
		wantEmpty bool
	}{
		{q: "what did sources say about export controls?", k: 5, wantDocs: []string{"chip-rules", "veltrix-results"}, wantFirst: "export controls"},
		{q: "how much will the wind farm cost?", k: 3, wantDocs: []string{"harbor-wind"}, wantText: "$1.2 billion"},
		{q: "restrictions on semiconductors", k: 5, wantDocs: []string{"chip-rules", "veltrix-results"}},
		{q: "what happened at the marathon?", k: 5, wantDocs: []string{"city-marathon"}},
		{q: "Veltrix quarterly profit zorblat", k: 5, wantDocs: []string{"veltrix-results"}, wantFirst: "quarterly profit"},
		{q: "who won the FIFA World Cup?", k: 5, wantEmpty: true},
		{q: "tell me about football", k: 5, wantEmpty: true},
		{q: "what did sources say?", k: 5, wantEmpty: true},
	}
	for _, tt := range tests {
		t.Run(tt.q, func(t *testing.T) {
			hits := f.ix.Search(ParseQuery(tt.q), Options{K: tt.k, Text: f.text})
			if tt.wantEmpty {
				if len(hits) != 0 {
					t.Fatalf("got %d hits (%v), want none", len(hits), f.docsOf(hits))
				}
				return
			}
			if len(hits) == 0 || len(hits) > tt.k {
				t.Fatalf("got %d hits, want 1..%d", len(hits), tt.k)
			}
			docs := f.docsOf(hits)
			for _, d := range tt.wantDocs {
				if !slices.Contains(docs, d) {
					t.Errorf("hits from %v, want %s among them", docs, d)
				}
			}
			if first := f.texts[hits[0].ID]; !strings.Contains(first, tt.wantFirst) {
				t.Errorf("first hit %q, want it to contain %q", first, tt.wantFirst)
			}
			found := false
			for _, h := range hits {
				if _, ok := f.texts[h.ID]; !ok || h.Score <= 0 {
					t.Errorf("hit %+v: unknown id or non-positive score", h)
				}
				found = found || strings.Contains(f.texts[h.ID], tt.wantText)
			}
			if !found {
				t.Errorf("no hit contains %q", tt.wantText)
			}
		})
	}
}

// smallIndex indexes texts as passages 1..n, with the given groups.
func smallIndex(texts []string, groups []uint32) (*Index, func(uint32) (string, bool)) {
	ix := NewIndex()
	for i, s := range texts {
		ix.Add(uint32(i+1), groups[i], Analyze(s))
	}
	return ix, func(id uint32) (string, bool) {
		if id == 0 || int(id) > len(texts) {
			return "", false
		}
		return texts[id-1], true
	}
}

func TestSearchRewardsPhrase(t *testing.T) {
	texts := []string{
		"The new export of grain rose while price controls stayed in place.",
		"The new export controls stayed in place while grain price rose.",
		"Harbor crews repaired the breakwater after the storm.",
		"Ferry timetables changed for the winter season.",
	}
	ix, text := smallIndex(texts, []uint32{1, 2, 3, 4})
	q := ParseQuery("export controls")
	plain := ix.Search(q, Options{K: 2})
	if len(plain) != 2 || plain[0].Score != plain[1].Score {
		t.Fatalf("without text: got %+v, want two equal scores (same terms)", plain)
	}
	hits := ix.Search(q, Options{K: 2, Text: text})
	if len(hits) != 2 || hits[0].ID != 2 || hits[0].Score <= hits[1].Score {
		t.Errorf("with text: got %+v, want passage 2 (adjacent phrase) strictly first", hits)
	}
}

func TestSearchPrefersAmountsForHowMuch(t *testing.T) {
	texts := []string{
		"The bridge repair cost the city dearly, officials said.",
		"The bridge repair cost $4 million, officials said.",
		"Ferry timetables changed for the winter season.",
	}
	ix, text := smallIndex(texts, []uint32{1, 2, 3})
	q := ParseQuery("how much did the bridge repair cost?")
	ratio := func(hits []Hit) float64 {
		s := map[uint32]float64{}
		for _, h := range hits {
			s[h.ID] = h.Score
		}
		return s[2] / s[1]
	}
	plain := ix.Search(q, Options{K: 2})
	hits := ix.Search(q, Options{K: 2, Text: text})
	if len(hits) != 2 || hits[0].ID != 2 {
		t.Errorf("with text: got %+v, want passage 2 (states the amount) first", hits)
	}
	if len(plain) != 2 || ratio(hits) <= ratio(plain)*1.1 {
		t.Errorf("the stated amount gained too little: %+v without text, %+v with", plain, hits)
	}
}

func TestSearchStemsAndSynonyms(t *testing.T) {
	texts := []string{
		"Regulators restricted shipments of semiconductors last spring.",
		"The ferry company restricted its timetable in winter.",
		"Bakers sold more bread than expected.",
	}
	ix, _ := smallIndex(texts, []uint32{1, 2, 3})
	for _, q := range []string{"chip controls", "restrictions on chips", "semiconductor restriction"} {
		hits := ix.Search(ParseQuery(q), Options{K: 3})
		if len(hits) != 1 || hits[0].ID != 1 {
			t.Errorf("%q: got %+v, want only passage 1", q, hits)
		}
	}
}

func TestSearchSpreadsOverArticles(t *testing.T) {
	texts := []string{
		"Harbor dredging resumed; dredging crews cleared the harbor channel.",
		"The harbor dredging contract covers dredging of the inner harbor.",
		"Dredging the harbor will take a year, the harbor board said.",
		"Harbor dredging costs rose as dredging barges sat idle in the harbor.",
		"The council also discussed harbor dredging among many other items on a long agenda about parks, roads, libraries and budgets.",
		"Residents asked about noise from harbor dredging at a meeting that mostly covered school buses, bridges, taxes and street lights.",
	}
	ix, text := smallIndex(texts, []uint32{7, 7, 7, 7, 8, 9})
	groupsOf := func(hits []Hit) []uint32 {
		var gs []uint32
		for _, h := range hits {
			gs = append(gs, h.Group)
		}
		return gs
	}
	about := ix.Search(ParseQuery("what did sources say about harbor dredging?"), Options{K: 3, Text: text})
	if gs := groupsOf(about); len(gs) != 3 || gs[0] != 7 || !slices.Contains(gs, 8) || !slices.Contains(gs, 9) {
		t.Errorf("about sources, k=3: groups %v, want 7 first then 8 and 9", gs)
	}
	plain := ix.Search(ParseQuery("harbor dredging"), Options{K: 5, Text: text})
	if gs := groupsOf(plain); len(gs) != 5 || !slices.Contains(gs, 8) || !slices.Contains(gs, 9) {
		t.Errorf("plain, k=5: groups %v, want 8 and 9 among five", gs)
	}
}

func TestSearchCutsOffIrrelevant(t *testing.T) {
	texts := []string{
		"The world watched as the world record fell in the final.",
		"Shipping around the world slowed this year.",
		"A new bakery opened near the world trade centre.",
		"Ferry timetables changed for the winter season.",
		"The cup final drew a record crowd to the stadium.",
	}
	ix, text := smallIndex(texts, []uint32{1, 2, 3, 4, 5})
	tests := []struct {
		q    string
		want int // hits
	}{
		{"who won the FIFA World Cup?", 0}, // only common words match, FIFA is absent
		{"what did sources say about the world?", 3},
		{"stadium crowd", 1},
		{"ferry timetable zorblat winter season", 1}, // one absent term, the rest strongly matched
		{"zorblat quuxing", 0},                       // nothing in the corpus
	}
	for _, tt := range tests {
		hits := ix.Search(ParseQuery(tt.q), Options{K: 5, Text: text})
		if len(hits) != tt.want {
			t.Errorf("%q: got %d hits %+v, want %d", tt.q, len(hits), hits, tt.want)
		}
	}
	if hits := NewIndex().Search(ParseQuery("world"), Options{}); hits != nil {
		t.Errorf("empty index: got %+v, want nil", hits)
	}
}

var statQuestions = []string{
	"what did sources say about export controls?",
	"how much will the wind farm cost?",
	"Veltrix profit",
	"runners record",
	"restrictions on semiconductors",
}

func searchAll(ix *Index, text func(uint32) (string, bool)) [][]Hit {
	var out [][]Hit
	for _, q := range statQuestions {
		out = append(out, ix.Search(ParseQuery(q), Options{K: 5, Text: text}))
	}
	return out
}

// TestRemoveKeepsStatisticsExact checks that an index with an article
// removed ranks exactly (same hits, same scores) like one built without it,
// before and after Compact.
func TestRemoveKeepsStatisticsExact(t *testing.T) {
	f := loadFixture(t)
	removed := slices.Index(f.docs, "harbor-wind")
	want := NewIndex()
	ids := slices.Sorted(maps.Keys(f.terms))
	for _, id := range ids {
		if g := f.group[id]; g != removed {
			want.Add(id, uint32(g), f.terms[id])
		}
	}
	n := f.ix.Len()
	for _, id := range ids {
		if f.group[id] == removed {
			f.ix.Remove(id, f.terms[id])
			f.ix.Remove(id, f.terms[id]) // twice: no effect
		}
	}
	f.ix.Remove(1, nil) // unknown: no effect
	if f.ix.Len() != want.Len() || f.ix.Len() >= n {
		t.Fatalf("Len after removal = %d, want %d (was %d)", f.ix.Len(), want.Len(), n)
	}
	wantHits := searchAll(want, f.text)
	if got := searchAll(f.ix, f.text); !reflect.DeepEqual(got, wantHits) {
		t.Errorf("after Remove:\n got %+v\nwant %+v", got, wantHits)
	}
	f.ix.Compact()
	if got := searchAll(f.ix, f.text); !reflect.DeepEqual(got, wantHits) {
		t.Errorf("after Compact:\n got %+v\nwant %+v", got, wantHits)
	}
	// Adding after Compact continues to work.
	more := "Veltrix profit forecasts were raised."
	f.texts[9999] = more
	f.ix.Add(9999, 42, Analyze(more))
	want.Add(9999, 42, Analyze(more))
	if got, w := searchAll(f.ix, f.text), searchAll(want, f.text); !reflect.DeepEqual(got, w) {
		t.Errorf("after Compact and Add:\n got %+v\nwant %+v", got, w)
	}
}

func TestAddPanicsOnNonIncreasingID(t *testing.T) {
	ix := NewIndex()
	ix.Add(5, 1, []string{"harbor"})
	defer func() {
		if recover() == nil {
			t.Error("Add(5) after Add(5) did not panic")
		}
	}()
	ix.Add(5, 1, []string{"ferry"})
}

// TestSearchConcurrent runs Searches in parallel (under -race) and checks
// each gets the sequential answer.
func TestSearchConcurrent(t *testing.T) {
	f := loadFixture(t)
	want := searchAll(f.ix, f.text)
	var wg sync.WaitGroup
	var mu sync.Mutex
	bad := 0
	for range 6 {
		wg.Go(func() {
			for range 20 {
				if got := searchAll(f.ix, f.text); !reflect.DeepEqual(got, want) {
					mu.Lock()
					bad++
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	if bad > 0 {
		t.Errorf("%d concurrent runs differed from the sequential results", bad)
	}
}

// TestRemoveCompactsItself removes enough passages to trigger the automatic
// Compact and checks the index then ranks exactly like a fresh one.
func TestRemoveCompactsItself(t *testing.T) {
	s := newSynth(t, 5)
	var sb strings.Builder
	texts := make([]string, 4000)
	for i := range texts {
		texts[i] = s.passage(&sb, 40)
	}
	text := func(id uint32) (string, bool) { return texts[id-1], true }
	ix, fresh := NewIndex(), NewIndex()
	for i, p := range texts {
		ix.Add(uint32(i+1), uint32(i/8), Analyze(p))
		if i%5 >= 2 { // keep 3 of 5
			fresh.Add(uint32(i+1), uint32(i/8), Analyze(p))
		}
	}
	for i, p := range texts {
		if i%5 < 2 {
			ix.Remove(uint32(i+1), Analyze(p))
		}
	}
	if len(ix.ids) == len(texts) {
		t.Fatalf("%d of %d passages removed and no compaction", len(texts)-ix.Len(), len(texts))
	}
	if ix.Len() != fresh.Len() {
		t.Fatalf("Len = %d, want %d", ix.Len(), fresh.Len())
	}
	answered := 0
	for _, q := range s.questions(30) {
		got := ix.Search(ParseQuery(q), Options{K: 5, Text: text})
		want := fresh.Search(ParseQuery(q), Options{K: 5, Text: text})
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%q:\n got %+v\nwant %+v", q, got, want)
		}
		if len(want) > 0 {
			answered++
		}
	}
	if answered < 10 {
		t.Errorf("only %d of 30 questions had hits; the comparison proves little", answered)
	}
}
