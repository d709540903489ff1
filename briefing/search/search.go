// Package search ranks passages for a question: query analysis (question
// framing and stop words dropped, stemming, phrases kept together) and an
// in-memory BM25 inverted index that can be persisted and reopened quickly.
//
// Ranking is BM25 (k1 1.2, b 0.75) over the query's concepts: a term and, at
// a discount, its synonyms from a small table of general news vocabulary.
// Relevance is decided by idf-weighted coverage, not by score: each concept
// weighs its idf (a term absent from the corpus weighs the most), and a
// passage is relevant when it covers at least half of the query's weight
// (a concept its article has elsewhere counts half) and misses fewer than
// half of the significant concepts. So a passage that matches only "world"
// of "FIFA World Cup" is not relevant, a two-word query needs both words
// unless one is common, and a question about something the corpus lacks
// gets no hits rather than the least bad ones. Relevant passages score
// BM25 × coverage, damped when very short (headings); the best are reranked
// on their text when it is at hand (query phrases with adjacent words, a
// stated amount for "how much" questions) and spread over articles.
package search

import (
	"math"
	"math/bits"
	"regexp"
	"slices"
)

// Ranking parameters.
const (
	k1 = 1.2  // BM25 term-frequency saturation
	bm = 0.75 // BM25 length normalisation

	// minCoverage is the share of the query's idf weight a passage must
	// match to be relevant at all.
	minCoverage = 0.5
	// synonymWeight discounts a match through a synonym, in score and in
	// coverage.
	synonymWeight = 0.6
	// shortPrior damps very short passages (headings, captions): a passage
	// of n terms is scaled by n/(n+shortPrior).
	shortPrior = 4
	// phraseBoost scales a passage in which every query phrase appears
	// with its words adjacent by 1+phraseBoost; partly, proportionally.
	phraseBoost = 0.6
	// groupDecay discounts each further passage of an article already in
	// the results, so that other articles surface. Questions about what
	// sources said take one passage per article first (decay 0).
	groupDecay = 0.4
	// quantityBoost rewards a passage stating an amount when the question
	// asks for one.
	quantityBoost = 0.3
	// contextWeight credits a concept a passage lacks but its article has
	// elsewhere (the title names the wind farm, the passage its cost).
	contextWeight = 0.5
	// maxConcepts bounds the query terms used (the rarest are kept); it
	// fits half a uint32 mask.
	maxConcepts = 16
	// defaultK is used when Options.K is not positive.
	defaultK = 5
)

// Hit is one retrieved passage.
type Hit struct {
	ID    uint32
	Group uint32
	Score float64 // relevance, higher is better; comparable within one Search
}

// Options tune a Search.
type Options struct {
	K int // at most K hits; 5 when K <= 0
	// Text, when set, returns a passage's text so the top candidates can be
	// reranked on it (query phrases found with their words adjacent). It
	// must be safe to call from concurrent Searches.
	Text func(id uint32) (string, bool)
}

// concept is one query term with its synonyms, scored as one.
type concept struct {
	tids    []uint32
	weights []float64 // 1 for the term, synonymWeight for a synonym
	idf     []float64
	cover   float64 // the term's idf: its share of coverage
}

// scratch holds one Search's accumulators.
type scratch struct {
	acc      []acc    // by slot
	gmask    []uint32 // by group number: concepts matched in the group
	touched  []uint32 // slots with a non-zero mask
	gtouched []uint32 // groups with a non-zero gmask
}

// acc accumulates one passage's score and the concepts it matches.
type acc struct {
	score float32
	mask  uint32 // bit i: concept i matched; bit 16+i: matched by a synonym only
}

