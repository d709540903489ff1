package search

import (
	"fmt"
	"math"
	"runtime"
	"slices"
	"strings"
	"unsafe"
)

// Index is an in-memory BM25 inverted index over passages identified by
// caller-chosen uint32 ids, added in increasing id order. Each passage
// belongs to a group (its article), which Search uses to spread results.
//
// Postings are compressed: per term, a byte string of varint-coded slot gaps
// with the term frequency folded in, so a posting costs one or two bytes.
// Removed passages stay in the postings as tombstones (skipped by Search)
// until Compact, which Remove runs itself once they are a quarter of the
// index; the statistics BM25 uses (passage count, lengths, document
// frequencies) are always exact for the live passages.
//
// Add, Remove and Compact must not run concurrently with anything else;
// Search, WriteTo and Len may run concurrently with each other. An Index
// must not be copied after first use.
type Index struct {
	// Per slot (the dense internal number of a passage, in Add order).
	ids   []uint32 // caller's id; strictly increasing
	gslot []uint32 // dense group number
	lens  []uint32 // number of terms
	codes []uint8  // lenCode(lens): what Search reads per posting
	dead  []uint64 // bitset of removed slots

	gids []uint32          // dense group number -> caller's group
	gmap map[uint32]uint32 // caller's group -> dense group number; nil: see groupOf
	// gorder is, while gmap is nil, whether gids increase (gidsSorted),
	// so that groupOf finds a group by binary search; zero: not known yet.
	gorder int8

	live     int    // live passages
	totalLen uint64 // sum of lens over live passages

	dict  termDict // term -> term number
	terms []termInfo

	// idle holds Search's accumulators: a fixed number, taken and given
	// back, so concurrent Searches beyond it wait rather than each
	// allocating one the size of the index.
	idle   chan *scratch
	addBuf []uint32 // Add's term numbers, reused
	addTF  []uint32 // Add's count of each term in the passage at hand; zero between calls

	// data is the persisted form the index was opened over (OpenIndex,
	// ReadIndex), which the tables above may point into; nil for an index
	// built by Add. layout is where its tables lie.
	data   []byte
	layout layout

	// lex is the offline lexical asset: expansions at query time, word
	// vectors for each passage's vector at Add time.
	lex *Lexicon
	// vecs holds one int8 vector of lex.dims a slot: the weighted mean of
	// its terms' word vectors (zero when none is known); see appendVector.
	vecs vectors
	vtmp []int8
	tlex []int32 // term number -> lexicon stem, -1 when unknown; filled lazily
	vbuf []int32

	prune pruneCache // query-time pruning metadata (prune.go)
}

// vector returns slot's passage vector (nil without a lexicon).
func (ix *Index) vector(slot uint32) []int8 { return ix.vecs.at(slot) }

// vectors stores one int8 vector of dims a slot, in blocks of vecBlock
// slots, so that adding passages never copies all the vectors.
type vectors struct {
	dims   int
	n      int // slots
	blocks [][]int8
}

const vecBlock = 1 << 14

func (v *vectors) at(slot uint32) []int8 {
	if v.dims == 0 || int(slot) >= v.n {
		return nil
	}
	b := v.blocks[slot/vecBlock]
	i := int(slot%vecBlock) * v.dims
	return b[i : i+v.dims : i+v.dims]
}

// push appends one vector (of dims values).
func (v *vectors) push(x []int8) {
	if v.dims == 0 {
		return
	}
	if v.n%vecBlock == 0 {
		v.blocks = append(v.blocks, make([]int8, 0, vecBlock*v.dims))
	}
	last := len(v.blocks) - 1
	v.blocks[last] = append(v.blocks[last], x...)
	v.n++
}

// size returns the number of bytes of vectors.
func (v *vectors) size() int { return v.n * v.dims }

// termInfo is one term's postings and statistics.
type termInfo struct {
	post []byte // uvarint(gap<<1 | tf>1) [uvarint(tf)] per posting
	// more continues post (its first gap is from post's last slot) when
	// post lies in a mapped file, where it cannot grow: adding to a
	// reopened index so costs what is added, not a copy of every posting
	// list it touches.
	more []byte
	df   uint32 // live passages containing the term
	last uint32 // slot of the last posting; valid when post or more is not empty
}

