package search

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"slices"
	"strings"
	"unsafe"
)

// logPacked marks a format-2 record in its frame's length.
const logPacked = 1 << 31

// LogEncoder appends format-2 log records (see the log's format above),
// reusing its buffers from one record to the next. Not safe for concurrent
// use.
type LogEncoder struct {
	lex   *Lexicon
	pv    *PassageVectors // for adds without a vector; made when first needed
	num   map[string]uint32
	names []string
	ents  []logPosting
	spare []logPosting // groupByTerm's output, swapped with ents
	start []uint32     // groupByTerm's counts, then each term's next slot
	tmp   []uint32
	post  []byte
	cnt   []uint32 // per record term: removed passages using it
	// termLists writes removals with each passage's terms (run kind 1),
	// as versions before counted removals did; tests use it.
	termLists bool
}

// logPosting is one posting of an add run: term index, local slot, tf.
type logPosting struct{ term, local, tf uint32 }

// NewLogEncoder returns an encoder for records of indexes over the
// embedded lexicon (the one every Index uses).
func NewLogEncoder() *LogEncoder {
	return &LogEncoder{lex: builtinLexicon(), num: make(map[string]uint32)}
}

// Append appends rec, framed, in format 2 to dst. An add whose Vec is not
// of the lexicon's length has its vector computed.
func (e *LogEncoder) Append(dst []byte, rec LogRecord) []byte {
	start := len(dst)
	dst = append(dst, make([]byte, logFrame)...)
	dims := e.lex.dims
	dst = binary.AppendUvarint(dst, rec.Seq)
	dst = binary.AppendUvarint(dst, uint64(dims))

	clear(e.num)
	e.names = e.names[:0]
	for _, op := range rec.Ops {
		for _, t := range op.Terms {
			if _, ok := e.num[t]; !ok {
				e.num[t] = 0
				e.names = append(e.names, t)
			}
		}
	}
	slices.Sort(e.names)
	dst = binary.AppendUvarint(dst, uint64(len(e.names)))
	for i, t := range e.names {
		e.num[t] = uint32(i)
		dst = binary.AppendUvarint(dst, uint64(len(t)))
		dst = append(dst, t...)
	}

	runs := 0
	for i := range rec.Ops {
		if i == 0 || rec.Ops[i].Remove != rec.Ops[i-1].Remove {
			runs++
		}
	}
	dst = binary.AppendUvarint(dst, uint64(runs))
	for lo := 0; lo < len(rec.Ops); {
		hi := lo + 1
		for hi < len(rec.Ops) && rec.Ops[hi].Remove == rec.Ops[lo].Remove {
			hi++
		}
		if rec.Ops[lo].Remove && e.termLists {
			dst = append(dst, 1)
			dst = e.appendRemoves(dst, rec.Ops[lo:hi])
		} else if rec.Ops[lo].Remove {
			dst = append(dst, 2)
			dst = e.appendCounted(dst, rec.Ops[lo:hi])
		} else {
			dst = append(dst, 0)
			dst = e.appendAdds(dst, rec.Ops[lo:hi], dims)
		}
		lo = hi
	}

	payload := dst[start+logFrame:]
	binary.LittleEndian.PutUint32(dst[start:], uint32(len(payload))|logPacked)
	binary.LittleEndian.PutUint32(dst[start+4:], crc32.Checksum(payload, castagnoli))
	return dst
}

// groupByTerm orders e.ents by term, each term's postings staying in
// local slot order: a counting sort over the record's term indexes.
func (e *LogEncoder) groupByTerm() {
	n := len(e.names)
	e.start = slices.Grow(e.start[:0], n+1)[:n+1]
	clear(e.start)
	for _, p := range e.ents {
		e.start[p.term+1]++
	}
	for i := 1; i <= n; i++ {
		e.start[i] += e.start[i-1]
	}
	e.spare = slices.Grow(e.spare[:0], len(e.ents))[:len(e.ents)]
	for _, p := range e.ents {
		e.spare[e.start[p.term]] = p
		e.start[p.term]++
	}
	e.ents, e.spare = e.spare, e.ents
}

