package search

import (
	"math"
	"math/bits"
	"slices"
	"sync"
)

// Query-time pruning. candidatesAll scores every posting of every query
// term; on a large index most of that work goes to common words, whose
// passages rarely reach the candidate pool. candidatesPruned computes the
// same candidates (same passages, same scores, same order) reading far less:
//
//   - Every term gets an upper bound on what it can add to a passage's BM25
//     score (its weight times the largest tf/(tf+norm) among its postings),
//     and every concept the largest bound of its terms. Concepts are
//     ordered by bound; the longest prefix of weak concepts that cannot by
//     themselves put a passage into the pool (their summed bound, times the
//     most coverage they allow, is below the pool's weakest score), or that
//     cannot make a passage relevant (their coverage is below what relevance
//     needs), is "non-essential" (MaxScore): only passages of articles that
//     match an essential concept are visited, and the non-essential terms'
//     postings are looked up for those alone, skipping whole blocks.
//   - A passage with an essential posting is bounded with the non-essential
//     concepts at their bound and every other concept as context, then with
//     what it really has of the non-essential ones; only when it can still
//     be relevant and enter the pool is its article visited: every passage
//     of it, every concept, scored exactly as candidatesAll does. An
//     article's live passages must be contiguous slots (the way the library
//     adds them; when they are not, candidatesAll answers), so what an
//     article matches elsewhere (the context credit of coverage) is exact.
//     A concept made non-essential by relevance alone says nothing of a
//     passage in an article that also has an essential one: until the score
//     bound covers them too, every such article is visited.
//   - A question of one concept (no context credit), and the last essential
//     concept of a longer one, are read term after term rather than merged,
//     with a bound per length code, passing over whole blocks whose best
//     posting cannot enter the pool; a passage found through a later term is
//     looked up in the concept's earlier terms (the first term a passage has
//     is the one credited).
//   - There, before a passage's non-essential postings are looked up, it is
//     bounded with each non-essential term at tf 1 unless the passage is in
//     that term's rich list (its postings of tf above 1, kept with the
//     metadata): in text whose tf is mostly 1, most passages of two common
//     words are passed over without decoding the other word's postings.
//
// The metadata behind the bounds (per term, per block of metaBlock
// postings: byte offset, slots, largest tf, shortest passage) is built
// lazily the first time a query uses a term, kept in memory (at most
// metaCacheMax bytes) and extended when postings are appended.

const (
	// metaBlock is the number of postings a block of term metadata covers.
	metaBlock = 128
	// metaCacheMax bounds the bytes of term metadata an index keeps; past
	// it the cache is emptied and rebuilt as queries need it.
	metaCacheMax = 64 << 20
	// pruneMin is the fewest slots for which pruning is worth its setup.
	pruneMin = 1 << 14
	// boundSlack widens every upper bound, against float rounding.
	boundSlack = 1e-5
)

// termMeta summarises one term's postings for pruning. It is immutable once
// published; extending it makes a new one.
type termMeta struct {
	n       int    // bytes of postings summarised
	bad     bool   // postings out of order or beyond the slots: damaged
	maxTF   uint32 // over all postings
	minCode uint8  // shortest passage (length code) over all postings
	// Per block of metaBlock postings.
	off   []uint32 // byte offset of the block's first posting
	base  []uint32 // slot of the posting before the block (0 for the first)
	last  []uint32 // slot of the block's last posting
	btf   []uint32 // largest tf in the block
	bcode []uint8  // shortest passage in the block
	// rich lists, in order, the slots of the postings whose tf is above 1
	// (in most text a small share of them).
	rich []uint32
	// joined, when the term has a continuation (termInfo.more), is its
	// postings and the continuation as one byte string, owned by the
	// metadata (a prefix of it summarised; nil when post alone is).
	joined []byte
}

func (m *termMeta) size() int { return 112 + 17*len(m.off) + 4*len(m.rich) + cap(m.joined) }

// postings returns the bytes m summarises of term t's postings.
func (m *termMeta) postings(t *termInfo) []byte {
	if m.joined != nil {
		return m.joined[:m.n]
	}
	return t.post[:m.n]
}

// pruneCache holds an index's pruning metadata: per term, and whether
// every article's live passages are contiguous slots. The zero value is
// empty and ready.
type pruneCache struct {
	mu    sync.Mutex
	terms map[uint32]*termMeta
	bytes int
	// Groups were checked for ids/live at these counts.
	checkedSlots, checkedLive int
	checked                   bool
	contiguous                bool
	// span holds, by group number, the first and last of its live slots
	// (first > last when it has none); valid when contiguous. tail is the
	// group of the last live slot (math.MaxUint32 for none).
	span []groupSpan
	tail uint32
	// deadAt is the index's removed-slot bitmap when spans were computed.
	deadAt []uint64
}

// groupSpan is the range of a group's live slots.
type groupSpan struct{ first, last uint32 }

// reset drops everything (the postings were rewritten).
func (pc *pruneCache) reset() {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	pc.terms, pc.bytes, pc.checked, pc.span, pc.deadAt = nil, 0, false, nil, nil
}