// parts returns the term's postings: post, then more.
func (t *termInfo) parts() [2][]byte { return [2][]byte{t.post, t.more} }

// size returns the bytes of the term's postings.
func (t *termInfo) size() int { return len(t.post) + len(t.more) }

// NewIndex returns an empty index.
func NewIndex() *Index {
	return &Index{dict: newTermDict(), gmap: make(map[uint32]uint32), idle: newIdle(), lex: builtinLexicon()}
}

// builtinLexicon parses the embedded lexicon, or returns an empty one if
// the asset is damaged (a test guards against that): retrieval then works
// on words alone.
func builtinLexicon() *Lexicon {
	lx, err := LoadLexicon()
	if err != nil {
		return &Lexicon{}
	}
	return lx
}

// maxScratch bounds the Search accumulators an index has (each holds 8
// bytes a passage and 4 an article), and so the Searches that score at
// once: scoring is CPU-bound, so more than one per CPU gains nothing.
const maxScratch = 4

func newIdle() chan *scratch {
	n := max(1, min(maxScratch, runtime.GOMAXPROCS(0)))
	idle := make(chan *scratch, n)
	for range n {
		idle <- &scratch{}
	}
	return idle
}

// Len returns the number of live passages.
func (ix *Index) Len() int { return ix.live }

// Add indexes passage id of group with its terms (from Analyze). Ids must
// increase from one call to the next, across removals too; Add panics
// otherwise, as a caller's bug that would corrupt the index. A passage
// with no terms is counted but can never match.
func (ix *Index) Add(id, group uint32, terms []string) { ix.AddVector(id, group, terms, nil) }

// AddVector is Add with the passage's vector computed beforehand by a
// PassageVectors (on another goroutine: computing it is most of the cost of
// adding a passage). A vec of another length than the lexicon's vectors
// (nil) is computed here, as Add does.
func (ix *Index) AddVector(id, group uint32, terms []string, vec []int8) {
	if n := len(ix.ids); n > 0 && id <= ix.ids[n-1] {
		panic(fmt.Sprintf("search: Add id %d after id %d: ids must increase", id, ix.ids[n-1]))
	}
	slot := uint32(len(ix.ids))
	ix.ids = append(ix.ids, id)
	ix.gslot = append(ix.gslot, ix.groupOf(group))
	ix.lens = append(ix.lens, uint32(len(terms)))
	ix.codes = append(ix.codes, lenCode(uint32(len(terms))))
	if int(slot)/64 >= len(ix.dead) {
		ix.dead = append(ix.dead, 0)
	}
	ix.live++
	ix.totalLen += uint64(len(terms))

	// Count each distinct term's occurrences in tfs (zero between
	// calls), listing the terms in order of first occurrence: no sort.
	tids := ix.addBuf[:0]
	tfs := ix.addTF
	for _, t := range terms {
		tid, ok := ix.dict.cached(t) // lookupWriting, its common case inlined
		if !ok {
			tid, ok = ix.dict.lookupMemo(t)
		}
		if !ok {
			tid = uint32(len(ix.terms))
			ix.dict.add(t, tid)
			if len(ix.terms) == cap(ix.terms) {
				// Double: append grows a large slice by a quarter, which
				// copies (and leaves to the collector) five times the
				// table by the end of a build.
				ix.terms = slices.Grow(ix.terms, max(len(ix.terms), 256))
			}
			ix.terms = append(ix.terms, termInfo{})
			if len(ix.tlex) == int(tid) && len(vec) != ix.lex.dims {
				li, ok := ix.lex.id(t)
				if !ok {
					li = -1
				}
				ix.tlex = append(ix.tlex, li)
			}
		}
		if int(tid) >= len(tfs) {
			tfs = slices.Grow(tfs, max(int(tid)+1, 2*len(tfs), 256)-len(tfs))
			tfs = tfs[:cap(tfs)]
		}
		if tfs[tid] == 0 {
			tids = append(tids, tid)
		}
		tfs[tid]++
	}
	ix.addTF = tfs
	mapped := len(ix.data) > 0
	for _, tid := range tids {
		t := &ix.terms[tid]
		if mapped {
			t.add(slot, tfs[tid], ix.inFile(t.post))
		} else {
			t.addBuilt(slot, tfs[tid])
		}
	}
	if ix.lex.dims > 0 {
		ix.vecs.dims = ix.lex.dims
		if len(vec) != ix.lex.dims {
			ix.vtmp = ix.appendVector(ix.vtmp[:0], tids, tfs)
			vec = ix.vtmp
		}
		ix.vecs.push(vec)
	}
	for _, tid := range tids {
		tfs[tid] = 0
	}
	ix.addBuf = tids
}