// termIndexes sets e.tmp to the record's indexes of terms, sorted, one a
// term occurrence.
func (e *LogEncoder) termIndexes(terms []string) []uint32 {
	e.tmp = e.tmp[:0]
	for _, t := range terms {
		e.tmp = append(e.tmp, e.num[t])
	}
	slices.Sort(e.tmp)
	return e.tmp
}

func (e *LogEncoder) appendAdds(dst []byte, ops []LogOp, dims int) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(ops)))
	var prev uint32
	for i, op := range ops {
		d := op.ID
		if i > 0 {
			d = op.ID - prev
		}
		prev = op.ID
		dst = binary.AppendUvarint(dst, uint64(d))
		dst = binary.AppendUvarint(dst, uint64(op.Group))
	}
	for _, op := range ops {
		if len(op.Vec) == dims {
			for _, x := range op.Vec {
				dst = append(dst, byte(x))
			}
			continue
		}
		if e.pv == nil {
			e.pv = &PassageVectors{lex: e.lex, tf: make([]uint32, e.lex.Len())}
		}
		start := len(dst)
		v := e.pv.Append(nil, op.Terms)
		dst = append(dst, make([]byte, dims)...)
		for k, x := range v {
			dst[start+k] = byte(x)
		}
	}
	e.ents = e.ents[:0]
	for local, op := range ops {
		idx := e.termIndexes(op.Terms)
		for i := 0; i < len(idx); {
			j := i + 1
			for j < len(idx) && idx[j] == idx[i] {
				j++
			}
			e.ents = append(e.ents, logPosting{term: idx[i], local: uint32(local), tf: uint32(j - i)})
			i = j
		}
	}
	e.groupByTerm()
	terms := 0
	for i := range e.ents {
		if i == 0 || e.ents[i].term != e.ents[i-1].term {
			terms++
		}
	}
	dst = binary.AppendUvarint(dst, uint64(terms))
	var prevTerm uint32
	for i := 0; i < len(e.ents); {
		term := e.ents[i].term
		d := term
		if i > 0 {
			d = term - prevTerm
		}
		prevTerm = term
		e.post = e.post[:0]
		var last uint32
		j := i
		for ; j < len(e.ents) && e.ents[j].term == term; j++ {
			p := e.ents[j]
			gap := p.local - last
			last = p.local
			v := uint64(gap) << 1
			if p.tf > 1 {
				v |= 1
			}
			e.post = appendUvarint(e.post, v)
			if p.tf > 1 {
				e.post = appendUvarint(e.post, uint64(p.tf))
			}
		}
		dst = binary.AppendUvarint(dst, uint64(d))
		dst = binary.AppendUvarint(dst, uint64(len(e.post)))
		dst = append(dst, e.post...)
		i = j
	}
	return dst
}

func (e *LogEncoder) appendRemoves(dst []byte, ops []LogOp) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(ops)))
	for _, op := range ops {
		dst = binary.AppendUvarint(dst, uint64(op.ID))
		idx := slices.Compact(e.termIndexes(op.Terms))
		dst = binary.AppendUvarint(dst, uint64(len(idx)))
		for i, t := range idx {
			d := t
			if i > 0 {
				d = t - idx[i-1]
			}
			dst = binary.AppendUvarint(dst, uint64(d))
		}
	}
	return dst
}

// appendCounted appends a run of removals as their ids and, per term,
// how many of the passages use it: what Apply needs to keep the document
// frequencies exact, in far fewer bytes than each passage's terms.
func (e *LogEncoder) appendCounted(dst []byte, ops []LogOp) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(ops)))
	var prev int64
	for _, op := range ops {
		d := int64(op.ID) - prev
		prev = int64(op.ID)
		dst = binary.AppendUvarint(dst, uint64(d<<1^d>>63)) // zigzag
	}
	e.cnt = slices.Grow(e.cnt[:0], len(e.names))[:len(e.names)]
	clear(e.cnt)
	for _, op := range ops {
		idx := slices.Compact(e.termIndexes(op.Terms))
		for _, t := range idx {
			e.cnt[t]++
		}
	}
	terms := 0
	for _, c := range e.cnt {
		if c > 0 {
			terms++
		}
	}
	dst = binary.AppendUvarint(dst, uint64(terms))
	last := -1
	for t, c := range e.cnt {
		if c == 0 {
			continue
		}
		d := t
		if last >= 0 {
			d = t - last
		}
		last = t
		dst = binary.AppendUvarint(dst, uint64(d))
		dst = binary.AppendUvarint(dst, uint64(c))
	}
	return dst
}