// Search returns at most K passages relevant to q, best first, and nothing
// when no passage is relevant (see the package comment). The order spreads
// results over groups: each further passage of a group already listed is
// discounted, and when q.AboutSources every group's best passage comes
// before any group's second.
func (ix *Index) Search(q Query, opt Options) []Hit {
	k := opt.K
	if k <= 0 {
		k = defaultK
	}
	if ix.live == 0 || len(q.Terms) == 0 {
		return nil
	}
	concepts, total := ix.concepts(q.Terms)
	if total == 0 {
		return nil
	}
	depth := 4*k + 20
	if opt.Text == nil {
		depth = 3*k + 10
	}
	cands := ix.candidates(concepts, total, depth)
	if len(cands) == 0 {
		return nil
	}
	if opt.Text != nil && (len(q.Phrases) > 0 || q.Quantity) {
		ix.rerank(cands, q, opt.Text)
	}
	return ix.spread(cands, k, q.AboutSources)
}

// concepts resolves the query terms against the dictionary. total is the
// summed coverage weight; a term absent from the corpus weighs the most.
func (ix *Index) concepts(terms []string) ([]concept, float64) {
	n := float64(ix.live)
	idf := func(df uint32) float64 {
		return math.Log(1 + (n-float64(df)+0.5)/(float64(df)+0.5))
	}
	inQuery := make(map[string]bool, len(terms))
	for _, t := range terms {
		inQuery[t] = true
	}
	var cs []concept
	for _, t := range terms {
		var c concept
		c.cover = idf(0)
		if tid, ok := ix.dict[t]; ok && ix.terms[tid].df > 0 {
			df := ix.terms[tid].df
			c.cover = idf(df)
			c.tids = append(c.tids, tid)
			c.weights = append(c.weights, 1)
			c.idf = append(c.idf, idf(df))
		}
		for _, s := range synonyms[t] {
			if inQuery[s] {
				continue
			}
			if tid, ok := ix.dict[s]; ok && ix.terms[tid].df > 0 {
				c.tids = append(c.tids, tid)
				c.weights = append(c.weights, synonymWeight)
				c.idf = append(c.idf, idf(ix.terms[tid].df))
			}
		}
		cs = append(cs, c)
	}
	if len(cs) > maxConcepts {
		slices.SortStableFunc(cs, func(a, b concept) int {
			switch {
			case a.cover > b.cover:
				return -1
			case a.cover < b.cover:
				return 1
			}
			return 0
		})
		cs = cs[:maxConcepts]
	}
	total := 0.0
	for _, c := range cs {
		total += c.cover
	}
	return cs, total
}

// candidate is a passage under consideration.
type candidate struct {
	slot  uint32
	score float64
}

