package search

import (
	"math"
	"strings"
	"unsafe"
)

// termDict maps terms to term numbers. A reopened index keeps its terms
// where they lie: base holds their names concatenated in sorted order (term
// number i ends at ends[i]), found by binary search, so opening does not
// build a map of every term. Terms added later go to extra.
type termDict struct {
	base  string
	ends  []uint32
	extra map[string]uint32
	// found memoises base terms found by lookupWriting: replaying a log
	// looks up the same common terms again and again, and each binary
	// search compares some 20 strings. Only writers (Add, Remove), which
	// never run beside a reader, touch it.
	found map[string]uint32
	// ptrs memoises term numbers by the address of the term's bytes, in
	// front of everything else lookupWriting does: an index build is
	// given the same few thousand strings (an Analyzer's, the shared
	// memo's) again and again, and finding a term here costs one load
	// where the map hashes its bytes and probes. Writers only, as found.
	ptrs     []termPtr
	ptrShift uint8 // 64 - log2(len(ptrs))
}

// termPtr is a slot of termDict.ptrs: term number tid for the string of
// n bytes at p. Equal address and length mean equal strings: strings do
// not change, and p keeps the bytes from being freed and reused.
type termPtr struct {
	p   *byte
	n   uint32
	tid uint32
}

// minPtrSlots and maxPtrSlots bound termDict.ptrs (16 bytes a slot): at
// most 1 MiB, where the terms of most passages are common ones found in
// the cache.
const (
	minPtrSlots = 1 << 10
	maxPtrSlots = 1 << 16
	ptrMul      = 0x9e3779b97f4a7c15 // spreads addresses over the slots (Fibonacci hashing)
)

// ptrSlot returns the slot of ptrs for t (not empty), making ptrs when
// there is none; ok is false for a string too long to be memoised.
func (d *termDict) ptrSlot(t string) (m *termPtr, ok bool) {
	if uint64(len(t)) > math.MaxUint32 {
		return nil, false
	}
	if len(d.ptrs) == 0 {
		n := minPtrSlots
		for n < maxPtrSlots && d.len() > n/2 {
			n *= 4
		}
		d.growPtrs(n)
	}
	h := uint64(uintptr(unsafe.Pointer(unsafe.StringData(t)))) * ptrMul
	return &d.ptrs[h>>d.ptrShift], true
}

// growPtrs replaces ptrs by an empty memo of n slots (a power of 2).
func (d *termDict) growPtrs(n int) {
	d.ptrs = make([]termPtr, n)
	d.ptrShift = 64
	for ; n > 1; n >>= 1 {
		d.ptrShift--
	}
}

func newTermDict() termDict { return termDict{extra: make(map[string]uint32)} }

// baseName returns the name of base term i.
func (d *termDict) baseName(i int) string {
	start := uint32(0)
	if i > 0 {
		start = d.ends[i-1]
	}
	return d.base[start:d.ends[i]]
}

// lookup returns t's term number.
func (d *termDict) lookup(t string) (uint32, bool) {
	lo, hi := 0, len(d.ends)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		switch c := strings.Compare(d.baseName(m), t); {
		case c == 0:
			return uint32(m), true
		case c < 0:
			lo = m + 1
		default:
			hi = m
		}
	}
	tid, ok := d.extra[t]
	return tid, ok
}

// lookupWriting is lookup for writers (Add, Remove): base terms found are
// memoised in found, and every term found in ptrs. It must not run
// concurrently with anything.
func (d *termDict) lookupWriting(t string) (uint32, bool) {
	if tid, ok := d.cached(t); ok {
		return tid, true
	}
	return d.lookupMemo(t)
}

// cached returns t's term number from ptrs, if there: lookupWriting's
// common case, small enough to be inlined.
func (d *termDict) cached(t string) (uint32, bool) {
	if len(d.ptrs) == 0 {
		return 0, false
	}
	p := unsafe.StringData(t)
	m := &d.ptrs[(uint64(uintptr(unsafe.Pointer(p)))*ptrMul)>>d.ptrShift]
	if m.p == p && int(m.n) == len(t) && p != nil {
		return m.tid, true
	}
	return 0, false
}

// lookupMemo is lookupWriting for a term not in ptrs: it puts it there.
func (d *termDict) lookupMemo(t string) (uint32, bool) {
	if len(t) == 0 {
		return d.lookupFound(t)
	}
	m, memo := d.ptrSlot(t)
	tid, ok := d.lookupFound(t)
	if ok && memo {
		*m = termPtr{p: unsafe.StringData(t), n: uint32(len(t)), tid: tid}
	}
	return tid, ok
}

// lookupFound is lookupWriting without the memo by address.
func (d *termDict) lookupFound(t string) (uint32, bool) {
	if len(d.ends) == 0 {
		return d.lookup(t)
	}
	if tid, ok := d.found[t]; ok {
		return tid, true
	}
	tid, ok := d.lookup(t)
	if ok && int(tid) < len(d.ends) {
		if d.found == nil {
			d.found = make(map[string]uint32)
		}
		d.found[t] = tid
	}
	return tid, ok
}

// add records t (not yet known) as term number tid.
func (d *termDict) add(t string, tid uint32) {
	if d.extra == nil {
		d.extra = make(map[string]uint32)
	}
	d.extra[t] = tid
	if len(d.ptrs) > 0 && len(d.ptrs) < maxPtrSlots && d.len() > len(d.ptrs)/2 {
		d.growPtrs(min(maxPtrSlots, 4*len(d.ptrs)))
	}
	if len(t) > 0 {
		if m, ok := d.ptrSlot(t); ok {
			*m = termPtr{p: unsafe.StringData(t), n: uint32(len(t)), tid: tid}
		}
	}
}

// len returns the number of terms.
func (d *termDict) len() int { return len(d.ends) + len(d.extra) }

// each calls fn for every term: base terms in sorted order, then the rest
// in no particular order. A base name may point into a mapped file: fn
// must clone it to keep it beyond the index's life.
func (d *termDict) each(fn func(t string, tid uint32)) {
	for i := range d.ends {
		fn(d.baseName(i), uint32(i))
	}
	for t, tid := range d.extra {
		fn(t, tid)
	}
}