// prepare returns the metadata of tids, built or extended as needed, and
// the groups' spans, or false when pruning may not be used (articles not
// contiguous, postings damaged).
func (ix *Index) prepare(tids []uint32, metas []*termMeta) ([]*termMeta, []groupSpan, bool) {
	pc := &ix.prune
	pc.mu.Lock()
	defer pc.mu.Unlock()
	if !pc.checked || pc.checkedSlots != len(ix.ids) || pc.checkedLive != ix.live {
		if !ix.extendSpans(pc) {
			pc.span, pc.tail, pc.contiguous = ix.groupSpans()
			pc.deadAt = append(pc.deadAt[:0], ix.dead...)
		}
		pc.checked, pc.checkedSlots, pc.checkedLive = true, len(ix.ids), ix.live
	}
	if !pc.contiguous {
		return metas, nil, false
	}
	if pc.terms == nil {
		pc.terms = make(map[uint32]*termMeta)
	}
	for _, tid := range tids {
		t := &ix.terms[tid]
		m := pc.terms[tid]
		if m == nil || m.n != t.size() {
			if m != nil && (m.n > t.size() || (m.joined == nil && m.n > len(t.post)) ||
				(m.joined != nil && (len(t.more) == 0 || m.n < len(t.post)))) {
				m = nil // cannot happen without a rewrite, which resets
			}
			old := 0
			if m != nil {
				old = m.size()
			}
			post := t.post
			var joined []byte
			if len(t.more) > 0 {
				// Postings added since the index was written (termInfo.more)
				// continue post's gap coding: summarised and read as one
				// byte string, a copy extended as they grow (appended past
				// what earlier metadata, which Searches may hold, covers).
				if m == nil || m.joined == nil { // none, or built before the continuation
					joined = append(append(make([]byte, 0, t.size()+t.size()/8), t.post...), t.more...)
				} else {
					joined = append(m.joined[:m.n], t.more[m.n-len(t.post):]...)
				}
				post = joined
			}
			m = buildMeta(post, m, ix.codes, uint32(len(ix.ids)))
			m.joined = joined
			if pc.bytes += m.size() - old; pc.bytes > metaCacheMax {
				clear(pc.terms)
				pc.bytes = m.size()
			}
			pc.terms[tid] = m
		}
		if m.bad {
			return metas, nil, false
		}
		metas = append(metas, m)
	}
	return metas, pc.span, true
}

// groupSpans returns the span of every group's live slots, the group of
// the last live slot (math.MaxUint32 for none), and whether each group's
// live slots are consecutive among the live slots.
func (ix *Index) groupSpans() ([]groupSpan, uint32, bool) {
	n := len(ix.gids)
	span := make([]groupSpan, n, spanCap(n)) // new: Searches may hold the last one
	for g := range span {
		span[g] = groupSpan{1, 0}
	}
	prev := uint32(math.MaxUint32)
	for s, g := range ix.gslot {
		if ix.dead[s>>6]&(1<<(s&63)) != 0 {
			continue
		}
		if g == prev {
			span[g].last = uint32(s)
			continue
		}
		if int(g) >= n || span[g].first <= span[g].last {
			return span, prev, false // seen before, and another group since
		}
		span[g] = groupSpan{uint32(s), uint32(s)}
		prev = g
	}
	return span, prev, true
}

// spanCap is the capacity given to spans of n groups: room for articles
// added later, so that extendSpans rarely copies them.
func spanCap(n int) int { return n + n/8 + 64 }

