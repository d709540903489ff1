package search

import (
	"math"
	"slices"
)

// SpreadHits picks at most k of hits, whose Scores were fused from several
// rankings by the caller (dense retrieval, a rewritten question), the way
// Search picks its own: none below the relevance floor (a share of the
// best score), each further passage of an article already picked
// discounted, and when aboutSources every article's best passage before
// any article's second. Ties keep the order of hits.
func SpreadHits(hits []Hit, k int, aboutSources bool) []Hit {
	if k <= 0 {
		k = defaultK
	}
	sorted := make([]Hit, 0, len(hits))
	for _, h := range hits {
		if h.Score > 0 {
			sorted = append(sorted, h)
		}
	}
	slices.SortStableFunc(sorted, func(a, b Hit) int {
		switch {
		case a.Score > b.Score:
			return -1
		case a.Score < b.Score:
			return 1
		}
		return 0
	})
	return spreadHits(sorted, k, aboutSources)
}

// spreadHits picks at most k of hits, in their order of preference: none
// below the relevance floor (relevanceFloor of the best score), each
// further passage of an article discounted by groupDecay, and when
// aboutSources every article's best passage before any article's second.
// Ties keep the order of hits. Search and SpreadHits both pick with it.
func spreadHits(hits []Hit, k int, aboutSources bool) []Hit {
	decay := groupDecay
	if aboutSources {
		decay = 0
	}
	best := 0.0
	for _, h := range hits {
		best = max(best, h.Score)
	}
	type ranked struct {
		Hit
		rank int // passages of the same group before it
		eff  float64
	}
	floor := relevanceFloor * best // no slot is filled below it
	var rs []ranked
	perGroup := make(map[uint32]int)
	for _, h := range hits {
		if h.Score < floor {
			continue
		}
		r := perGroup[h.Group]
		perGroup[h.Group] = r + 1
		rs = append(rs, ranked{h, r, h.Score * math.Pow(decay, float64(r))})
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
	out := make([]Hit, 0, min(k, len(rs)))
	for _, r := range rs[:min(k, len(rs))] {
		out = append(out, r.Hit)
	}
	return out
}
