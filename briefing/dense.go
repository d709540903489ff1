package briefing

import (
	"math"
	"runtime"
	"slices"
	"sync"
)

// vectors holds the passages' embedding vectors in memory, compactly: each
// vector normalised to unit length and quantised to int8 (one byte a
// dimension and a float32 scale a passage), scored by brute force. Its
// methods are safe for concurrent use.
type vectors struct {
	mu     sync.RWMutex
	dims   int              // 0 until the first vector
	ids    []uint32         // passage id by slot
	groups []uint32         // article ord by slot
	scale  []float32        // by slot: a code times scale is the unit vector's component
	codes  []int8           // slot*dims ...
	slot   map[uint32]int32 // passage id -> slot
}

func newVectors() *vectors { return &vectors{slot: map[uint32]int32{}} }

// Len returns how many passages have a vector.
func (v *vectors) Len() int {
	v.mu.RLock()
	defer v.mu.RUnlock()
	return len(v.ids)
}

// Dims returns the vectors' length, 0 when there are none yet.
func (v *vectors) Dims() int {
	v.mu.RLock()
	defer v.mu.RUnlock()
	return v.dims
}

// has reports whether passage id has a vector.
func (v *vectors) has(id uint32) bool {
	v.mu.RLock()
	defer v.mu.RUnlock()
	_, ok := v.slot[id]
	return ok
}

// add keeps vec as the vector of passage id of article group. A vector
// whose length is not the others' is refused (false).
func (v *vectors) add(id, group uint32, vec []float32) bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.dims == 0 {
		v.dims = len(vec)
	}
	if len(vec) != v.dims || len(vec) == 0 {
		return false
	}
	if _, ok := v.slot[id]; ok {
		return true
	}
	scale := quantise(vec, func(c int8) { v.codes = append(v.codes, c) })
	v.slot[id] = int32(len(v.ids))
	v.ids = append(v.ids, id)
	v.groups = append(v.groups, group)
	v.scale = append(v.scale, scale)
	return true
}

// quantise emits vec, normalised to unit length, as int8 codes and returns
// their scale (0 for a zero vector: its cosine with anything is 0).
func quantise(vec []float32, emit func(int8)) float32 {
	var n, peak float64
	for _, x := range vec {
		n += float64(x) * float64(x)
	}
	n = math.Sqrt(n)
	for _, x := range vec {
		peak = max(peak, math.Abs(float64(x)))
	}
	if n == 0 || peak == 0 {
		for range vec {
			emit(0)
		}
		return 0
	}
	k := 127 / peak
	for _, x := range vec {
		emit(int8(math.Round(float64(x) * k)))
	}
	return float32(peak / n / 127)
}

// keep drops every vector whose passage live does not report live.
func (v *vectors) keep(live func(id uint32) bool) (dropped int) {
	v.mu.Lock()
	defer v.mu.Unlock()
	w := 0
	for r, id := range v.ids {
		if !live(id) {
			delete(v.slot, id)
			dropped++
			continue
		}
		if w != r {
			v.ids[w], v.groups[w], v.scale[w] = id, v.groups[r], v.scale[r]
			copy(v.codes[w*v.dims:(w+1)*v.dims], v.codes[r*v.dims:(r+1)*v.dims])
			v.slot[id] = int32(w)
		}
		w++
	}
	v.ids, v.groups, v.scale, v.codes = v.ids[:w], v.groups[:w], v.scale[:w], v.codes[:w*v.dims]
	if w == 0 {
		v.dims = 0 // a new model may come with another length
	}
	return dropped
}

// denseHit is a passage and its cosine with a question.
type denseHit struct {
	id, group uint32
	sim       float64
}

// unit returns q normalised to unit length, nil for a zero vector.
func unit(q []float32) []float32 {
	var n float64
	for _, x := range q {
		n += float64(x) * float64(x)
	}
	if n == 0 {
		return nil
	}
	n = math.Sqrt(n)
	out := make([]float32, len(q))
	for i, x := range q {
		out[i] = float32(float64(x) / n)
	}
	return out
}