// packedRecord is a decoded, checked format-2 record.
type packedRecord struct {
	dims  int
	names []string // distinct, increasing
	runs  []packedRun
}

// packedRun is a run of adds or of removals.
type packedRun struct {
	remove bool
	ids    []uint32
	// adds
	groups []uint32
	lens   []uint32
	vecs   []byte // len(ids) × dims
	terms  []runTerm
	// removals (kind 1): removal i's distinct term indexes are
	// rterms[rends[i-1]:rends[i]] (from 0 for the first)
	rterms []uint32
	rends  []uint32
	// counted removals (kind 2; rends is nil): rterms are the distinct
	// terms of the removed passages, rcounts how many of them use each
	counted bool
	rcounts []uint32
}

// runTerm is one term's postings in an add run.
type runTerm struct {
	name uint32 // index into names
	n    uint32 // postings
	last uint32 // local slot of the last posting
	post []byte // postings over local slots: the first gap is the slot
}

// decodePacked decodes and checks a format-2 payload: every length, index
// and posting in range and in order, so that Apply cannot fail on it
// beyond the checks it makes against the index.
func decodePacked(p []byte) (*packedRecord, uint64, error) {
	d := logDecoder{b: p}
	seq := d.uvarint()
	dims := d.uvarint()
	if dims > maxDims {
		return nil, 0, errTorn
	}
	pr := &packedRecord{dims: int(dims)}
	nt := d.count()
	if d.err != nil {
		return nil, 0, errTorn
	}
	// The names, copied into one buffer (ends[i] ends name i).
	buf := make([]byte, 0, len(p))
	ends := make([]int, 0, nt)
	prev := 0
	for i := range nt {
		l := d.count()
		if d.err != nil {
			return nil, 0, errTorn
		}
		start := len(buf)
		buf = append(buf, d.b[d.i:d.i+l]...)
		d.i += l
		if i > 0 && string(buf[prev:start]) >= string(buf[start:]) {
			return nil, 0, errTorn
		}
		ends = append(ends, len(buf))
		prev = start
	}
	all := unsafe.String(unsafe.SliceData(buf), len(buf)) // buf is not written again
	pr.names = make([]string, nt)
	from := 0
	for i, end := range ends {
		pr.names[i] = all[from:end]
		from = end
	}

	nruns := d.count()
	if d.err != nil {
		return nil, 0, errTorn
	}
	pr.runs = make([]packedRun, 0, nruns)
	for range nruns {
		var r packedRun
		var err error
		switch d.byte() {
		case 0:
			err = r.decodeAdds(&d, pr)
		case 1:
			r.remove = true
			err = r.decodeRemoves(&d, pr)
		case 2:
			r.remove, r.counted = true, true
			err = r.decodeCounted(&d, pr)
		default:
			err = errTorn
		}
		if err != nil || d.err != nil {
			return nil, 0, errTorn
		}
		pr.runs = append(pr.runs, r)
	}
	if d.err != nil || d.i != len(d.b) {
		return nil, 0, errTorn
	}
	return pr, seq, nil
}

// termIndex reads a term index given as an increase over prev (absolute
// for the first, i == 0), checking that it increases and is in range.
func (d *logDecoder) termIndex(i int, prev uint32, names int) uint32 {
	v := d.uvarint()
	if i > 0 {
		if v == 0 {
			d.err = errTorn
			return 0
		}
		v += uint64(prev)
	}
	if v >= uint64(names) {
		d.err = errTorn
		return 0
	}
	return uint32(v)
}

