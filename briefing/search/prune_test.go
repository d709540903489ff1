package search

import (
	"bytes"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"testing"
)

// pruneQuestions returns questions of every shape for the pruning tests:
// those of the benchmarks, longer ones, and ones of common words only.
func pruneQuestions(t *testing.T) []string {
	qs := newSynth(t, 7).questions(200)
	qs = append(qs, newSynth(t, 11).questions(300)...)
	s := newSynth(t, 13)
	for i := range 150 {
		n := 2 + i%7
		var ws []string
		for range n {
			if i%3 == 0 {
				ws = append(ws, s.long[s.r.IntN(40)]) // common words only
			} else {
				ws = append(ws, s.word())
			}
		}
		qs = append(qs, strings.Join(ws, " "))
	}
	return qs
}

// comparePruned checks that candidatesPruned returns exactly what
// candidatesAll does (passages, scores and similarities to the bit) for
// every question, at several pool depths, with and without the question's
// vector. It returns how many comparisons were made.
func comparePruned(t *testing.T, ix *Index, qs []string) int {
	t.Helper()
	sc := ix.getScratch()
	defer ix.putScratch(sc)
	n := 0
	for _, q := range qs {
		concepts, total, missing := ix.concepts(ParseQuery(q))
		if total == 0 || missing {
			continue
		}
		qv := ix.queryVector(ParseQuery(q))
		for _, depth := range []int{1, 3, 25, 40, 200, 1000} {
			for _, v := range [][]float32{qv, nil} {
				want := ix.candidatesAll(sc, concepts, total, depth, v)
				got, ok := ix.candidatesPruned(sc, concepts, total, depth, v)
				if !ok {
					t.Fatalf("%q: pruning refused on a sound index", q)
				}
				if d := candDiff(got, want); d != "" {
					t.Fatalf("%q depth %d vector %v: %s", q, depth, v != nil, d)
				}
				n++
			}
		}
	}
	return n
}

func candDiff(got, want []candidate) string {
	for i := range min(len(got), len(want)) {
		g, w := got[i], want[i]
		if g.slot != w.slot || math.Float64bits(g.score) != math.Float64bits(w.score) || math.Float64bits(g.sim) != math.Float64bits(w.sim) {
			return fmt.Sprintf("candidate %d: got %+v, want %+v", i, g, w)
		}
	}
	if len(got) != len(want) {
		return fmt.Sprintf("got %d candidates, want %d", len(got), len(want))
	}
	return ""
}

func TestPrunedSameCandidates(t *testing.T) {
	ix := indexOf(t, 20_000)
	if n := comparePruned(t, ix, pruneQuestions(t)); n < 1000 {
		t.Fatalf("only %d comparisons", n)
	}
}

// TestPrunedAfterChanges compares pruned and full scoring on an index that
// changes between questions: articles removed, changed (removed and added
// again with new passages), added; then compacted.
func TestPrunedAfterChanges(t *testing.T) {
	c := genCorpus(t, 20_000)
	half := &benchCorpus{texts: c.texts[:12_000], groups: c.groups[:12_000]}
	ix := buildIndex(half)
	qs := pruneQuestions(t)[:300]
	comparePruned(t, ix, qs) // metadata built before the changes

	// Remove every 7th article and change every 11th (its passages come
	// back under new ids, as the library does).
	next := uint32(len(c.texts) + 1)
	for id := 1; id <= len(half.texts); {
		g := half.groups[id-1]
		end := id
		for end <= len(half.texts) && half.groups[end-1] == g {
			end++
		}
		if g%7 == 0 || g%11 == 0 {
			for j := id; j < end; j++ {
				ix.Remove(uint32(j), Analyze(c.texts[j-1]))
			}
		}
		if g%11 == 0 {
			for j := id; j < end; j++ {
				ix.Add(next, g, Analyze(c.texts[len(c.texts)-j]))
				next++
			}
		}
		id = end
	}
	comparePruned(t, ix, qs)

	// More articles: postings grow past the metadata built so far.
	for id := 12_001; id <= 16_000; id++ {
		ix.Add(next, c.groups[id-1]+1_000_000, Analyze(c.texts[id-1]))
		next++
	}
	comparePruned(t, ix, qs)

	ix.Compact()
	comparePruned(t, ix, qs)
}

