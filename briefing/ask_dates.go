package briefing

import (
	"context"
	"time"
)

// articleDates returns what search.Options.Dates needs: the publication
// dates of articles by ord, first-seen when unknown (nil on a store error:
// the question is then answered without its time).
func (l *Library) articleDates(ctx context.Context) func([]uint32) map[uint32]time.Time {
	return func(groups []uint32) map[uint32]time.Time {
		ords := make([]int64, len(groups))
		for i, g := range groups {
			ords[i] = int64(g)
		}
		arts, err := l.st.ArticlesByOrd(ctx, ords)
		if err != nil {
			l.log.Warn("article dates for a question's time", "error", err.Error())
			return nil
		}
		out := make(map[uint32]time.Time, len(arts))
		for ord, a := range arts {
			d := a.Published
			if d.IsZero() {
				d = a.FirstSeen
			}
			out[uint32(ord)] = d
		}
		return out
	}
}