func (r *packedRun) decodeAdds(d *logDecoder, pr *packedRecord) error {
	n := d.count()
	if d.err != nil || n == 0 {
		return errTorn
	}
	r.ids = make([]uint32, n)
	r.groups = make([]uint32, n)
	r.lens = make([]uint32, n)
	for i := range n {
		v := d.uvarint()
		if i > 0 {
			if v == 0 {
				return errTorn
			}
			v += uint64(r.ids[i-1])
		}
		if v > 1<<32-1 {
			return errTorn
		}
		r.ids[i] = uint32(v)
		r.groups[i] = d.u32()
	}
	size := n * pr.dims
	if d.err != nil || size > len(d.b)-d.i {
		return errTorn
	}
	r.vecs = d.b[d.i : d.i+size : d.i+size]
	d.i += size
	nt := d.count()
	if d.err != nil {
		return errTorn
	}
	r.terms = make([]runTerm, 0, nt)
	lens := make([]uint64, n)
	var prev uint32
	for i := range nt {
		t := runTerm{name: d.termIndex(i, prev, len(pr.names))}
		prev = t.name
		l := d.count()
		if d.err != nil || l == 0 {
			return errTorn
		}
		t.post = d.b[d.i : d.i+l : d.i+l]
		d.i += l
		var slot uint64
		for k := 0; k < len(t.post); {
			var v uint64
			if c := t.post[k]; c < 0x80 {
				v = uint64(c)
				k++
			} else {
				var m int
				v, m = binary.Uvarint(t.post[k:])
				if m <= 0 {
					return errTorn
				}
				k += m
			}
			gap := v >> 1
			if t.n > 0 && gap == 0 {
				return errTorn
			}
			slot += gap
			if slot >= uint64(n) {
				return errTorn
			}
			tf := uint64(1)
			if v&1 != 0 {
				var m int
				tf, m = binary.Uvarint(t.post[k:])
				if m <= 0 || tf < 2 || tf > 1<<32-1 {
					return errTorn
				}
				k += m
			}
			lens[slot] += tf
			t.n++
		}
		t.last = uint32(slot)
		r.terms = append(r.terms, t)
	}
	for i, l := range lens {
		if l > 1<<32-1 {
			return errTorn
		}
		r.lens[i] = uint32(l)
	}
	return nil
}

func (r *packedRun) decodeRemoves(d *logDecoder, pr *packedRecord) error {
	n := d.count()
	if d.err != nil || n == 0 {
		return errTorn
	}
	r.ids = make([]uint32, n)
	r.rends = make([]uint32, n)
	for i := range n {
		r.ids[i] = d.u32()
		k := d.count()
		if d.err != nil {
			return errTorn
		}
		var prev uint32
		for j := range k {
			prev = d.termIndex(j, prev, len(pr.names))
			r.rterms = append(r.rterms, prev)
		}
		if d.err != nil {
			return errTorn
		}
		r.rends[i] = uint32(len(r.rterms))
	}
	return nil
}

func (r *packedRun) decodeCounted(d *logDecoder, pr *packedRecord) error {
	n := d.count()
	if d.err != nil || n == 0 {
		return errTorn
	}
	r.ids = make([]uint32, n)
	var prev int64
	for i := range n {
		v := d.uvarint()
		if v > 1<<34 {
			return errTorn
		}
		id := prev + (int64(v>>1) ^ -int64(v&1))
		if id < 0 || id > 1<<32-1 {
			return errTorn
		}
		r.ids[i], prev = uint32(id), id
	}
	m := d.count()
	if d.err != nil {
		return errTorn
	}
	r.rterms = make([]uint32, m)
	r.rcounts = make([]uint32, m)
	var t uint32
	for j := range m {
		t = d.termIndex(j, t, len(pr.names))
		c := d.uvarint()
		if d.err != nil || c == 0 || c > uint64(n) {
			return errTorn
		}
		r.rterms[j], r.rcounts[j] = t, uint32(c)
	}
	return nil
}