const (
	gidsSorted   = 1
	gidsUnsorted = 2
)

// groupOf returns the dense number of the caller's group, numbering it
// when new. An index opened from a file has no map of its groups (gmap):
// while they increase, as a library numbers articles, a group is found by
// binary search and a new one that follows the last is appended, so that
// the first Add after opening does not build a map of every group. The
// map is built otherwise. The group of the last passage, an article's
// next passage's, is found without either.
func (ix *Index) groupOf(group uint32) uint32 {
	if n := len(ix.gslot); n > 0 {
		if g := ix.gslot[n-1]; ix.gids[g] == group {
			return g
		}
	}
	if ix.gmap == nil {
		if ix.gorder == 0 {
			ix.gorder = gidsSorted
			for i := 1; i < len(ix.gids); i++ {
				if ix.gids[i] <= ix.gids[i-1] {
					ix.gorder = gidsUnsorted
					break
				}
			}
		}
		if ix.gorder == gidsSorted {
			n := len(ix.gids)
			if n == 0 || group > ix.gids[n-1] {
				ix.gids = append(ix.gids, group)
				return uint32(n)
			}
			if i, ok := slices.BinarySearch(ix.gids, group); ok {
				return uint32(i)
			}
		}
		ix.gmap = make(map[uint32]uint32, len(ix.gids))
		for g, group := range ix.gids {
			ix.gmap[group] = uint32(g)
		}
	}
	g, ok := ix.gmap[group]
	if !ok {
		g = uint32(len(ix.gids))
		ix.gmap[group] = g
		ix.gids = append(ix.gids, group)
	}
	return g
}

// PassageVectors computes the vectors of passages from their terms, as
// Index.Add would, so that the work can be spread over the goroutines that
// analyse passages (see Index.AddVector). A PassageVectors is not safe for
// concurrent use: one a goroutine.
type PassageVectors struct {
	lex  *Lexicon
	acc  []int32
	tf   []uint32 // per lexicon stem: its count in the passage at hand
	seen []int32  // the stems counted in tf
	memo [memoSlots]termStem
}

// termStem memoises a term's lexicon stem by the term's bytes' address:
// Analyze returns the same string for every occurrence of a word, so most
// terms are found here without hashing. Equal address and length mean
// equal strings.
type termStem struct {
	p    *byte
	n    int
	stem int32 // -1: not in the lexicon
}

const memoSlots = 1 << 15

// NewPassageVectors returns a PassageVectors over the embedded lexicon,
// the one every Index uses.
func NewPassageVectors() *PassageVectors {
	lx := builtinLexicon()
	return &PassageVectors{lex: lx, tf: make([]uint32, lx.Len())}
}

// Dims returns the length of the vectors Append appends (0 without a
// lexicon).
func (pv *PassageVectors) Dims() int { return pv.lex.dims }

// Append appends to dst the vector of a passage with terms (as given to
// Add): the same bytes Add would compute.
func (pv *PassageVectors) Append(dst []int8, terms []string) []int8 {
	if pv.lex.dims == 0 {
		return dst
	}
	// Count each known term's occurrences: distinct terms are distinct
	// stems, so a stem's count is its term's, as Add groups them.
	pv.seen = pv.seen[:0]
	for _, t := range terms {
		pv.count(pv.stemOf(t))
	}
	return pv.appendCounted(dst)
}

// count counts one occurrence of the lexicon stem li (none for -1) in the
// passage being vectorised.
func (pv *PassageVectors) count(li int32) {
	if li < 0 {
		return
	}
	if pv.tf[li] == 0 {
		pv.seen = append(pv.seen, li)
	}
	pv.tf[li]++
}