// extendSpans brings pc's spans up to date from what changed since they
// were computed, when every article's live passages were contiguous then:
// the slots removed since (found by comparing the removed-slot bitmaps;
// removing passages keeps articles contiguous, and slots never live
// again) narrow their articles' spans, and only the slots added since are
// read. It reports whether it did. The span slice is changed in place only
// past its old length (a Search may still hold it); an entry already there
// is changed in a copy.
func (ix *Index) extendSpans(pc *pruneCache) bool {
	if !pc.checked || !pc.contiguous || len(ix.ids) < pc.checkedSlots || len(pc.deadAt) > len(ix.dead) {
		return false
	}
	dead, old := ix.dead, pc.checkedSlots
	isDead := func(s int) bool { return dead[s>>6]&(1<<(s&63)) != 0 }
	n := len(ix.gids)
	span, olen := pc.span, len(pc.span)
	copied := false
	own := func() {
		if !copied {
			span, copied = append(make([]groupSpan, 0, spanCap(max(n, len(span)))), span...), true
		}
	}
	added := 0
	for s := old; s < len(ix.ids); s++ {
		if !isDead(s) {
			added++
		}
	}
	// Removed since (as many as the live count says): narrow their
	// articles' spans.
	removed, want := 0, pc.checkedLive+added-ix.live
	if want < 0 {
		return false // not as computed: cannot happen
	}
	for w, was := range pc.deadAt {
		if removed == want {
			break
		}
		for x := dead[w] &^ was; x != 0; x &= x - 1 {
			s := w<<6 | bits.TrailingZeros64(x)
			if s >= old {
				break // added since, and removed: read below
			}
			removed++
			g := ix.gslot[s]
			if int(g) >= len(span) {
				return false // not as computed: cannot happen
			}
			if span[g].first > span[g].last {
				continue // emptied by an earlier one
			}
			own()
			sp := &span[g]
			switch {
			case int(sp.first) == s:
				f := s + 1
				for f <= int(sp.last) && isDead(f) {
					f++
				}
				if f > int(sp.last) {
					*sp = groupSpan{1, 0}
				} else {
					sp.first = uint32(f)
				}
			case int(sp.last) == s:
				l := s - 1
				for l > int(sp.first) && isDead(l) {
					l-- // sp.first is live: a removed first came earlier
				}
				sp.last = uint32(l)
			}
		}
	}
	prev := pc.tail
	if removed > 0 {
		prev = math.MaxUint32
		for s := old - 1; s >= 0; s-- {
			if !isDead(s) {
				prev = ix.gslot[s]
				break
			}
		}
	}
	if removed != want {
		return false // not as computed: cannot happen
	}
	for len(span) < n {
		span = append(span, groupSpan{1, 0})
	}
	for s := old; s < len(ix.ids); s++ {
		if isDead(s) {
			continue
		}
		g := ix.gslot[s]
		if int(g) >= n || (g != prev && span[g].first <= span[g].last) {
			pc.span, pc.tail, pc.contiguous = span, prev, false
			return true // seen before, and another group since
		}
		if int(g) < olen {
			own()
		}
		if g == prev {
			span[g].last = uint32(s)
			continue
		}
		span[g] = groupSpan{uint32(s), uint32(s)}
		prev = g
	}
	pc.span, pc.tail = span, prev
	// The bitmap as it is now: words changed by removals, and from the
	// first added slot's.
	from := old >> 6
	if removed > 0 {
		from = 0
	}
	pc.deadAt = append(pc.deadAt[:min(from, len(pc.deadAt))], dead[min(from, len(pc.deadAt)):]...)
	return true
}

// buildMeta summarises post, continuing from prev (which covered a prefix
// of it) when given.
func buildMeta(post []byte, prev *termMeta, codes []uint8, nslots uint32) *termMeta {
	m := &termMeta{minCode: math.MaxUint8}
	i, slot := 0, uint32(0)
	count := 0
	if prev != nil && len(prev.off) > 0 {
		// Redo the last block, which may have grown.
		k := len(prev.off) - 1
		m.off = slices.Clone(prev.off[:k])
		m.base = slices.Clone(prev.base[:k])
		m.last = slices.Clone(prev.last[:k])
		m.btf = slices.Clone(prev.btf[:k])
		m.bcode = slices.Clone(prev.bcode[:k])
		for b := range k {
			m.maxTF = max(m.maxTF, m.btf[b])
			m.minCode = min(m.minCode, m.bcode[b])
		}
		i, slot = int(prev.off[k]), prev.base[k]
		r, _ := slices.BinarySearch(prev.rich, slot+1) // those of blocks before k
		if k == 0 {
			r = 0
		}
		m.rich = slices.Clone(prev.rich[:r])
	}
	for first := i == 0; i < len(post); first = false {
		if count == 0 || count == metaBlock {
			m.off = append(m.off, uint32(i))
			m.base = append(m.base, slot)
			m.last = append(m.last, slot)
			m.btf = append(m.btf, 0)
			m.bcode = append(m.bcode, math.MaxUint8)
			count = 0
		}
		var gap, tf uint32
		if x := post[i]; x&0x81 == 0 {
			gap, tf, i = uint32(x>>1), 1, i+1
		} else {
			gap, tf, i = nextPosting(post, i)
		}
		next := slot + gap
		if next >= nslots || (!first && next < slot) || tf == 0 {
			m.bad = true
			break
		}
		slot = next
		b := len(m.off) - 1
		m.last[b] = slot
		m.btf[b] = max(m.btf[b], tf)
		m.bcode[b] = min(m.bcode[b], codes[slot])
		m.maxTF = max(m.maxTF, tf)
		m.minCode = min(m.minCode, codes[slot])
		if tf > 1 {
			m.rich = append(m.rich, slot)
		}
		count++
	}
	m.n = len(post)
	return m
}

// cursor walks one term's postings in slot order.
type cursor struct {
	post []byte
	m    *termMeta
	i    int    // offset of the next posting
	blk  int    // block of the current posting
	slot uint32 // current posting; valid while !done
	prev uint32 // the posting before it (or the block's base slot)
	tf   uint32
	done bool

	ci  int     // concept
	w   float32 // weight × idf × (k1+1), as candidatesAll computes it
	set uint32  // mask bit it sets: the concept's, or the synonym half's

	bblk int     // block whose bound is bval; -1 for none
	bval float64 // what a posting of block bblk can add at most

	one     *[256]float32 // what a posting of tf 1 adds, by length code
	haveOne bool
}