// applyPacked applies a format-2 record (see Apply).
func (ix *Index) applyPacked(seq uint64, pr *packedRecord) error {
	var last uint32
	if n := len(ix.ids); n > 0 {
		last = ix.ids[n-1]
	}
	have := len(ix.ids) > 0
	adds := false
	for i := range pr.runs {
		r := &pr.runs[i]
		if r.remove {
			continue
		}
		adds = true
		if have && r.ids[0] <= last {
			return fmt.Errorf("search: apply log record %d: passage %d after %d: %w", seq, r.ids[0], last, ErrFormat)
		}
		last, have = r.ids[len(r.ids)-1], true
	}
	if adds && pr.dims != ix.lex.dims {
		return fmt.Errorf("search: apply log record %d: passage vectors of %d dimensions: %w", seq, pr.dims, ErrFormat)
	}
	tids := ix.resolveSorted(pr.names, nil)
	for i := range pr.runs {
		r := &pr.runs[i]
		if r.counted {
			var err error
			if tids, err = ix.removeCounted(r, pr.names, tids); err != nil {
				return fmt.Errorf("search: apply log record %d: %w", seq, err)
			}
			continue
		}
		if r.remove {
			tids = ix.removeRun(r, pr.names, tids)
			continue
		}
		ix.addRun(r, pr, tids)
	}
	return nil
}

// resolveSorted returns (in out, reused) the term number of each of names
// (distinct, increasing), -1 for a term the index does not have. Base
// terms are found in one pass over the sorted term table, galloping from
// one name to the next.
func (ix *Index) resolveSorted(names []string, out []int32) []int32 {
	out = slices.Grow(out[:0], len(names))[:len(names)]
	d := &ix.dict
	n := len(d.ends)
	lo := 0
	for i, t := range names {
		// The first base name >= t lies in [lo, hi].
		hi, step := lo, 1
		for hi < n && d.baseName(hi) < t {
			lo = hi + 1
			hi = lo + step
			step <<= 1
		}
		hi = min(hi, n)
		for lo < hi {
			m := int(uint(lo+hi) >> 1)
			if d.baseName(m) < t {
				lo = m + 1
			} else {
				hi = m
			}
		}
		if lo < n && d.baseName(lo) == t {
			out[i] = int32(lo)
			continue
		}
		if tid, ok := d.extra[t]; ok {
			out[i] = int32(tid)
		} else {
			out[i] = -1
		}
	}
	return out
}

// addRun adds a run's passages, appending each term's postings whole.
// Term numbers of terms new to the index are set in tids.
func (ix *Index) addRun(r *packedRun, pr *packedRecord, tids []int32) {
	base := uint32(len(ix.ids))
	dims := ix.lex.dims
	ix.ids = append(ix.ids, r.ids...)
	for i, group := range r.groups {
		ix.gslot = append(ix.gslot, ix.groupOf(group))
		l := r.lens[i]
		ix.lens = append(ix.lens, l)
		ix.codes = append(ix.codes, lenCode(l))
		ix.totalLen += uint64(l)
		if dims > 0 {
			ix.vecs.dims = dims
			v := r.vecs[i*dims : (i+1)*dims]
			ix.vecs.push(int8s(v))
		}
	}
	ix.live += len(r.ids)
	for want := (len(ix.ids) + 63) / 64; len(ix.dead) < want; {
		ix.dead = append(ix.dead, 0)
	}
	for _, rt := range r.terms {
		tid := tids[rt.name]
		if tid < 0 {
			tid = int32(len(ix.terms))
			ix.dict.add(strings.Clone(pr.names[rt.name]), uint32(tid))
			ix.terms = append(ix.terms, termInfo{})
			tids[rt.name] = tid
		}
		t := &ix.terms[tid]
		v, k := binary.Uvarint(rt.post) // checked by ReadLog
		slot := base + uint32(v>>1)
		gap := slot
		if t.size() > 0 {
			gap = slot - t.last
		}
		dst := &t.post
		if len(t.more) > 0 || ix.inFile(t.post) {
			dst = &t.more
		}
		*dst = appendUvarint(*dst, uint64(gap)<<1|v&1)
		*dst = append(*dst, rt.post[k:]...)
		t.last = base + rt.last
		t.df += rt.n
	}
}

