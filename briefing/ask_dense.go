package briefing

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"briefbot/briefing/search"
)

// Fusion of the lexical ranking with what an embeddings model or an LLM adds.
const (
	// denseWeight is the share of a passage's cosine with the question in
	// its fused score; the lexical score, normalised by the best, takes the
	// rest. A passage only the vectors found scores denseWeight × cosine,
	// so it ranks among the words' finds rather than above the best.
	denseWeight = 0.5
	// rewriteWeight scales the normalised score of a passage found only
	// through the LLM's rewording of the question.
	rewriteWeight = 0.5
	// defaultRewriteTimeout bounds one rewrite.
	defaultRewriteTimeout = 800 * time.Millisecond
)

// rewriting is the Library's question rewriting state.
type rewriting struct {
	r        Rewriter
	timeout  time.Duration
	failures *prometheus.CounterVec // reason
	log      *slog.Logger
	now      func() time.Time

	mu       sync.Mutex
	loggedAt time.Time
}

// assists sets up what opt adds to the offline ranking: dense retrieval
// and question rewriting.
func (l *Library) assists(st Store, opt Options) error {
	em, err := newEmbedding(st, opt, l.log, l.now)
	if err != nil {
		return err
	}
	l.emb = em
	if opt.Rewriter == nil {
		return nil
	}
	rw := &rewriting{r: opt.Rewriter, timeout: opt.RewriteTimeout, log: l.log, now: l.now}
	if rw.timeout <= 0 {
		rw.timeout = defaultRewriteTimeout
	}
	rw.failures = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "briefbot_rewrite_failures_total",
		Help: "Question rewrites by the LLM that failed, by reason; the question was searched in its own words.",
	}, []string{"reason"})
	if rw.failures, err = RegisterMetric(opt.Registerer, rw.failures); err != nil {
		return fmt.Errorf("briefing: %w", err)
	}
	l.rw = rw
	return nil
}

// retrieve ranks the passages for q: the offline (lexical) ranking and,
// when configured, passages found through the LLM's rewording of the
// question and through the question's embedding, fused. Both run while the
// lexical search does, each within its short deadline; a failure of either
// leaves the offline ranking to answer. It takes l.mu's read lock for the
// searches.
func (l *Library) retrieve(ctx context.Context, q search.Query, sopt search.Options) []search.Hit {
	em, rw := l.emb, l.rw
	if em != nil && (em.vec.Len() == 0 || !em.queryAllowed()) {
		em = nil
	}
	if em == nil && rw == nil {
		l.mu.RLock()
		defer l.mu.RUnlock()
		return l.ix.Search(q, sopt)
	}
	k := sopt.K
	if k <= 0 {
		k = 5
	}
	var qvc chan []float32
	var rwc chan string
	if em != nil {
		qvc = make(chan []float32, 1)
		go func() { qvc <- em.question(ctx, q.Text) }()
	}
	if rw != nil {
		rwc = make(chan string, 1)
		go func() { rwc <- rw.rewrite(ctx, q.Text) }()
	}
	deep := sopt
	deep.K = max(3*k, k+10)
	l.mu.RLock()
	lex := l.ix.Search(q, deep)
	unknown := len(lex) == 0 && l.ix.Unknown(q)
	l.mu.RUnlock()

	type pick struct {
		group uint32
		score float64 // lexical, normalised by the best: 0 when only the vectors found it
	}
	picks := map[uint32]*pick{}
	var order []uint32 // ids, in the order found
	add := func(hits []search.Hit, weight float64) {
		best := 0.0
		for _, h := range hits {
			best = max(best, h.Score)
		}
		for _, h := range hits {
			s := 0.0
			if best > 0 {
				s = weight * h.Score / best
			}
			if p, ok := picks[h.ID]; ok {
				p.score = max(p.score, s)
				continue
			}
			picks[h.ID] = &pick{h.Group, s}
			order = append(order, h.ID)
		}
	}
	add(lex, 1)
	if rwc != nil {
		if text := <-rwc; text != "" {
			rq := search.ParseQuery(text)
			rq.When, rq.AboutSources = q.When, q.AboutSources
			l.mu.RLock()
			more := l.ix.Search(rq, deep)
			l.mu.RUnlock()
			add(more, rewriteWeight)
		}
	}
	var sims map[uint32]float64
	if qvc != nil {
		if qv := <-qvc; qv != nil {
			var dense []denseHit
			dense, sims = em.vec.top(qv, deep.K, em.opt.MinSimilarity, order)
			dense = l.inWindow(dense, q, sopt)
			if unknown {
				dense = nil // the question is about a name the corpus lacks: nothing is about it
			}
			for _, d := range dense {
				if _, ok := picks[d.id]; !ok {
					picks[d.id] = &pick{d.group, 0}
					order = append(order, d.id)
					sims[d.id] = d.sim
				}
			}
		}
	}
	hits := make([]search.Hit, 0, len(order))
	for _, id := range order {
		p := picks[id]
		s := p.score
		if sims != nil {
			sim, ok := sims[id]
			if !ok {
				sim = s // not embedded yet: its words speak for it
			}
			s = (1-denseWeight)*s + denseWeight*max(0, sim)
		}
		hits = append(hits, search.Hit{ID: id, Group: p.group, Score: s})
	}
	return search.SpreadHits(hits, k, q.AboutSources)
}