// score returns what c's current posting adds to the score of a passage
// of length code, as candidatesAll computes it.
func (c *cursor) score(norm []float32, code uint8) float32 {
	if c.tf == 1 {
		if !c.haveOne {
			for k := range c.one {
				tf := float32(1)
				c.one[k] = c.w * tf / (tf + norm[k])
			}
			c.haveOne = true
		}
		return c.one[code]
	}
	tf := float32(c.tf)
	return c.w * tf / (tf + norm[code])
}

// blockBound returns the most a posting of c's current block can add to a
// passage's score.
func (c *cursor) blockBound(norm []float32) float64 {
	if c.bblk != c.blk {
		tf := float64(c.m.btf[c.blk])
		c.bblk, c.bval = c.blk, float64(c.w)*tf/(tf+float64(norm[c.m.bcode[c.blk]]))
	}
	return c.bval
}

// next moves to the following posting.
func (c *cursor) next() {
	b := c.post
	i := c.i
	if i >= len(b) {
		c.done = true
		return
	}
	for c.blk+1 < len(c.m.off) && i >= int(c.m.off[c.blk+1]) {
		c.blk++
	}
	var gap, tf uint32
	if x := b[i]; x&0x81 == 0 {
		gap, tf, i = uint32(x>>1), 1, i+1
	} else {
		gap, tf, i = nextPosting(b, i)
	}
	c.i = i
	c.prev = c.slot
	c.slot += gap
	c.tf = tf
}

// start positions c on its first posting.
func (c *cursor) start() {
	c.i, c.blk, c.slot, c.done = 0, 0, 0, false
	c.next()
}

// seek moves c to its first posting at or after target, skipping whole
// blocks that end before it.
func (c *cursor) seek(target uint32) {
	if c.done || c.slot >= target {
		return
	}
	m := c.m
	if c.blk+1 < len(m.off) && m.last[c.blk] < target {
		// The first block ending at or after target, past the current one.
		rest := m.last[c.blk+1:]
		k, _ := slices.BinarySearch(rest, target)
		if k == len(rest) {
			c.done = true
			return
		}
		b := c.blk + 1 + k
		c.blk, c.i, c.slot = b, int(m.off[b]), m.base[b]
	}
	// Decode up to target (next, inlined).
	p, i, slot, prev, tf := c.post, c.i, c.slot, c.prev, c.tf
	at := i
	for slot < target {
		if i >= len(p) {
			c.done = true
			return
		}
		at = i
		var gap uint32
		if x := p[i]; x&0x81 == 0 {
			gap, tf, i = uint32(x>>1), 1, i+1
		} else {
			gap, tf, i = nextPosting(p, i)
		}
		prev = slot
		slot += gap
	}
	for c.blk+1 < len(m.off) && at >= int(m.off[c.blk+1]) {
		c.blk++
	}
	c.i, c.slot, c.prev, c.tf = i, slot, prev, tf
}

// rewind moves c to its first posting at or after target, backwards if
// need be.
func (c *cursor) rewind(target uint32) {
	if !c.done && c.slot < target {
		c.seek(target)
		return
	}
	if !c.done && c.prev < target && c.i > 0 {
		return // already there
	}
	m := c.m
	b, _ := slices.BinarySearch(m.last, target)
	if b == len(m.last) {
		c.done = true
		return
	}
	c.done = false
	c.blk, c.i, c.slot = b, int(m.off[b]), m.base[b]
	c.next()
	for !c.done && c.slot < target {
		c.next()
	}
}

// pruneScratch is the per-Search state of candidatesPruned.
type pruneScratch struct {
	tids    []uint32
	metas   []*termMeta
	curs    []cursor
	order   []int          // concepts by bound, weakest first
	ess     []int          // cursors of essential concepts
	ones    [][256]float32 // cursors' tables (cursor.one)
	lfUB    [256]float64
	q       [256]float64
	aux     []cursor
	vcurs   []cursor
	ncurs   []cursor
	nl      []int
	rp      []int // by nl: the next of the cursor's rich slots to pass
	neLo    [256]float64
	visited map[uint32]bool
	mask    []uint32
	contr   []float32
}