// appendCounted appends the vector of the stems counted since pv.seen was
// emptied, and clears the counts.
func (pv *PassageVectors) appendCounted(dst []int8) []int8 {
	lx, d := pv.lex, pv.lex.dims
	if cap(pv.acc) < d {
		pv.acc = make([]int32, d)
	}
	v := pv.acc[:d]
	clear(v)
	for _, li := range pv.seen {
		lx.accumulate(v, li, int(pv.tf[li])) // integer sums: any order
		pv.tf[li] = 0
	}
	return appendQuantised(dst, v, len(pv.seen) > 0)
}

// stemOf returns t's lexicon stem, -1 when the lexicon does not know it.
func (pv *PassageVectors) stemOf(t string) int32 {
	if len(t) == 0 {
		return -1
	}
	p := unsafe.StringData(t)
	m := &pv.memo[(uintptr(unsafe.Pointer(p))>>3)&(memoSlots-1)]
	if m.p == p && m.n == len(t) {
		return m.stem
	}
	li, ok := pv.lex.id(t)
	if !ok {
		li = -1
	}
	*m = termStem{p: p, n: len(t), stem: li}
	return li
}

// accumulate adds to v stem li's unit vector times its weight and count tf,
// in the fixed point of passage vectors.
func (lx *Lexicon) accumulate(v []int32, li int32, tf int) {
	d := lx.dims
	w := int32(lx.scale(li) * float32(tf) * (1 << 16))
	row := lx.vecs[int(li)*d : int(li+1)*d]
	v = v[:len(row)] // one bounds check for the loop
	k := 0
	for ; k+4 <= len(row); k += 4 {
		v[k] += w * int32(row[k])
		v[k+1] += w * int32(row[k+1])
		v[k+2] += w * int32(row[k+2])
		v[k+3] += w * int32(row[k+3])
	}
	for ; k < len(row); k++ {
		v[k] += w * int32(row[k])
	}
}

// appendVector appends the vector of a passage with the given distinct
// term numbers, each occurring tfs[tid] times, to dst: the mean of its
// terms' word vectors, each weighted by how rare the word is in English
// (the most common words say little about a passage), scaled to int8.
func (ix *Index) appendVector(dst []int8, tids, tfs []uint32) []int8 {
	lx := ix.lex
	d := lx.dims
	if d == 0 {
		return dst
	}
	if len(ix.tlex) < len(ix.terms) {
		ix.fillTermLexicon()
	}
	if cap(ix.vbuf) < d {
		ix.vbuf = make([]int32, d)
	}
	v := ix.vbuf[:d]
	clear(v)
	known := false
	for _, tid := range tids {
		li := ix.tlex[tid]
		if li < 0 {
			continue
		}
		lx.accumulate(v, li, int(tfs[tid])) // integer sums: any order
		known = true
	}
	return appendQuantised(dst, v, known)
}

// fillTermLexicon maps every term number to its lexicon stem.
func (ix *Index) fillTermLexicon() {
	tl := make([]int32, len(ix.terms))
	for i := range tl {
		tl[i] = -1
	}
	ix.dict.each(func(t string, tid uint32) {
		if i, ok := ix.lex.id(t); ok {
			tl[tid] = i
		}
	})
	ix.tlex = tl
}

// appendQuantised appends v scaled to int8 (by its largest component).
func appendQuantised(dst []int8, v []int32, nonzero bool) []int8 {
	var m int64
	if nonzero {
		for _, x := range v {
			m = max(m, int64(x), -int64(x))
		}
	}
	for _, x := range v {
		q := int8(0)
		if m > 0 {
			q = int8((int64(x)*127*2 + m*sign(x)) / (2 * m)) // rounded
		}
		dst = append(dst, q)
	}
	return dst
}

func sign(x int32) int64 {
	if x < 0 {
		return -1
	}
	return 1
}

// inFile reports whether b lies in the persisted form the index was
// opened over (a memory-mapped file), where it cannot grow.
func (ix *Index) inFile(b []byte) bool {
	if len(ix.data) == 0 || len(b) == 0 {
		return false
	}
	p, lo := uintptr(unsafe.Pointer(&b[0])), uintptr(unsafe.Pointer(&ix.data[0]))
	return p >= lo && p < lo+uintptr(len(ix.data))
}

