package briefing

import (
	"context"
	"encoding/json"
	"slices"
)

// overviewKey is the store meta key holding the last corpus overview
// computed by any process, with the corpus generation it describes: a
// one-shot `briefbot ask` whose question finds nothing reads it instead of
// computing it again (the passages of the newest articles, analysed).
const overviewKey = "corpus_overview"

type storedOverview struct {
	Generation uint64   `json:"generation"`
	Overview   Overview `json:"overview"`
}

// answerOverview is the overview an answer with no passage carries: the
// one cached in memory for the library's current state, else the one a
// process stored for the store's current generation, else computed (and
// stored) by cachedOverview.
func (l *Library) answerOverview(ctx context.Context) (Overview, error) {
	l.mu.RLock()
	version := l.version
	l.mu.RUnlock()
	l.ovMu.Lock()
	if l.ov != nil && l.ovVersion == version {
		o := *l.ov
		l.ovMu.Unlock()
		o.Topics = slices.Clone(o.Topics)
		return o, nil
	}
	l.ovMu.Unlock()
	gen, err := l.st.Generation(ctx)
	if err != nil {
		return Overview{}, err
	}
	if v, err := l.st.Meta(ctx, overviewKey); err == nil && v != "" {
		var so storedOverview
		if json.Unmarshal([]byte(v), &so) == nil && so.Generation == gen {
			return so.Overview, nil
		}
	}
	return l.cachedOverview(ctx)
}

// storeOverview records o as the overview of generation gen (see
// overviewKey). Failing to is not an error: the next process computes it.
func (l *Library) storeOverview(ctx context.Context, gen uint64, o Overview) {
	b, err := json.Marshal(storedOverview{Generation: gen, Overview: o})
	if err != nil {
		return
	}
	if err := l.st.SetMeta(ctx, overviewKey, string(b)); err != nil {
		l.log.Debug("could not store the corpus overview", "error", err.Error())
	}
}

// PrepareOverview makes sure the overview of the store's current state is
// stored (see overviewKey), computing it unless a process already did:
// `briefbot index` calls it, so that the next process's first question the
// corpus has nothing on reads it instead of analysing the newest articles.
func (l *Library) PrepareOverview(ctx context.Context) error {
	_, err := l.answerOverview(ctx)
	return err
}