// inWindow keeps, when q asks about a relative time ("this week"), the
// dense hits of articles dated inside it, as the lexical search does.
func (l *Library) inWindow(hits []denseHit, q search.Query, sopt search.Options) []denseHit {
	if len(hits) == 0 || q.When.Zero() || !q.When.Relative() || sopt.Dates == nil {
		return hits
	}
	now := sopt.Now
	if now.IsZero() {
		now = time.Now()
	}
	from, to, ok := q.When.Window(now)
	if !ok {
		return hits
	}
	var groups []uint32
	for _, h := range hits {
		if !slices.Contains(groups, h.group) {
			groups = append(groups, h.group)
		}
	}
	dates := sopt.Dates(groups)
	if dates == nil {
		return hits
	}
	return slices.DeleteFunc(hits, func(h denseHit) bool {
		d := dates[h.group]
		return d.IsZero() || d.Before(from) || !d.Before(to)
	})
}

// queryAllowed reports whether questions may be embedded now: not for a
// while after one could not be.
func (em *embedding) queryAllowed() bool {
	em.mu.Lock()
	defer em.mu.Unlock()
	return !em.now().Before(em.queryAfter)
}

// question embeds a question within the query deadline and returns its unit
// vector, nil when it cannot (counted and logged, and questions are not
// embedded for a while).
func (em *embedding) question(ctx context.Context, text string) []float32 {
	qctx, cancel := context.WithTimeout(ctx, em.opt.QueryTimeout)
	defer cancel()
	vs, err := em.e.Embed(qctx, []string{embedInput(text)})
	switch {
	case err != nil:
	case len(vs) != 1:
		err = embedFailure{"bad_reply", fmt.Errorf("%d vectors for one question", len(vs))}
	case len(vs[0]) != em.vec.Dims():
		err = embedFailure{"dimensions", fmt.Errorf("the question has %d dimensions, the passages %d", len(vs[0]), em.vec.Dims())}
	}
	if err != nil {
		if ctx.Err() != nil {
			return nil // the asker went away: not the endpoint's failure
		}
		if qctx.Err() != nil && !errors.Is(err, context.DeadlineExceeded) {
			err = embedFailure{"timeout", err}
		}
		em.fail("query", err)
		em.mu.Lock()
		em.queryAfter = em.now().Add(queryPause)
		em.mu.Unlock()
		return nil
	}
	return unit(vs[0])
}

// rewrite asks the Rewriter for search words within its deadline; "" when
// it fails (counted, and logged at most once a minute).
func (rw *rewriting) rewrite(ctx context.Context, question string) string {
	rctx, cancel := context.WithTimeout(ctx, rw.timeout)
	defer cancel()
	text, err := rw.r.Rewrite(rctx, question)
	if err == nil {
		return text
	}
	if ctx.Err() != nil {
		return ""
	}
	reason := failureReason(err)
	rw.failures.WithLabelValues(reason).Inc()
	rw.mu.Lock()
	now := rw.now()
	quiet := !rw.loggedAt.IsZero() && now.Sub(rw.loggedAt) < failureLogEvery
	if !quiet {
		rw.loggedAt = now
	}
	rw.mu.Unlock()
	if !quiet {
		rw.log.Warn("question rewrite unavailable: searching the question's own words", "reason", reason, "error", err.Error())
	}
	return ""
}
