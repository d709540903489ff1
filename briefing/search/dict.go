package search

import "strings"

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
// memoised in found. It must not run concurrently with anything.
func (d *termDict) lookupWriting(t string) (uint32, bool) {
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