// candidates scores every passage sharing a concept with the query
// (term at a time) and returns the best depth relevant ones, best first.
//
// A passage is relevant when (a) its coverage (the idf share of the query's
// concepts it matches, a synonym at a discount, a concept found only
// elsewhere in its article at contextWeight) is at least minCoverage, and
// (b) it misses fewer than half of the query's significant concepts (those
// with at least half an even share of the weight). (b) makes a two-word
// query need both words, unless one is common; (a) keeps a passage that
// matches only common words out.
func (ix *Index) candidates(concepts []concept, total float64, depth int) []candidate {
	sc := ix.getScratch()
	defer ix.putScratch(sc)
	avg := float64(ix.totalLen) / float64(ix.live)
	if avg == 0 {
		avg = 1
	}
	var norm [256]float32
	for c := range norm {
		norm[c] = float32(k1 * (1 - bm + bm*codeLen(uint8(c))/avg))
	}
	accs, codes := sc.acc, ix.codes
	touched := sc.touched[:0]
	// What each article matches, from its live passages.
	dead, gslot, gmask := ix.dead, ix.gslot, sc.gmask
	gtouched := sc.gtouched[:0]
	useCtx := len(concepts) > 1 // one concept: a match has it itself

	// Accumulate BM25 and the concepts matched, term at a time. A mask's
	// low half marks concepts matched by their own term, the high half
	// those matched only through a synonym.
	for ci, c := range concepts {
		bit := uint32(1) << ci
		either := bit | bit<<16
		for ti, tid := range c.tids {
			set := bit
			if c.weights[ti] != 1 {
				set = bit << 16
			}
			w := float32(c.weights[ti] * c.idf[ti] * (k1 + 1))
			b := ix.terms[tid].post
			var slot uint32
			for i, first := 0, true; i < len(b); first = false {
				// Inline uvarint decode: most postings are one byte.
				v := uint32(b[i])
				i++
				if v >= 0x80 {
					v &= 0x7f
					for shift := uint(7); i < len(b); shift += 7 {
						x := b[i]
						i++
						v |= uint32(x&0x7f) << shift
						if x < 0x80 {
							break
						}
					}
				}
				tf := float32(1)
				if v&1 != 0 {
					t := uint32(b[i])
					i++
					if t >= 0x80 {
						t &= 0x7f
						for shift := uint(7); i < len(b); shift += 7 {
							x := b[i]
							i++
							t |= uint32(x&0x7f) << shift
							if x < 0x80 {
								break
							}
						}
					}
					tf = float32(t)
				}
				if first {
					slot = v >> 1
				} else {
					slot += v >> 1
				}
				a := &accs[slot]
				m := a.mask
				if m&either != 0 {
					continue // a synonym of a concept already credited
				}
				if m == 0 {
					touched = append(touched, slot)
				}
				a.mask = m | set
				a.score += w * tf / (tf + norm[codes[slot]])
				if useCtx && dead[slot>>6]&(1<<(slot&63)) == 0 {
					g := gslot[slot]
					gm := gmask[g]
					if gm == 0 {
						gtouched = append(gtouched, g)
					}
					gmask[g] = gm | bit
				}
			}
		}
	}

	// Coverage sums over concept masks by table: lo[m&0xff] + hi[m>>8].
	var lo, hi [256]float64
	for x := range 256 {
		for ci, c := range concepts {
			if x&(1<<ci) != 0 {
				lo[x] += c.cover
			}
			if ci >= 8 && x&(1<<(ci-8)) != 0 {
				hi[x] += c.cover
			}
		}
	}
	sum := func(m uint32) float64 { return lo[m&0xff] + hi[(m>>8)&0xff] }
	var significant uint32
	for ci, c := range concepts {
		if c.cover*float64(2*len(concepts)) >= total {
			significant |= 1 << ci
		}
	}

	h := make(candHeap, 0, min(depth, 256))
	need := minCoverage*total - 1e-9
	half := float64(len(concepts)) / 2
	lens := ix.lens
	for _, s := range touched {
		a := accs[s]
		accs[s] = acc{}
		if dead[s>>6]&(1<<(s&63)) != 0 {
			continue
		}
		own := a.mask & 0xffff
		syn := a.mask >> 16
		ctx := gmask[gslot[s]] &^ (own | syn)
		cov := sum(own) + synonymWeight*sum(syn) + contextWeight*sum(ctx)
		missing := significant &^ (own | syn)
		miss := float64(bits.OnesCount32(missing)) - contextWeight*float64(bits.OnesCount32(missing&ctx))
		if cov < need || miss >= half {
			continue
		}
		l := float64(lens[s])
		h.offer(candidate{s, float64(a.score) * (cov / total) * l / (l + shortPrior)}, depth)
	}
	for _, g := range gtouched {
		gmask[g] = 0
	}
	sc.touched, sc.gtouched = touched[:0], gtouched[:0]
	out := []candidate(h)
	sortCandidates(out)
	return out
}

// getScratch takes an idle scratch or makes one. Idle scratches are kept
// (unlike in a sync.Pool) across garbage collections: allocating and
// faulting in a fresh one costs milliseconds on a large index.
func (ix *Index) getScratch() *scratch {
	var sc *scratch
	select {
	case sc = <-ix.idle:
	default:
		sc = &scratch{}
	}
	if n := len(ix.ids); len(sc.acc) < n {
		sc.acc = make([]acc, n+n/4)
	}
	if n := len(ix.gids); len(sc.gmask) < n {
		sc.gmask = make([]uint32, n+n/4)
	}
	return sc
}

func (ix *Index) putScratch(sc *scratch) {
	select {
	case ix.idle <- sc:
	default:
	}
}

// candHeap is a min-heap on score: the weakest kept candidate on top.
// Ties prefer the lower slot, so results are deterministic.
type candHeap []candidate

func worse(a, b candidate) bool {
	if a.score != b.score {
		return a.score < b.score
	}
	return a.slot > b.slot
}