// candidatesPruned returns what candidatesAll would, or false when it
// cannot be used here (small or damaged index, articles not contiguous).
func (ix *Index) candidatesPruned(sc *scratch, concepts []concept, total float64, depth int, qv []float32) ([]candidate, bool) {
	ps := &sc.prune
	ps.tids = ps.tids[:0]
	for _, c := range concepts {
		ps.tids = append(ps.tids, c.tids...)
	}
	var ok bool
	var span []groupSpan
	ps.metas, span, ok = ix.prepare(ps.tids, ps.metas[:0])
	if !ok {
		return nil, false
	}
	avg := float64(ix.totalLen) / float64(ix.live)
	if avg == 0 {
		avg = 1
	}
	var norm [256]float32
	for c := range norm {
		norm[c] = float32(k1 * (1 - bm + bm*codeLen(uint8(c))/avg))
	}
	nc := len(concepts)

	// Cursors, in concept order and, within a concept, in term order (the
	// first term of a concept that a passage has is the one credited).
	curs := ps.curs[:0]
	var ubound [maxConcepts]float64 // by concept
	var cover [maxConcepts]float64  // by concept; 0 when absent
	var cstart [maxConcepts + 1]int // cursors of concept ci: curs[cstart[ci]:cstart[ci+1]]
	cpres := 0.0
	k := 0
	for ci, c := range concepts {
		cstart[ci] = len(curs)
		bit := uint32(1) << ci
		if len(c.tids) > 0 {
			cover[ci] = c.cover
			cpres += c.cover
		}
		for ti := range c.tids {
			m := ps.metas[k]
			k++
			set := bit
			if c.weights[ti] != 1 {
				set = bit << 16
			}
			w := float32(c.weights[ti] * c.idf[ti] * (k1 + 1))
			if m.maxTF > 0 {
				tf := float64(m.maxTF)
				ubound[ci] = max(ubound[ci], float64(w)*tf/(tf+float64(norm[m.minCode])))
			}
			curs = append(curs, cursor{post: m.postings(&ix.terms[c.tids[ti]]), m: m, ci: ci, w: w, set: set, bblk: -1})
		}
	}
	cstart[nc] = len(curs)
	ps.curs = curs
	if len(ps.ones) < len(curs) {
		ps.ones = make([][256]float32, len(curs)+4)
	}
	for i := range curs {
		curs[i].one = &ps.ones[i]
	}
	for i := range curs {
		curs[i].start()
	}
	order := ps.order[:0]
	for ci := range nc {
		order = append(order, ci)
	}
	slices.SortStableFunc(order, func(a, b int) int {
		switch {
		case ubound[a] < ubound[b]:
			return -1
		case ubound[a] > ubound[b]:
			return 1
		}
		return 0
	})
	ps.order = order

	// Coverage sums over concept masks by table, as in candidatesAll.
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
	need := minCoverage*total - 1e-9
	weakNeed := minWeakCoverage*total - 1e-9
	relNeed := need
	if qv != nil {
		relNeed = weakNeed
	}
	half := float64(len(concepts)) / 2
	short := len(concepts) <= maxShort

	h := make(candHeap, 0, min(depth, 256))
	lfUB := &ps.lfUB // l/(l+shortPrior) at most, by length code
	for c := range lfUB {
		if c < codeExact {
			lfUB[c] = float64(c) / (float64(c) + shortPrior)
		} else {
			lfUB[c] = 1
		}
	}
	if nc == 1 {
		ix.pruneOne(ps, curs, &h, depth, qv, concepts[0].cover, total, &norm)
		out := []candidate(h)
		sortCandidates(out)
		return out, true
	}
	theta := math.Inf(-1) // the pool's weakest score once full
	// ne: concepts order[:ne] are non-essential; neU and neC their summed
	// bounds and coverage; neMask their bits.
	ne, neU, neC, neMask := 0, 0.0, 0.0, uint32(0)
	//
	// A concept is made non-essential by score (a passage matching only
	// non-essential concepts cannot enter the pool) or by relevance (an
	// article matching only those cannot be relevant). The latter says
	// nothing of such a passage in an article that also matches an
	// essential concept: until byScore holds for all of them (scoreOK),
	// every article with an essential posting is visited.
	scoreOK := true
	grow := func() {
		for ne < nc {
			ci := order[ne]
			u, c := neU+ubound[ci], neC+cover[ci]
			byScore := u*(c+contextWeight*(cpres-c))/total*(1+boundSlack) < theta
			byRelevance := c*(1+boundSlack) < relNeed
			if !byScore && !byRelevance {
				break
			}
			ne, neU, neC = ne+1, u, c
			neMask |= 1 << ci
		}
		scoreOK = ne == 0 || neU*(neC+contextWeight*(cpres-neC))/total*(1+boundSlack) < theta
	}
	grow()

	dead, gslot, codes, lens := ix.dead, ix.gslot, ix.codes, ix.lens
	isDead := func(s uint32) bool { return dead[s>>6]&(1<<(s&63)) != 0 }
	thr := theta // theta / (1+boundSlack)
	relAdj := relNeed / (1 + boundSlack)
	invTotal := 1 / total

	// visit scores every passage of the article whose live slots are
	// [first, last] exactly as candidatesAll does, reading every concept's
	// postings there through vc (moved there, backwards if need be), and
	// offers the relevant ones to the pool.
	visit := func(vc []cursor, first, last uint32) {
		n := int(last-first) + 1
		if cap(ps.mask) < n {
			ps.mask = make([]uint32, n+n/2)
		}
		if cap(ps.contr) < n*nc {
			ps.contr = make([]float32, (n+n/2)*nc)
		}
		mask, contr := ps.mask[:n], ps.contr[:n*nc]
		clear(mask)
		clear(contr)
		gm := uint32(0)
		for i := range vc {
			c := &vc[i]
			c.rewind(first)
			for ; !c.done && c.slot <= last; c.next() {
				s := c.slot
				if isDead(s) {
					continue
				}
				r := s - first
				bit := uint32(1) << c.ci
				if m := mask[r]; m&(bit|bit<<16) == 0 {
					mask[r] = m | c.set
					tf := float32(c.tf)
					contr[int(r)*nc+c.ci] = c.w * tf / (tf + norm[codes[s]])
					gm |= bit
				}
			}
		}
		for r, m := range mask {
			if m == 0 {
				continue
			}
			s := first + uint32(r)
			own := m & 0xffff
			syn := m >> 16
			ctx := gm &^ (own | syn)
			cov := sum(own) + synonymWeight*sum(syn) + contextWeight*sum(ctx)
			missing := significant &^ (own | syn)
			miss := float64(bits.OnesCount32(missing)) - contextWeight*float64(bits.OnesCount32(missing&ctx))
			if (short && miss >= half) || cov < weakNeed {
				continue
			}
			var score float32
			for _, x := range contr[r*nc : (r+1)*nc] {
				score += x
			}
			l := float64(lens[s])
			cand := candidate{s, float64(score) * (cov / total) * l / (l + shortPrior), float64(unknownSim)}
			if len(h) == depth && !worse(h[0], cand) {
				continue
			}
			if cov < need {
				if qv == nil {
					continue
				}
				if cand.sim = ix.similarity(qv, s); cand.sim < vectorRelevant {
					continue
				}
			}
			h.offer(cand, depth)
		}
		if len(h) == depth && h[0].score > theta {
			theta = h[0].score
			thr = theta / (1 + boundSlack)
			grow()
		}
	}
	// exact reports whether passage d, of length code lc, whose essential
	// concepts (matched) add e, can be relevant and enter the pool once
	// what it has of the non-essential concepts (looked up through nc,
	// moved forward) is known, and every other concept counts as context.
	exact := func(ncurs []cursor, d uint32, lc uint8, e float64, matched uint32) bool {
		for _, ci := range order[:ne] {
			bit := uint32(1) << ci
			for i := cstart[ci]; i < cstart[ci+1]; i++ {
				c := &ncurs[i]
				if c.seek(d); !c.done && c.slot == d {
					matched |= bit
					e += float64(c.score(norm[:], lc))
					break
				}
			}
		}
		mc := sum(matched)
		covUB := mc + contextWeight*(cpres-mc)
		missing := float64(bits.OnesCount32(significant &^ matched))
		return !(covUB < relAdj || e*covUB*invTotal*lfUB[lc] < thr || (short && contextWeight*missing >= half))
	}

	ess := ps.ess[:0] // cursors of essential concepts
	essFor := -1      // ess is of the concepts order[essFor:]
	essC := 0.0       // their summed coverage
	var cmax [maxConcepts]float64
	// Block bounds were checked, without a skip, for slots up to region.
	region, regionSet := uint32(0), false
	for ne < nc {
		if nc-ne == 1 {
			// One essential concept left: read its terms' postings one
			// after the other (as pruneOne does) rather than merged.
			ci := order[ne]
			vc := append(ps.vcurs[:0], curs...) // for visits
			ps.vcurs = vc
			if ps.visited == nil {
				ps.visited = make(map[uint32]bool)
			}
			visited := ps.visited
			clear(visited)
			cf := cpres * invTotal
			// The non-essential concepts' cursors, concept by concept.
			nl := ps.nl[:0]
			for _, k := range order[:ne] {
				for i := cstart[k]; i < cstart[k+1]; i++ {
					nl = append(nl, i)
				}
			}
			ps.nl = nl
			missCost := 0.0 // contextWeight × significant concepts missing
			for j := cstart[ci]; j < cstart[ci+1] && ne < nc; j++ {
				ncurs := append(ps.ncurs[:0], curs...) // for exact
				ps.ncurs = ncurs
				aux := append(ps.aux[:0], curs[cstart[ci]:j]...) // earlier terms
				ps.aux = aux
				c := &ncurs[j] // read here; ncurs[j] is not looked up
				cf := cf
				if c.set>>16 != 0 { // a stand-in: coverage at a discount
					cf = (synonymWeight*cover[ci] + neC) * invTotal
				}
				q := &ps.q // the most a passage of a tf 1 posting can score
				for k := range q {
					tf := float32(1)
					q[k] = (float64(c.w*tf/(tf+norm[k])) + neU) * cf * lfUB[k]
				}
				// What the non-essential concepts add at most to a passage
				// of length code k where none of their postings has a tf
				// above 1 (no slot of their rich lists).
				neLo := &ps.neLo
				for k := range neLo {
					var best [maxConcepts]float64
					for _, x := range nl {
						a := &ncurs[x]
						tf := float32(1)
						best[a.ci] = max(best[a.ci], float64(a.w*tf/(tf+norm[k])))
					}
					neLo[k] = 0
					for _, b := range best {
						neLo[k] += b
					}
				}
				rp := ps.rp[:0]
				for range nl {
					rp = append(rp, 0)
				}
				ps.rp = rp
				if !c.haveOne {
					for k := range c.one {
						tf := float32(1)
						c.one[k] = c.w * tf / (tf + norm[k])
					}
					c.haveOne = true
				}
				// The postings of c, decoded here (next, inlined): each
				// turn takes the current one (s, stf) and moves on.
				b, i, next, ntf, more := c.post, c.i, c.slot, c.tf, !c.done
				m, nb := c.m, c.blk+1 // nb: the next block to start
				for more && ne < nc {
					s, stf := next, ntf
					// Pass over whole blocks whose best posting cannot
					// enter the pool.
					for scoreOK && nb < len(m.off) && i == int(m.off[nb]) {
						tf := float64(m.btf[nb])
						if (float64(c.w)*tf/(tf+float64(norm[m.bcode[nb]]))+neU)*cf >= thr {
							break
						}
						next = m.last[nb]
						if nb++; nb < len(m.off) {
							i = int(m.off[nb])
						} else {
							i = len(b)
						}
					}
					if nb < len(m.off) && i == int(m.off[nb]) {
						nb++
					}
					if i < len(b) {
						var gap uint32
						if x := b[i]; x&0x81 == 0 {
							gap, ntf, i = uint32(x>>1), 1, i+1
						} else {
							gap, ntf, i = nextPosting(b, i)
						}
						next += gap
					} else {
						more = false
					}
					lc := codes[s]
					var x float32
					if stf == 1 {
						if scoreOK && q[lc] < thr {
							continue
						}
						x = c.one[lc]
					} else {
						f := float32(stf)
						if x = c.w * f / (f + norm[lc]); scoreOK && (float64(x)+neU)*cf*lfUB[lc] < thr {
							continue
						}
					}
					if isDead(s) {
						continue
					}
					if scoreOK {
						// With no tf above 1 among the non-essential
						// postings of s, can it enter the pool?
						rich := false
						for y, k := range nl {
							r, rs := rp[y], ncurs[k].m.rich
							for r < len(rs) && rs[r] < s {
								r++
							}
							rp[y] = r
							rich = rich || (r < len(rs) && rs[r] == s)
						}
						if !rich && (float64(x)+neLo[lc])*cf*lfUB[lc] < thr {
							continue
						}
					}
					// What s has of the non-essential concepts (as exact).
					e, matched, set := float64(x), uint32(1)<<ci, c.set
					for _, k := range nl {
						a := &ncurs[k]
						if a.done {
							continue
						}
						if a.slot < s {
							if a.seek(s); a.done {
								continue
							}
						}
						if bit := uint32(1) << a.ci; a.slot == s && matched&bit == 0 {
							matched |= bit
							set |= a.set
							e += float64(a.score(norm[:], lc))
						}
					}
					covUB := sum(set&0xffff) + synonymWeight*sum(set>>16) + contextWeight*(cpres-sum(matched))
					if short {
						missCost = contextWeight * float64(bits.OnesCount32(significant&^matched))
					}
					// Passed over here if it could not enter with this
					// term's weight: if an earlier term has it, that
					// term's weight decided it already.
					if scoreOK && (covUB < relAdj || e*covUB*invTotal*lfUB[lc] < thr || missCost >= half) {
						continue
					}
					dup := false
					for k := range aux {
						a := &aux[k]
						if a.seek(s); !a.done && a.slot == s {
							dup = true
							break
						}
					}
					if dup {
						continue
					}
					if g := gslot[s]; !visited[g] {
						visited[g] = true
						visit(vc, span[g].first, span[g].last)
					}
				}
			}
			break
		}
		if essFor != ne {
			essFor, essC, regionSet = ne, cpres-neC, false
			ess = ess[:0]
			for i := range curs {
				if neMask&(1<<curs[i].ci) == 0 {
					ess = append(ess, i)
				}
			}
		}
		// The next slot an essential concept has, and what the concepts
		// there add at most.
		d := uint32(math.MaxUint32)
		e, matched := 0.0, uint32(0)
		for k := 0; k < len(ess); k++ {
			c := &curs[ess[k]]
			if c.done {
				ess = slices.Delete(ess, k, k+1)
				k--
				continue
			}
			if c.slot > d {
				continue
			}
			if c.slot < d {
				d, e, matched = c.slot, 0, 0
			}
			if bit := uint32(1) << c.ci; matched&bit == 0 {
				matched |= bit
				e += float64(c.score(norm[:], codes[d]))
			}
		}
		if len(ess) == 0 {
			break
		}
		if theta > math.Inf(-1) && (!regionSet || d > region) {
			// Up to L, every essential posting lies in its cursor's
			// current block: can any passage there enter the pool?
			L := uint32(math.MaxUint32)
			for _, i := range ess {
				if c := &curs[i]; !c.done {
					L = min(L, c.m.last[c.blk])
					cmax[c.ci] = max(cmax[c.ci], c.blockBound(norm[:]))
				}
			}
			bound := neU
			for ci := range nc {
				bound += cmax[ci]
				cmax[ci] = 0
			}
			if bound*(1+boundSlack) < theta {
				// No: skip to after L, or to the start of the article
				// that L falls in.
				t := L + 1
				p := L
				for p > d && isDead(p) {
					p--
				}
				if !isDead(p) {
					if sp := span[gslot[p]]; sp.last > L {
						t = sp.first
					}
				}
				if t > d {
					for _, i := range ess {
						curs[i].seek(t)
					}
					continue
				}
			}
			region, regionSet = L, true
		}
		// Can passage d, with every non-essential concept at its bound and
		// every other essential one in its article, be relevant and enter
		// the pool? Then with what it has of the non-essential ones?
		mc := sum(matched)
		covUB := mc + neC + contextWeight*(essC-mc)
		pass := !(covUB < relAdj || (e+neU)*covUB*invTotal*lfUB[codes[d]] < thr || isDead(d))
		if pass && ne > 0 {
			pass = exact(curs, d, codes[d], e, matched)
		}
		if !pass && !scoreOK && !isDead(d) {
			pass = true // for its article's other passages
		}
		if !pass {
			for _, i := range ess {
				if c := &curs[i]; !c.done && c.slot == d {
					c.next()
				}
			}
			continue
		}
		sp := span[gslot[d]]
		visit(curs, sp.first, sp.last)
	}
	ps.ess = ess
	out := []candidate(h)
	sortCandidates(out)
	return out, true
}