// removeRun removes a run's passages as Remove does. A removal that
// compacts the index renumbers its terms: it returns tids resolved again.
func (ix *Index) removeRun(r *packedRun, names []string, tids []int32) []int32 {
	var from uint32
	for i, id := range r.ids {
		terms := r.rterms[from:r.rends[i]]
		from = r.rends[i]
		slot, ok := ix.slotOf(id)
		if !ok || ix.isDead(slot) {
			continue
		}
		ix.dead[slot/64] |= 1 << (slot % 64)
		ix.live--
		ix.totalLen -= uint64(ix.lens[slot])
		for _, s := range terms {
			if tid := tids[s]; tid >= 0 && ix.terms[tid].df > 0 {
				ix.terms[tid].df--
			}
		}
		if dead := len(ix.ids) - ix.live; dead >= compactMin && dead*4 >= len(ix.ids) {
			ix.Compact()
			tids = ix.resolveSorted(names, tids)
		}
	}
	return tids
}

// removeCounted removes a run of counted removals, leaving the index as
// Remove called on each passage in turn would: live, lengths and document
// frequencies exact, compacted at the removal that makes the removed
// passages a quarter of it. It refuses the run (an error, the index
// unchanged) unless each passage is live and named once and each term's
// count is within its document frequency: the record was written for
// another index. A run that compacts returns tids resolved again.
func (ix *Index) removeCounted(r *packedRun, names []string, tids []int32) ([]int32, error) {
	slots := make([]uint32, len(r.ids))
	undo := func(k int) {
		for _, s := range slots[:k] {
			ix.dead[s/64] &^= 1 << (s % 64)
		}
	}
	next := uint32(0) // after the slot before: an article's passages are removed in order
	for i, id := range r.ids {
		slot, ok := next, int(next) < len(ix.ids) && ix.ids[next] == id
		if !ok {
			slot, ok = ix.slotOf(id)
		}
		next = slot + 1
		if !ok || ix.isDead(slot) {
			undo(i)
			return tids, fmt.Errorf("removal of passage %d, not in the index: %w", id, ErrFormat)
		}
		ix.dead[slot/64] |= 1 << (slot % 64) // also finds an id named twice
		slots[i] = slot
	}
	for k, s := range r.rterms {
		if tid := tids[s]; tid < 0 || ix.terms[tid].df < r.rcounts[k] {
			undo(len(slots))
			return tids, fmt.Errorf("removal of %d passages using %q, which fewer have: %w", r.rcounts[k], names[s], ErrFormat)
		}
	}
	// Unless the run makes removed passages a quarter of the index, it
	// does not compact it: the counts apply as they are.
	dead := len(ix.ids) - ix.live + len(slots) // after the run
	if dead < compactMin || dead*4 < len(ix.ids) {
		for _, s := range slots {
			ix.totalLen -= uint64(ix.lens[s])
		}
		ix.live -= len(slots)
		for k, s := range r.rterms {
			ix.terms[tids[s]].df -= r.rcounts[k]
		}
		return tids, nil
	}
	// Rare (a quarter of the index removed): the passages up to the one
	// that compacts are removed, the index compacted (setting each term's
	// frequency from its live postings), the rest removed one by one; then
	// the frequencies of the run's terms are counted again.
	undo(len(slots))
	for _, id := range r.ids {
		slot, _ := ix.slotOf(id) // live: checked above
		ix.dead[slot/64] |= 1 << (slot % 64)
		ix.live--
		ix.totalLen -= uint64(ix.lens[slot])
		ix.compactDue()
	}
	tids = ix.resolveSorted(names, tids)
	for _, s := range r.rterms {
		if tid := tids[s]; tid >= 0 {
			ix.recountDF(uint32(tid))
		}
	}
	return tids, nil
}

// recountDF sets term tid's document frequency from its live postings.
func (ix *Index) recountDF(tid uint32) {
	t := &ix.terms[tid]
	it := postingIter{b: t.post, more: t.more, lim: uint32(len(ix.ids))}
	var df uint32
	for it.next() {
		if !ix.isDead(it.slot) {
			df++
		}
	}
	t.df = df
}

// int8s returns b as int8s, where it lies.
func int8s(b []byte) []int8 {
	if len(b) == 0 {
		return nil
	}
	return unsafe.Slice((*int8)(unsafe.Pointer(&b[0])), len(b))
}