// TestPruneRefusesSplitArticles checks that an index whose article has
// passages apart (another article's in between) is scored in full, and
// answers the same.
func TestPruneRefusesSplitArticles(t *testing.T) {
	c := genCorpus(t, 20_000)
	ix := buildIndex(c)
	q := newSynth(t, 7).questions(1)[0]
	before := ix.Search(ParseQuery(q), Options{K: 5})
	ix.Add(uint32(len(c.texts)+1), c.groups[0], Analyze(c.texts[0]))
	sc := ix.getScratch()
	concepts, total, _ := ix.concepts(ParseQuery(q))
	_, ok := ix.candidatesPruned(sc, concepts, total, 25, nil)
	ix.putScratch(sc)
	if ok {
		t.Fatal("pruning used with an article split in two")
	}
	if after := ix.Search(ParseQuery(q), Options{K: 5}); len(after) == 0 && len(before) > 0 {
		t.Fatalf("no answer after the split; before: %v", before)
	}
}

// TestPrunedConcurrent runs Searches at once on a fresh index (the pruning
// metadata built while they run) and checks each answers as it does alone;
// with -race it also checks the metadata cache is safely shared.
func TestPrunedConcurrent(t *testing.T) {
	c := genCorpus(t, 20_000)
	qs := newSynth(t, 7).questions(60)
	want := make([][]Hit, len(qs))
	alone := buildIndex(c)
	for i, q := range qs {
		want[i] = alone.Search(ParseQuery(q), Options{K: 5})
	}
	ix := buildIndex(c)
	errs := make(chan string, 4)
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for k := range qs {
				i := (k + w*15) % len(qs)
				if got := ix.Search(ParseQuery(qs[i]), Options{K: 5}); fmt.Sprint(got) != fmt.Sprint(want[i]) {
					errs <- fmt.Sprintf("%q: got %v, want %v", qs[i], got, want[i])
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

// TestSpansExtended checks that the article spans brought up to date from
// what changed (extendSpans) are those computed over the whole index, and
// that they are not extended once an article was split.
func TestSpansExtended(t *testing.T) {
	c := genCorpus(t, 2_000)
	ix := buildIndex(c)
	next := uint32(len(c.texts) + 1)
	add := func(group uint32, n int) {
		for range n {
			ix.Add(next, group, Analyze(c.texts[int(next)%len(c.texts)]))
			next++
		}
	}
	// remove removes the passage of slot s; spanOf is the first and last
	// slot of a group's passages (as added).
	remove := func(s int) { ix.Remove(ix.ids[s], nil) }
	spanOf := func(group uint32) (first, last int) {
		first = -1
		for s := range ix.ids {
			if ix.gids[ix.gslot[s]] == group {
				if first < 0 {
					first = s
				}
				last = s
			}
		}
		return first, last
	}
	steps := []struct {
		name       string
		change     func()
		extended   bool // extendSpans applies
		contiguous bool
	}{
		{"new articles", func() { add(1_000_001, 3); add(1_000_002, 1) }, true, true},
		{"the last article continued", func() { add(1_000_002, 2) }, true, true},
		{"a new article, one passage removed", func() {
			add(1_000_003, 3)
			ix.Remove(next-2, Analyze(c.texts[int(next-2)%len(c.texts)]))
		}, true, true},
		{"the last article's only passages removed, then more", func() {
			ix.Remove(next-1, Analyze(c.texts[int(next-1)%len(c.texts)]))
			ix.Remove(next-3, Analyze(c.texts[int(next-3)%len(c.texts)]))
			add(1_000_004, 2)
		}, true, true},
		{"first, middle and last passages of early articles removed", func() {
			for _, g := range []uint32{c.groups[0], c.groups[40], c.groups[400]} {
				first, last := spanOf(g)
				for _, s := range []int{first, (first + last) / 2, last} {
					remove(s)
				}
			}
		}, true, true},
		{"whole articles removed, one changed", func() {
			for _, g := range []uint32{c.groups[80], c.groups[90]} {
				first, last := spanOf(g)
				for s := last; s >= first; s-- { // in any order
					remove(s)
				}
			}
			first, last := spanOf(c.groups[100])
			for s := first; s <= last; s++ {
				remove(s)
			}
			add(c.groups[100], 2) // changed: back at the end
		}, true, true},
		{"the last article's last passage removed", func() { remove(len(ix.ids) - 1) }, true, true},
		{"the last article emptied, the one before continued", func() {
			remove(len(ix.ids) - 2)
			add(1_000_004, 1)
		}, true, true},
		{"an article of earlier ids continued", func() { add(1_000_001, 1) }, true, false},
		{"more after a split", func() { add(1_000_005, 2) }, false, false},
		{"a removal after a split", func() { remove(len(ix.ids) - 1) }, false, false},
	}
	ix.prepare(nil, nil)
	for _, st := range steps {
		pc := &ix.prune
		before := &pruneCache{checked: pc.checked, checkedSlots: pc.checkedSlots, checkedLive: pc.checkedLive,
			contiguous: pc.contiguous, span: pc.span, tail: pc.tail, deadAt: slices.Clone(pc.deadAt)}
		st.change()
		got := ix.extendSpans(before)
		if got != st.extended {
			t.Fatalf("%s: extended %v, want %v", st.name, got, st.extended)
		}
		span, tail, contiguous := ix.groupSpans()
		if contiguous != st.contiguous {
			t.Fatalf("%s: contiguous %v, want %v", st.name, contiguous, st.contiguous)
		}
		if got {
			if before.contiguous != contiguous {
				t.Fatalf("%s: extended: contiguous %v, whole scan %v", st.name, before.contiguous, contiguous)
			}
			if contiguous && (!slices.Equal(before.span, span) || before.tail != tail) {
				t.Fatalf("%s: extended spans differ from the whole scan's (tail %d, want %d)", st.name, before.tail, tail)
			}
		}
		ix.prepare(nil, nil)
		if pc.contiguous != contiguous || (contiguous && (!slices.Equal(pc.span, span) || pc.tail != tail)) {
			t.Fatalf("%s: prepared spans differ from the whole scan's", st.name)
		}
	}
}

// TestPrunedOverContinuations compares pruned and full scoring on an index
// opened over its written form, whose lists then grow by continuations
// (termInfo.more): passages added by a log record and by Add, some
// removed. Pruning must answer every question (comparePruned fails when it
// refuses), reading the terms with continuations through a joined copy.
func TestPrunedOverContinuations(t *testing.T) {
	c := genCorpus(t, 20_000)
	half := &benchCorpus{texts: c.texts[:12_000], groups: c.groups[:12_000]}
	var buf bytes.Buffer
	if _, err := buildIndex(half).WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	ix, err := OpenIndex(bytes.Clone(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	qs := pruneQuestions(t)[:300]
	comparePruned(t, ix, qs) // metadata over the mapped lists alone

	var rec LogRecord
	for id := 12_001; id <= 14_000; id++ {
		rec.Ops = append(rec.Ops, LogOp{ID: uint32(id), Group: c.groups[id-1], Terms: Analyze(c.texts[id-1])})
	}
	rec.Seq = 1
	if err := ix.Apply(rec); err != nil {
		t.Fatal(err)
	}
	more := 0
	for i := range ix.terms {
		if len(ix.terms[i].more) > 0 {
			more++
		}
	}
	if more < 100 {
		t.Fatalf("only %d terms with a continuation", more)
	}
	comparePruned(t, ix, qs) // continuations joined to metadata built before

	// Remove every 7th article of the base; add more (continuations grow
	// past the joined copies).
	rec = LogRecord{Seq: 2}
	for id := 1; id <= 12_000; id++ {
		if c.groups[id-1]%7 == 0 {
			rec.Ops = append(rec.Ops, LogOp{Remove: true, ID: uint32(id), Terms: Analyze(c.texts[id-1])})
		}
	}
	if err := ix.Apply(rec); err != nil {
		t.Fatal(err)
	}
	for id := 14_001; id <= 16_000; id++ {
		ix.Add(uint32(id), c.groups[id-1], Analyze(c.texts[id-1]))
	}
	comparePruned(t, ix, qs)

	ix.prune.reset()
	comparePruned(t, ix, qs) // joined copies built afresh

	joined := 0
	for tid, m := range ix.prune.terms {
		if m.joined == nil {
			continue
		}
		joined++
		tm := &ix.terms[tid]
		if want := append(slices.Clone(tm.post), tm.more...); !bytes.Equal(m.postings(tm), want) {
			t.Fatalf("term %d: joined postings differ from post and more", tid)
		}
	}
	if joined < 50 {
		t.Fatalf("only %d terms pruned through a joined copy", joined)
	}
}