// add appends a posting; inFile says post lies in a mapped file (see more).
func (t *termInfo) add(slot, tf uint32, inFile bool) {
	gap := slot
	if t.size() > 0 {
		gap = slot - t.last
	}
	v := uint64(gap) << 1
	if tf > 1 {
		v |= 1
	}
	dst := &t.post
	if len(t.more) > 0 || inFile {
		dst = &t.more
	}
	*dst = appendUvarint(*dst, v)
	if tf > 1 {
		*dst = appendUvarint(*dst, uint64(tf))
	}
	t.last = slot
	t.df++
}

// addBuilt is add for a term of an index not opened from a file (whose
// postings all lie in post): a posting is mostly one byte, appended here
// without a call.
func (t *termInfo) addBuilt(slot, tf uint32) {
	gap := slot
	if len(t.post) > 0 {
		gap = slot - t.last
	}
	t.last = slot
	t.df++
	if tf == 1 && gap < 0x40 {
		t.post = append(t.post, byte(gap<<1))
		return
	}
	v := uint64(gap) << 1
	if tf > 1 {
		v |= 1
	}
	t.post = appendUvarint(t.post, v)
	if tf > 1 {
		t.post = appendUvarint(t.post, uint64(tf))
	}
}

func appendUvarint(b []byte, v uint64) []byte {
	for v >= 0x80 {
		b = append(b, byte(v)|0x80)
		v >>= 7
	}
	return append(b, byte(v))
}

// Remove removes passage id, given the terms it was added with, so that the
// statistics stay exact, and reports whether it did: removing an unknown or
// removed id does nothing. When removed passages reach a quarter of the
// index, Remove compacts it.
func (ix *Index) Remove(id uint32, terms []string) bool {
	slot, ok := ix.slotOf(id)
	if !ok || ix.isDead(slot) {
		return false
	}
	ix.dead[slot/64] |= 1 << (slot % 64)
	ix.live--
	ix.totalLen -= uint64(ix.lens[slot])
	tids := ix.addBuf[:0]
	for _, t := range terms {
		if tid, ok := ix.dict.lookupWriting(t); ok {
			tids = append(tids, tid)
		}
	}
	slices.Sort(tids)
	tids = slices.Compact(tids)
	for _, tid := range tids {
		if ix.terms[tid].df > 0 {
			ix.terms[tid].df--
		}
	}
	ix.addBuf = tids
	ix.compactDue()
	return true
}

// compactDue compacts the index when removed passages are a quarter of it
// (at least compactMin), and reports whether it did.
func (ix *Index) compactDue() bool {
	if dead := len(ix.ids) - ix.live; dead >= compactMin && dead*4 >= len(ix.ids) {
		ix.Compact()
		return true
	}
	return false
}

// compactMin is the fewest removed passages worth an automatic Compact.
const compactMin = 1024

func (ix *Index) slotOf(id uint32) (uint32, bool) {
	i, ok := slices.BinarySearch(ix.ids, id)
	return uint32(i), ok
}

func (ix *Index) isDead(slot uint32) bool {
	return ix.dead[slot/64]&(1<<(slot%64)) != 0
}

// Compact drops removed passages from the postings and terms no live
// passage uses, reclaiming their memory, and sets each term's document
// frequency from its live postings. Results are unchanged.
func (ix *Index) Compact() {
	if ix.live == len(ix.ids) {
		return
	}
	newSlot := make([]uint32, len(ix.ids))
	var ids, gslot, lens, gids []uint32
	vecs := vectors{dims: ix.vecs.dims}
	gmap := make(map[uint32]uint32)
	for s := range ix.ids {
		if ix.isDead(uint32(s)) {
			continue
		}
		newSlot[s] = uint32(len(ids))
		ids = append(ids, ix.ids[s])
		group := ix.gids[ix.gslot[s]]
		g, ok := gmap[group]
		if !ok {
			g = uint32(len(gids))
			gmap[group] = g
			gids = append(gids, group)
		}
		gslot = append(gslot, g)
		lens = append(lens, ix.lens[s])
		vecs.push(ix.vector(uint32(s)))
	}
	dict := termDict{extra: make(map[string]uint32, ix.dict.len())}
	terms := make([]termInfo, 0, len(ix.terms))
	ix.dict.each(func(term string, tid uint32) {
		old := &ix.terms[tid]
		var nt termInfo
		it := postingIter{b: old.post, more: old.more, lim: uint32(len(ix.ids))}
		for it.next() {
			if !ix.isDead(it.slot) {
				nt.add(newSlot[it.slot], it.tf, false)
			}
		}
		// Counted from the postings, not old.df: a log replay compacting
		// part way through a run of removals has not brought df up to
		// date yet (see removeCounted).
		if nt.df == 0 {
			return
		}
		nt.post = slices.Clip(nt.post)
		dict.extra[strings.Clone(term)] = uint32(len(terms))
		terms = append(terms, nt)
	})
	ix.ids, ix.gslot, ix.lens, ix.vecs = ids, gslot, lens, vecs
	ix.tlex = nil // term numbers changed
	ix.codes = lenCodes(lens)
	ix.gids, ix.gmap = gids, gmap
	ix.dead = make([]uint64, (len(ids)+63)/64)
	ix.dict, ix.terms = dict, terms
	ix.prune.reset()
}