// offer keeps c if it is among the best max seen so far.
func (h *candHeap) offer(c candidate, max int) {
	s := *h
	if len(s) < max {
		s = append(s, c)
		for i := len(s) - 1; i > 0; {
			p := (i - 1) / 2
			if !worse(s[i], s[p]) {
				break
			}
			s[i], s[p] = s[p], s[i]
			i = p
		}
		*h = s
		return
	}
	if !worse(s[0], c) {
		return
	}
	s[0] = c
	for i := 0; ; {
		l, r, m := 2*i+1, 2*i+2, i
		if l < len(s) && worse(s[l], s[m]) {
			m = l
		}
		if r < len(s) && worse(s[r], s[m]) {
			m = r
		}
		if m == i {
			break
		}
		s[i], s[m] = s[m], s[i]
		i = m
	}
}

func sortCandidates(cs []candidate) {
	slices.SortFunc(cs, func(a, b candidate) int {
		switch {
		case a.score > b.score:
			return -1
		case a.score < b.score:
			return 1
		case a.slot < b.slot:
			return -1
		case a.slot > b.slot:
			return 1
		}
		return 0
	})
}

// rerank boosts candidates by their text: query phrases found with their
// words adjacent (after stop words are dropped, as in the index), in
// proportion to the share of phrase word pairs found, and a stated amount
// when the question asks for one. It re-sorts cands.
func (ix *Index) rerank(cands []candidate, q Query, text func(uint32) (string, bool)) {
	type pair struct{ a, b string }
	want := make(map[pair]bool)
	for _, p := range q.Phrases {
		for i := 1; i < len(p); i++ {
			want[pair{p[i-1], p[i]}] = false
		}
	}
	var terms []string
	for ci := range cands {
		t, ok := text(ix.ids[cands[ci].slot])
		if !ok {
			continue
		}
		if len(want) > 0 {
			terms = appendTerms(terms[:0], t)
			for p := range want {
				want[p] = false
			}
			found := 0
			for i := 1; i < len(terms); i++ {
				p := pair{terms[i-1], terms[i]}
				if got, ok := want[p]; ok && !got {
					want[p] = true
					found++
				}
			}
			cands[ci].score *= 1 + phraseBoost*float64(found)/float64(len(want))
		}
		if q.Quantity && amountPattern.MatchString(t) {
			cands[ci].score *= 1 + quantityBoost
		}
	}
	sortCandidates(cands)
}

// amountPattern finds a stated amount: money, a percentage, a number with a
// scale word, or a number with thousands separators.
var amountPattern = regexp.MustCompile(`(?i)[$€£¥]\s?\d|\d\s?(%|percent\b|per cent\b|million\b|billion\b|trillion\b|thousand\b|bn\b)|\b\d{1,3}(,\d{3})+\b`)

// spread picks k of cands (sorted best first), discounting each further
// passage of an article already picked; when the question is about what
// sources said, every article's best passage comes before any second one.
func (ix *Index) spread(cands []candidate, k int, aboutSources bool) []Hit {
	decay := groupDecay
	if aboutSources {
		decay = 0
	}
	type ranked struct {
		candidate
		rank int // passages of the same group before it
		eff  float64
	}
	rs := make([]ranked, len(cands))
	perGroup := make(map[uint32]int)
	for i, c := range cands {
		g := ix.gids[ix.gslot[c.slot]]
		r := perGroup[g]
		perGroup[g] = r + 1
		rs[i] = ranked{c, r, c.score * math.Pow(decay, float64(r))}
	}
	slices.SortStableFunc(rs, func(a, b ranked) int {
		if aboutSources && a.rank != b.rank {
			return a.rank - b.rank
		}
		switch {
		case a.eff > b.eff:
			return -1
		case a.eff < b.eff:
			return 1
		}
		return 0
	})
	if len(rs) > k {
		rs = rs[:k]
	}
	hits := make([]Hit, len(rs))
	for i, r := range rs {
		hits[i] = Hit{ID: ix.ids[r.slot], Group: ix.gids[ix.gslot[r.slot]], Score: r.score}
	}
	return hits
}