// top returns the n passages most similar to unit vector q with a cosine
// of at least floor, best first, and the cosines of the passages of ids
// (those with a vector). Large sets are scanned on all cores.
func (v *vectors) top(q []float32, n int, floor float64, ids []uint32) ([]denseHit, map[uint32]float64) {
	v.mu.RLock()
	defer v.mu.RUnlock()
	sims := make(map[uint32]float64, len(ids))
	if len(q) != v.dims || n <= 0 {
		return nil, sims
	}
	qi, qscale := quantiseQuery(q)
	for _, id := range ids {
		if s, ok := v.slot[id]; ok {
			sims[id] = v.cosine(qi, qscale, int(s))
		}
	}
	parts := 1
	if len(v.ids) >= parallelScan {
		parts = runtime.GOMAXPROCS(0)
	}
	found := make([][]denseHit, parts)
	var wg sync.WaitGroup
	per := (len(v.ids) + parts - 1) / parts
	for p := range parts {
		wg.Go(func() {
			found[p] = v.scan(qi, qscale, p*per, min((p+1)*per, len(v.ids)), n, floor)
		})
	}
	wg.Wait()
	var best []denseHit
	for _, f := range found {
		best = append(best, f...)
	}
	slices.SortFunc(best, func(a, b denseHit) int {
		switch {
		case a.sim > b.sim:
			return -1
		case a.sim < b.sim:
			return 1
		}
		return int(a.id) - int(b.id)
	})
	return best[:min(n, len(best))], sims
}

// parallelScan is the number of vectors from which a scan is split over
// the cores.
const parallelScan = 20_000

// scan returns the best n slots of [from, to) at or above floor, best first.
func (v *vectors) scan(qi []int32, qscale float32, from, to, n int, floor float64) []denseHit {
	var best []denseHit // a small sorted list: n is a few dozen
	for s := from; s < to; s++ {
		sim := v.cosine(qi, qscale, s)
		if sim < floor || (len(best) == n && sim <= best[n-1].sim) {
			continue
		}
		h := denseHit{v.ids[s], v.groups[s], sim}
		i, _ := slices.BinarySearchFunc(best, sim, func(a denseHit, t float64) int {
			if a.sim >= t {
				return -1
			}
			return 1
		})
		if len(best) < n {
			best = slices.Insert(best, i, h)
		} else {
			copy(best[i+1:], best[i:n-1])
			best[i] = h
		}
	}
	return best
}

// queryBits is the precision of a quantised question: products with int8
// codes summed over thousands of dimensions stay within an int32.
const queryBits = 12

// quantiseQuery returns unit vector q as integers of queryBits and their
// scale.
func quantiseQuery(q []float32) ([]int32, float32) {
	var peak float64
	for _, x := range q {
		peak = max(peak, math.Abs(float64(x)))
	}
	out := make([]int32, len(q))
	if peak == 0 {
		return out, 0
	}
	k := float64(int(1)<<(queryBits-1)-1) / peak
	for i, x := range q {
		out[i] = int32(math.Round(float64(x) * k))
	}
	return out, float32(1 / k)
}

// cosine is the dot product of the quantised unit question qi (scale
// qscale) with slot s's quantised unit vector.
func (v *vectors) cosine(qi []int32, qscale float32, s int) float64 {
	c := v.codes[s*v.dims : (s+1)*v.dims]
	c = c[:len(qi)]
	var a0, a1, a2, a3 int32
	i := 0
	for ; i+4 <= len(qi); i += 4 {
		a0 += qi[i] * int32(c[i])
		a1 += qi[i+1] * int32(c[i+1])
		a2 += qi[i+2] * int32(c[i+2])
		a3 += qi[i+3] * int32(c[i+3])
	}
	for ; i < len(qi); i++ {
		a0 += qi[i] * int32(c[i])
	}
	return float64(float32(a0+a1+a2+a3) * qscale * v.scale[s])
}
