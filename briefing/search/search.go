// Package search ranks passages for a question: query analysis (question
// framing and stop words dropped, stemming, accents folded, phrases and
// names kept together) and an in-memory BM25 inverted index that can be
// persisted and reopened quickly.
//
// Ranking is BM25 (k1 1.2, b 0.75) over the query's concepts: a term and, at
// a discount, what may stand in for it: its form joined with the next word
// or split in two ("Hugging Face", "HuggingFace"), for a name a spelling one
// letter off, a small table of news synonyms, and from the offline Lexicon
// (WordNet and GloVe, embedded) its synonyms, irregular forms and same-root
// neighbours, never an antonym. Relevance is decided by idf-weighted
// coverage, not by score: each concept weighs its idf (a term absent from
// the corpus weighs the most, unless it is a common word that the articles
// evidently word otherwise), and a passage is relevant when it covers at
// least half of the query's weight (a concept its article has elsewhere
// counts half), or 0.3 of it when its vector is close to the question's;
// a short question's passage must also miss fewer than half of its
// significant concepts. A name the question is about that the corpus lacks
// ("Nokia", "Super Bowl") means nothing is relevant. So a passage that
// matches only "world" of "FIFA World Cup" is not relevant, and a question
// about something the corpus lacks gets no hits rather than the least bad
// ones. Relevant passages score BM25 × coverage, damped when very short
// (headings), fused with the cosine of the passage's and the question's
// vectors (rarity-weighted means of word vectors); the best are reranked on
// their text when it is at hand (query phrases with adjacent words, a
// stated amount for "how much" questions), cut below a relevance floor and
// spread over articles.
package search

import (
	"math"
	"math/bits"
	"regexp"
	"slices"
	"strings"
	"time"
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
	// absentWeight scales the coverage weight of a common word that
	// neither the corpus nor any expansion of it has: the articles say it
	// otherwise, so it should not veto what the rest of the question finds.
	absentWeight = 0.35
	// rareRank: an absent word keeps absentWeight plus its frequency rank
	// over rareRank of its weight, all of it from rank 6500 or so.
	rareRank = 10000
	// commonRank: a capitalised word among the lexicon's commonRank most
	// frequent stems ("British", "Senate") is not taken for a name.
	commonRank = 2000
	// Expansion weights: a split name found through its rarer half, a name
	// one letter off, a vector neighbour sharing the term's root. WordNet
	// synonyms need minWordNetSim vector similarity to count.
	splitWeight   = 0.9
	fuzzyWeight   = 0.8
	rootWeight    = 0.8
	minWordNetSim = 0.3
	// minWordNetSimPresent is the similarity a WordNet synonym needs when
	// the term itself is in the corpus: only close synonyms then.
	minWordNetSimPresent = 0.55
	// minWeakCoverage is the coverage a passage needs when its vector is
	// close to the question's (cosine at least vectorRelevant): a
	// paraphrase shares fewer words with the question but is about it.
	minWeakCoverage = 0.3
	vectorRelevant  = 0.6
	// vectorWeight is the share of the vector signal in the fused score
	// (the lexical score, normalised by the best, takes the rest).
	vectorWeight = 0.3
	// relevanceFloor: a passage scoring below this share of the best
	// passage's score is not returned, even to fill the K slots.
	relevanceFloor = 0.3
	// maxShort is the most concepts of a question whose passages must not
	// miss half of its significant concepts.
	maxShort = 3
	// timeBoost favours passages of articles dated in the month or year a
	// question names; latestBoost the newest articles when it asks for the
	// latest.
	timeBoost   = 0.3
	latestBoost = 0.5
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
	// Dates, when set, returns the publication dates (first-seen when
	// unknown) of groups, so that a question's time (Query.When) can
	// restrict or order its passages (a nil map: they are unavailable,
	// and the time is ignored); Now is the time relative windows
	// count back from (time.Now when zero). Dates must be safe to call from
	// concurrent Searches.
	Dates func(groups []uint32) map[uint32]time.Time
	Now   time.Time
}