// Passage lengths are kept exactly in lens, and as a one-byte code for
// BM25's length normalisation: exact below codeExact terms, then in 8% steps.
const codeExact = 160

func lenCode(l uint32) uint8 {
	if l < codeExact {
		return uint8(l)
	}
	c := codeExact + int(math.Log(float64(l)/codeExact)/math.Log(1.08))
	return uint8(min(c, 255))
}

// codeLen is the length a code stands for.
func codeLen(c uint8) float64 {
	if c < codeExact {
		return float64(c)
	}
	return codeExact * math.Pow(1.08, float64(c-codeExact)+0.5)
}

func lenCodes(lens []uint32) []uint8 {
	out := make([]uint8, len(lens))
	for i, l := range lens {
		out[i] = lenCode(l)
	}
	return out
}

// postingIter decodes a postings byte string (b, then more), stopping at
// a slot at or beyond lim (possible only in a damaged index).
type postingIter struct {
	b    []byte
	more []byte
	lim  uint32
	i    int
	slot uint32
	tf   uint32
	n    int
}

func (it *postingIter) next() bool {
	if it.i >= len(it.b) && len(it.more) > 0 {
		it.b, it.more, it.i = it.more, nil, 0
	}
	if it.i >= len(it.b) {
		return false
	}
	v := it.uvarint()
	gap := uint32(v >> 1)
	if it.n == 0 {
		it.slot = gap
	} else {
		it.slot += gap
	}
	if it.slot >= it.lim || (it.n > 0 && gap == 0) {
		it.i = len(it.b)
		return false
	}
	it.n++
	it.tf = 1
	if v&1 != 0 {
		it.tf = uint32(it.uvarint())
	}
	return true
}

func (it *postingIter) uvarint() uint64 {
	var v uint64
	var shift uint
	for it.i < len(it.b) {
		c := it.b[it.i]
		it.i++
		v |= uint64(c&0x7f) << shift
		if c < 0x80 {
			return v
		}
		shift += 7
	}
	return v
}

// nextPosting decodes the posting at b[i] (uvarint(gap<<1 | tf>1), then
// uvarint(tf) when tf > 1): its slot gap from the previous posting, its
// term frequency, and where the next posting starts; tf is 0 when b ends
// where the frequency should be. It is too large to be inlined, so the
// scoring loops decode the common one-byte posting (b[i]&0x81 == 0: gap
// b[i]>>1, tf 1) themselves and call it for the rest.
func nextPosting(b []byte, i int) (gap, tf uint32, next int) {
	v, i := uvarint32(b, i)
	if v&1 == 0 {
		return v >> 1, 1, i
	}
	if i >= len(b) {
		return v >> 1, 0, i
	}
	tf, i = uvarint32(b, i)
	return v >> 1, tf, i
}

// uvarint32 decodes the uvarint at b[i] (b[i] must exist); a uvarint cut
// short by the end of b keeps the bits read.
func uvarint32(b []byte, i int) (uint32, int) {
	v := uint32(b[i])
	i++
	if v < 0x80 {
		return v, i
	}
	v &= 0x7f
	for shift := uint(7); i < len(b); shift += 7 {
		x := b[i]
		i++
		v |= uint32(x&0x7f) << shift
		if x < 0x80 {
			break
		}
	}
	return v, i
}
