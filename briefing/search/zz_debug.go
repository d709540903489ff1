package search

import (
	"fmt"
	"os"
)

func (ix *Index) debugConcepts(q Query, cs []concept, total float64, missing bool) {
	if os.Getenv("BB_DEBUG") == "" {
		return
	}
	names := make(map[uint32]string)
	for t, id := range ix.dict {
		names[id] = t
	}
	fmt.Fprintf(os.Stderr, "terms %v names %v total %.2f missing %v\n", q.Terms, q.Names, total, missing)
	for _, c := range cs {
		fmt.Fprintf(os.Stderr, "  cover %.2f absent %v:", c.cover, c.absent)
		for i, tid := range c.tids {
			fmt.Fprintf(os.Stderr, " %s(w%.2f df%d)", names[tid], c.weights[i], ix.terms[tid].df)
		}
		fmt.Fprintln(os.Stderr)
	}
}

func (ix *Index) debugCands(cs []candidate) {
	if os.Getenv("BB_DEBUG") == "" {
		return
	}
	for i, c := range cs {
		if i >= 40 {
			break
		}
		fmt.Fprintf(os.Stderr, "  cand id %d group %d score %.3f sim %.3f\n", ix.ids[c.slot], ix.gids[ix.gslot[c.slot]], c.score, c.sim)
	}
}