// concept is one query term with its synonyms, scored as one.
type concept struct {
	tids    []uint32
	weights []float64 // 1 for the term, synonymWeight for a synonym
	idf     []float64
	cover   float64 // the term's idf: its share of coverage
	absent  bool    // nothing in the corpus matches the term or an expansion
}

// scratch holds one Search's accumulators.
type scratch struct {
	acc      []acc    // by slot
	gmask    []uint32 // by group number: concepts matched in the group
	touched  []uint32 // slots with a non-zero mask
	gtouched []uint32 // groups with a non-zero gmask
	prune    pruneScratch
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
	concepts, total, missing := ix.concepts(q)
	if total == 0 || missing {
		return nil
	}
	depth := 4*k + 20
	if opt.Text == nil {
		depth = 3*k + 10
	}
	qv := ix.queryVector(q)
	cands := ix.candidates(concepts, total, depth, qv)
	if len(cands) == 0 {
		return nil
	}
	if qv != nil {
		for i := range cands {
			if cands[i].sim == unknownSim {
				cands[i].sim = ix.similarity(qv, cands[i].slot)
			}
		}
		fuse(cands)
	}
	if opt.Text != nil && (len(q.Phrases) > 0 || q.Quantity) {
		ix.rerank(cands, q, opt.Text)
	}
	if !q.When.Zero() && opt.Dates != nil {
		now := opt.Now
		if now.IsZero() {
			now = time.Now()
		}
		cands = ix.inTime(cands, q.When, now, opt.Dates)
	}
	return ix.spread(cands, k, q.AboutSources)
}

// inTime applies the question's time to cands: a relative window ("this
// week") keeps only passages of articles dated inside it; an absolute month
// or year favours them by timeBoost; "latest" favours newer articles, up to
// latestBoost for the newest. It re-sorts what it keeps.
func (ix *Index) inTime(cands []candidate, w When, now time.Time, dates func([]uint32) map[uint32]time.Time) []candidate {
	var groups []uint32
	for _, c := range cands {
		g := ix.gids[ix.gslot[c.slot]]
		if !slices.Contains(groups, g) {
			groups = append(groups, g)
		}
	}
	ds := dates(groups)
	if ds == nil {
		return cands // dates unavailable: answer without the time
	}
	date := func(c candidate) time.Time { return ds[ix.gids[ix.gslot[c.slot]]] }
	if from, to, ok := w.Window(now); ok {
		kept := cands[:0]
		for _, c := range cands {
			d := date(c)
			in := !d.IsZero() && !d.Before(from) && d.Before(to)
			switch {
			case w.Relative() && !in:
				continue
			case in:
				c.score *= 1 + timeBoost
			}
			kept = append(kept, c)
		}
		cands = kept
	}
	if w.Latest && len(cands) > 1 {
		order := slices.Clone(groups)
		slices.SortStableFunc(order, func(a, b uint32) int { return ds[b].Compare(ds[a]) })
		rank := make(map[uint32]int, len(order))
		for i, g := range order {
			rank[g] = i
		}
		for i := range cands {
			r := rank[ix.gids[ix.gslot[cands[i].slot]]]
			cands[i].score *= 1 + latestBoost*(1-float64(r)/float64(len(order)))
		}
	}
	sortCandidates(cands)
	return cands
}