// pruneOne is candidatesPruned for a question of one concept, which has no
// context credit: a passage's score is what the first of the concept's
// terms that it has adds (the term itself, or a stand-in at a discount).
// It reads each term's postings in turn, passing over at once those that
// cannot enter the pool, and looks a passage up in the earlier terms only
// when it might.
func (ix *Index) pruneOne(ps *pruneScratch, curs []cursor, h *candHeap, depth int, qv []float32, cover, total float64, norm *[256]float32) {
	dead, codes, lens := ix.dead, ix.codes, ix.lens
	lfUB := &ps.lfUB
	thr := math.Inf(-1) // the pool's weakest score, less the slack, once full
	if len(*h) == depth {
		thr = (*h)[0].score / (1 + boundSlack)
	}
	// As candidatesAll computes them for a mask of one concept.
	need := minCoverage*total - 1e-9
	weakNeed := minWeakCoverage*total - 1e-9
	for j := range curs {
		c := &curs[j]
		syn := c.set >> 16
		cov := cover
		if syn != 0 {
			cov = 0 + synonymWeight*cover
		}
		if cov < weakNeed {
			continue
		}
		cf := cov / total
		q := &ps.q // the most a posting of tf 1 can score, by length code
		for k := range q {
			tf := float32(1)
			q[k] = float64(c.w*tf/(tf+norm[k])) * cf * lfUB[k]
		}
		aux := ps.aux[:0] // the concept's earlier terms, to look passages up
		for k := range j {
			aux = append(aux, cursor{post: curs[k].post, m: curs[k].m})
			aux[k].start()
		}
		ps.aux = aux
		b, w, m := c.post, c.w, c.m
		slot := uint32(0)
		blk, end := 0, 0 // the block being read, and where the next starts
		for i := 0; i < len(b); {
			if i >= end {
				// A new block: pass over it whole if no posting in it can
				// enter the pool.
				for ; blk < len(m.off) && int(m.off[blk]) < i; blk++ {
				}
				end = len(b)
				if blk+1 < len(m.off) {
					end = int(m.off[blk+1])
				}
				if tf := float64(m.btf[blk]); float64(w)*tf/(tf+float64(norm[m.bcode[blk]]))*cf < thr {
					i, slot = end, m.last[blk]
					blk++
					continue
				}
				blk++
			}
			var gap, tf uint32
			if x := b[i]; x&0x81 == 0 {
				gap, tf, i = uint32(x>>1), 1, i+1
			} else {
				gap, tf, i = nextPosting(b, i)
			}
			slot += gap
			code := codes[slot]
			if tf == 1 {
				if q[code] < thr {
					continue
				}
			} else if f := float32(tf); float64(w*f/(f+norm[code]))*cf*lfUB[code] < thr {
				continue
			}
			if dead[slot>>6]&(1<<(slot&63)) != 0 {
				continue
			}
			dup := false
			for k := range aux {
				a := &aux[k]
				if a.seek(slot); !a.done && a.slot == slot {
					dup = true
					break
				}
			}
			if dup {
				continue
			}
			f := float32(tf)
			var score float32
			score += w * f / (f + norm[code])
			l := float64(lens[slot])
			cand := candidate{slot, float64(score) * (cov / total) * l / (l + shortPrior), float64(unknownSim)}
			if len(*h) == depth && !worse((*h)[0], cand) {
				continue
			}
			if cov < need {
				if qv == nil {
					continue
				}
				if cand.sim = ix.similarity(qv, slot); cand.sim < vectorRelevant {
					continue
				}
			}
			h.offer(cand, depth)
			if len(*h) == depth {
				thr = (*h)[0].score / (1 + boundSlack)
			}
		}
	}
}