// concepts resolves the query terms against the dictionary, each with its
// expansions (see expansions). total is the summed coverage weight: a term
// the corpus lacks weighs the most, unless it is a common English word with
// nothing in the corpus standing in for it (a paraphrase the articles word
// otherwise), which weighs absentWeight of that. missing reports that a
// name the question is about (a run of capitalised words, one of them not a
// common word) is nowhere in the corpus, spelled exactly, joined, split or
// off by one letter: then nothing is about the question.
func (ix *Index) concepts(q Query) (cs []concept, total float64, missing bool) {
	n := float64(ix.live)
	idf := func(df uint32) float64 {
		return math.Log(1 + (n-float64(df)+0.5)/(float64(df)+0.5))
	}
	inQuery := make(map[string]bool, len(q.Terms))
	for _, t := range q.Terms {
		inQuery[t] = true
	}
	name := make(map[string]bool)   // written with a capital
	inName := make(map[string]bool) // part of a name of several words
	for _, g := range q.Names {
		for _, t := range g {
			name[t] = true
			inName[t] = len(g) > 1
		}
	}
	found := make(map[string]bool, len(q.Terms))
	for _, t := range q.Terms {
		var c concept
		c.cover = idf(0)
		if tid, ok := ix.present(t); ok {
			df := ix.terms[tid].df
			c.cover = idf(df)
			c.tids = append(c.tids, tid)
			c.weights = append(c.weights, 1)
			c.idf = append(c.idf, idf(df))
		}
		for _, e := range ix.expansions(t, q, name[t], inName[t], len(c.tids) > 0) {
			if inQuery[e.stem] || slices.Contains(c.tids, e.tid) {
				continue
			}
			c.tids = append(c.tids, e.tid)
			c.weights = append(c.weights, e.weight)
			c.idf = append(c.idf, idf(ix.terms[e.tid].df))
		}
		if len(c.tids) > 0 && c.weights[0] != 1 {
			// Only stand-ins: the concept weighs what the best of them does.
			best := 0.0
			for _, x := range c.idf {
				best = max(best, x)
			}
			c.cover = best
		}
		if len(c.tids) > 0 {
			found[t] = true
		} else {
			c.absent = true
			if !ix.nameLike(t, name[t]) {
				c.cover *= ix.absentWeight(t)
			}
		}
		cs = append(cs, c)
	}
	for _, g := range q.Names {
		core, seen, whole := false, false, true
		for _, t := range g {
			like := ix.nameLike(t, true)
			core = core || like
			seen = seen || (like && found[t])
			whole = whole && found[t]
		}
		// "Nokia" absent; "Super Bowl" with only "super" found. "Yann
		// LeCunn" with "Yann" found is a name spelled otherwise.
		if !whole && !seen && (core || len(g) > 1) {
			missing = true
		}
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
	for _, c := range cs {
		total += c.cover
	}
	return cs, total, missing
}

// absentWeight is the share of its full weight that a word absent from the
// corpus keeps: from absentWeight for common English words up to all of it
// for rare ones ("malaria" is what a question is about; "kids" is likely
// worded otherwise in the articles).
func (ix *Index) absentWeight(t string) float64 {
	r, ok := ix.lex.Rank(t)
	if !ok {
		return 1
	}
	return min(1, absentWeight+float64(r)/rareRank)
}

// present returns the term number of t when a live passage has it.
func (ix *Index) present(t string) (uint32, bool) {
	tid, ok := ix.dict.lookup(t)
	return tid, ok && ix.terms[tid].df > 0
}

// nameLike reports whether t, written with a capital in the question, is a
// name rather than a common word ("British", "Senate"): the lexicon does
// not know it or ranks it below the commonest commonRank stems.
func (ix *Index) nameLike(t string, capital bool) bool {
	if !capital {
		return false
	}
	r, ok := ix.lex.Rank(t)
	return !ok || r >= commonRank
}

// expansion is a term that may stand in for a query term, at weight.
type expansion struct {
	stem   string
	tid    uint32
	weight float64
}

// expansions returns the terms present in the corpus that may stand in for
// query term t, each at most once:
//   - the joined form of t and its neighbour in the question ("Hugging
//     Face" finds "HuggingFace"), at full weight;
//   - when t is absent, its split into two present terms ("LeCun" finds
//     "Le Cun", through the rarer half) and, for a name, a present term one
//     letter away ("Mulally" finds "Mullaly");
//   - the small table of news synonyms, at synonymWeight;
//   - unless t is a name or part of one, the lexicon's WordNet synonyms (at synonymWeight
//     scaled by their vector similarity) and its close vector neighbours
//     that share t's root ("cheaper" for "cheap"), never an antonym. Other
//     vector neighbours (co-hyponyms such as "Ericsson" for "Nokia") are
//     left to the vector signal.
func (ix *Index) expansions(t string, q Query, isName, inName, have bool) []expansion {
	var out []expansion
	add := func(s string, w float64) {
		if s == t {
			return
		}
		tid, ok := ix.present(s)
		if !ok {
			return
		}
		for i := range out {
			if out[i].tid == tid {
				out[i].weight = max(out[i].weight, w)
				return
			}
		}
		out = append(out, expansion{s, tid, w})
	}
	for _, j := range q.Joins {
		if j.A == t || j.B == t {
			add(j.Joined, 1)
		}
	}
	if !have && len(out) == 0 {
		if s, ok := ix.split(t); ok {
			add(s, splitWeight)
		} else if ix.nameLike(t, isName) || inName {
			if s, ok := ix.oneOff(t); ok {
				add(s, fuzzyWeight)
			}
		}
	}
	for _, s := range synonyms[t] {
		add(s, synonymWeight)
	}
	if ix.nameLike(t, isName) || inName {
		return out // names are not paraphrased
	}
	minSim := minWordNetSim
	if have {
		minSim = minWordNetSimPresent
	}
	// A phrasal verb's synonyms stand in for it ("turn down": reject), and
	// the verb's own synonyms ("turn": become) are not what it means.
	phrasal := false
	for _, p := range q.Phrasals {
		if p.Term != t {
			continue
		}
		for _, e := range ix.phrasalExpansions(t, p.Particle) {
			if e.WordNet && e.Sim >= minSim {
				add(e.Stem, synonymWeight*(0.6+0.4*e.Sim))
				phrasal = true
			}
		}
	}
	for _, e := range ix.lex.Expansions(t) {
		switch {
		case e.Inflection:
			add(e.Stem, rootWeight)
		case e.WordNet && e.Sim >= minSim && !phrasal:
			w := synonymWeight * (0.6 + 0.4*e.Sim)
			add(e.Stem, w)
			for _, f := range ix.lex.Expansions(e.Stem) {
				if f.Inflection { // kid: child, and so children
					add(f.Stem, w)
				}
			}
		case !e.WordNet && sameRoot(t, e.Stem):
			add(e.Stem, rootWeight)
		}
	}
	return out
}

// phrasalExpansions returns the lexicon's expansions of the phrasal verb of
// verb stem t and particle, under t's own stem or, for an irregular form,
// its base form's ("laid off": lay off).
func (ix *Index) phrasalExpansions(t, particle string) []Expansion {
	if exps := ix.lex.Expansions(t + " " + particle); len(exps) > 0 {
		return exps
	}
	for _, e := range ix.lex.Expansions(t) {
		if e.Inflection {
			if exps := ix.lex.Expansions(e.Stem + " " + particle); len(exps) > 0 {
				return exps
			}
		}
	}
	return nil
}

// sameRoot reports whether two stems share a root: the shorter (at least
// three letters) starts the longer, or they share their first four letters
// and differ by at most three.
func sameRoot(a, b string) bool {
	if len(a) > len(b) {
		a, b = b, a
	}
	if strings.HasPrefix(b, a) && (len(a) >= 3 || len(b)-len(a) == 1) {
		return true // "cheap", "cheaper"; "su" (sued), "sue" (sues)
	}
	p := 0
	for p < len(a) && a[p] == b[p] {
		p++
	}
	return p >= 4 && len(b)-p <= 3
}

// split finds t (absent from the corpus) as two present terms written
// apart, and returns the rarer of the two.
func (ix *Index) split(t string) (string, bool) {
	if len(t) < 5 {
		return "", false
	}
	best, bestDF := "", uint32(0)
	for i := 2; i <= len(t)-2; i++ {
		a, b := t[:i], t[i:]
		ta, oka := ix.present(a)
		tb, okb := ix.present(b)
		if !oka || !okb {
			continue
		}
		s, df := a, ix.terms[ta].df
		if d := ix.terms[tb].df; d < df {
			s, df = b, d
		}
		if best == "" || df < bestDF {
			best, bestDF = s, df
		}
	}
	return best, best != ""
}

// oneOff returns the most frequent present term one edit (insertion,
// deletion, substitution or swap of neighbours) from t, a name of at least
// five letters, with the same first letter.
func (ix *Index) oneOff(t string) (string, bool) {
	if len(t) < 5 {
		return "", false
	}
	best, bestDF := "", uint32(0)
	ix.dict.each(func(s string, tid uint32) {
		if len(s) < len(t)-1 || len(s) > len(t)+1 || s[0] != t[0] {
			return
		}
		if df := ix.terms[tid].df; df > bestDF && oneEdit(t, s) {
			best, bestDF = s, df
		}
	})
	return strings.Clone(best), best != ""
}

// oneEdit reports whether a and b differ by exactly one edit.
func oneEdit(a, b string) bool {
	if a == b {
		return false
	}
	if len(a) > len(b) {
		a, b = b, a
	}
	i := 0
	for i < len(a) && a[i] == b[i] {
		i++
	}
	switch len(b) - len(a) {
	case 0:
		if a[i+1:] == b[i+1:] {
			return true
		}
		return i+1 < len(a) && a[i] == b[i+1] && a[i+1] == b[i] && a[i+2:] == b[i+2:]
	case 1:
		return a[i:] == b[i+1:]
	}
	return false
}

// candidate is a passage under consideration.
type candidate struct {
	slot  uint32
	score float64
	sim   float64 // cosine of the query's and the passage's vectors, or unknownSim
}

// unknownSim marks a candidate whose vector similarity is not computed.
const unknownSim = -2.0

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
func (ix *Index) candidates(concepts []concept, total float64, depth int, qv []float32) []candidate {
	sc := ix.getScratch()
	defer ix.putScratch(sc)
	if len(ix.ids) >= pruneMin {
		if cands, ok := ix.candidatesPruned(sc, concepts, total, depth, qv); ok {
			return cands
		}
	}
	return ix.candidatesAll(sc, concepts, total, depth, qv)
}

// candidatesAll is candidates scoring every posting of every query term.
func (ix *Index) candidatesAll(sc *scratch, concepts []concept, total float64, depth int, qv []float32) []candidate {
	sc.size(ix)
	avg := float64(ix.totalLen) / float64(ix.live)
	if avg == 0 {
		avg = 1
	}
	var norm [256]float32
	for c := range norm {
		norm[c] = float32(k1 * (1 - bm + bm*codeLen(uint8(c))/avg))
	}
	accs, codes := sc.acc, ix.codes
	nslots := uint32(len(ix.ids))
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
			b, more := ix.terms[tid].post, ix.terms[tid].more // see termInfo.more
			var slot uint32
			for i, first := 0, true; i < len(b) || len(more) > 0; first = false {
				if i == len(b) {
					b, more, i = more, nil, 0
				}
				// Most postings are one byte: decoded here (see nextPosting).
				var gap, n uint32
				if x := b[i]; x&0x81 == 0 {
					gap, n, i = uint32(x>>1), 1, i+1
				} else {
					gap, n, i = nextPosting(b, i)
				}
				tf := float32(n)
				if first {
					slot = gap
				} else {
					slot += gap
				}
				if slot >= nslots {
					break // only in a damaged index
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
		if !c.absent && c.cover*float64(2*len(concepts)) >= total {
			significant |= 1 << ci
		}
	}

	h := make(candHeap, 0, min(depth, 256))
	need := minCoverage*total - 1e-9
	weakNeed := minWeakCoverage*total - 1e-9
	half := float64(len(concepts)) / 2
	// A long question is rarely worded like its answer: coverage alone
	// decides; a short one must match most of its significant words.
	short := len(concepts) <= maxShort
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
		if (short && miss >= half) || cov < weakNeed {
			continue
		}
		sim := float64(unknownSim) // computed for the few kept, by Search
		if cov < need {
			if qv == nil {
				continue
			}
			if sim = ix.similarity(qv, s); sim < vectorRelevant {
				continue
			}
		}
		l := float64(lens[s])
		h.offer(candidate{s, float64(a.score) * (cov / total) * l / (l + shortPrior), sim}, depth)
	}
	for _, g := range gtouched {
		gmask[g] = 0
	}
	sc.touched, sc.gtouched = touched[:0], gtouched[:0]
	out := []candidate(h)
	sortCandidates(out)
	return out
}

// getScratch takes an idle scratch, waiting while every one is in use
// (see maxScratch). Scratches are kept (unlike in a sync.Pool) across
// garbage collections: allocating and faulting in a fresh one costs
// milliseconds on a large index.
func (ix *Index) getScratch() *scratch {
	return <-ix.idle
}

// size makes sc's accumulators fit the index (candidatesAll's; pruning
// does without them).
func (sc *scratch) size(ix *Index) {
	if n := len(ix.ids); len(sc.acc) < n {
		sc.acc = make([]acc, n+n/4)
	}
	if n := len(ix.gids); len(sc.gmask) < n {
		sc.gmask = make([]uint32, n+n/4)
	}
}

func (ix *Index) putScratch(sc *scratch) {
	ix.idle <- sc
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
	hits := make([]Hit, len(cands))
	for i, c := range cands {
		hits[i] = Hit{ID: ix.ids[c.slot], Group: ix.gids[ix.gslot[c.slot]], Score: c.score}
	}
	return spreadHits(hits, k, aboutSources)
}

// queryVector is the rarity-weighted mean of the word vectors of the
// question's terms (see Index.appendVector), or nil when the lexicon knows
// none of them.
func (ix *Index) queryVector(q Query) []float32 {
	lx := ix.lex
	if lx.dims == 0 || ix.vecs.n == 0 {
		return nil
	}
	v := make([]float32, lx.dims)
	known := false
	for _, t := range q.Terms {
		i, ok := lx.id(t)
		if !ok {
			continue
		}
		w := lx.weight(int(i)) / lx.norms[i]
		row := lx.vecs[int(i)*lx.dims : int(i+1)*lx.dims]
		for k := range v {
			v[k] += w * float32(row[k])
		}
		known = true
	}
	if !known {
		return nil
	}
	var n float32
	for _, x := range v {
		n += x * x
	}
	n = float32(math.Sqrt(float64(n)))
	for k := range v {
		v[k] /= n
	}
	return v
}

// similarity returns the cosine of unit query vector qv and slot's passage
// vector (0 when the passage has no known word).
func (ix *Index) similarity(qv []float32, slot uint32) float64 {
	pv := ix.vector(slot)
	var dot, n float32
	for k, x := range pv {
		f := float32(x)
		dot += qv[k] * f
		n += f * f
	}
	if n == 0 {
		return 0
	}
	return float64(dot) / math.Sqrt(float64(n))
}

// fuse combines the lexical score of each candidate with its vector
// similarity, and re-sorts them: (1-vectorWeight) × score / best score +
// vectorWeight × similarity (negative similarity counts as 0).
func fuse(cands []candidate) {
	best := 0.0
	for _, c := range cands {
		best = max(best, c.score)
	}
	if best <= 0 {
		return
	}
	for i := range cands {
		cands[i].score = (1-vectorWeight)*cands[i].score/best + vectorWeight*max(0, cands[i].sim)
	}
	sortCandidates(cands)
}
