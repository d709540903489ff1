package briefing

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"
)

// EmbedOptions tune dense retrieval (Options.Embedder). The zero value
// takes every default.
type EmbedOptions struct {
	// Batch is how many passages one embeddings request carries (64).
	Batch int
	// Interval is the least time between two embeddings requests of the
	// background pass (50ms); negative: no wait.
	Interval time.Duration
	// QueryTimeout bounds embedding a question (1.5s); past it, the
	// question is answered by the offline ranking alone.
	QueryTimeout time.Duration
	// RequestTimeout bounds one embeddings request of the background pass
	// (60s).
	RequestTimeout time.Duration
	// MinSimilarity is the cosine a passage the words did not find needs
	// to be returned on the strength of its vector alone (0.7).
	MinSimilarity float64
	// Poll is how often RunEmbedder looks for new passages (2s).
	Poll time.Duration
}

// Dense retrieval defaults and limits.
const (
	defaultEmbedBatch    = 64
	defaultEmbedInterval = 50 * time.Millisecond
	defaultQueryTimeout  = 1500 * time.Millisecond
	defaultMinSimilarity = 0.7
	defaultRequestTime   = time.Minute
	defaultEmbedPoll     = 2 * time.Second
	// maxEmbedChars bounds the text of one input (a passage is far shorter).
	maxEmbedChars = 8000
	// embedRetry is the first wait after a failed background pass, doubled
	// up to embedRetryMax.
	embedRetry    = 30 * time.Second
	embedRetryMax = 15 * time.Minute
	// queryPause: after a question could not be embedded, the next ones
	// are answered offline without trying, for this long.
	queryPause = 30 * time.Second
	// failureLogEvery rate-limits the log line of failures, per stage.
	failureLogEvery = time.Minute
	// bulkLoad: more passages than this without a vector in memory are
	// looked up in one pass over the cache rather than by id.
	bulkLoad = 1024
	// vectorTTL: a cached vector no passage has had for this long is pruned.
	vectorTTL = 30 * 24 * time.Hour
)

// embedding is the Library's dense retrieval state.
type embedding struct {
	e      Embedder
	corpus Store
	st     EmbeddingStore
	opt    EmbedOptions
	vec    *vectors
	log    *slog.Logger
	now    func() time.Time

	failures *prometheus.CounterVec // stage, reason
	embedded prometheus.Counter     // passages embedded (not cached)
	held     prometheus.Gauge       // passages with a vector in memory

	passMu sync.Mutex // one pass at a time

	mu         sync.Mutex // guards what follows
	loggedAt   map[string]time.Time
	queryAfter time.Time // no question embedding before this
}

// newEmbedding returns the dense retrieval state for opt, nil when no
// Embedder is configured.
func newEmbedding(st Store, opt Options, log *slog.Logger, now func() time.Time) (*embedding, error) {
	if opt.Embedder == nil {
		return nil, nil
	}
	es, ok := st.(EmbeddingStore)
	if !ok {
		return nil, errors.New("briefing: an Embedder needs a Store that caches vectors (an EmbeddingStore)")
	}
	o := opt.Embed
	if o.Batch <= 0 {
		o.Batch = defaultEmbedBatch
	}
	if o.Interval == 0 {
		o.Interval = defaultEmbedInterval
	}
	if o.QueryTimeout <= 0 {
		o.QueryTimeout = defaultQueryTimeout
	}
	if o.RequestTimeout <= 0 {
		o.RequestTimeout = defaultRequestTime
	}
	if o.MinSimilarity <= 0 {
		o.MinSimilarity = defaultMinSimilarity
	}
	if o.Poll <= 0 {
		o.Poll = defaultEmbedPoll
	}
	em := &embedding{e: opt.Embedder, corpus: st, st: es, opt: o, vec: newVectors(), log: log, now: now, loggedAt: map[string]time.Time{}}
	em.failures = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "briefbot_embed_failures_total",
		Help: "Embeddings calls that failed, by stage (index, query) and reason; the offline ranking answered.",
	}, []string{"stage", "reason"})
	em.embedded = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "briefbot_embed_passages_total",
		Help: "Passages embedded through the embeddings endpoint (cached ones not counted).",
	})
	em.held = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "briefbot_embed_vectors",
		Help: "Passages whose embedding vector is in memory for dense retrieval.",
	})
	var err error
	if em.failures, err = RegisterMetric(opt.Registerer, em.failures); err != nil {
		return nil, fmt.Errorf("briefing: %w", err)
	}
	if em.embedded, err = RegisterMetric(opt.Registerer, em.embedded); err != nil {
		return nil, fmt.Errorf("briefing: %w", err)
	}
	if em.held, err = RegisterMetric(opt.Registerer, em.held); err != nil {
		return nil, fmt.Errorf("briefing: %w", err)
	}
	return em, nil
}

// EmbedStats counts what an embedding pass did.
type EmbedStats struct {
	Vectors  int // passages with a vector in memory after the pass
	Cached   int // passages whose vector came from the cache
	Embedded int // passages embedded through the endpoint
	Requests int // embeddings requests made
}

// Embed brings the dense vectors up to date with the stored passages:
// cached vectors are loaded, the passages without one are embedded in
// batches (at a bounded rate) and cached, and vectors of passages that are
// gone are dropped. It is what the background pass (RunEmbedder) does;
// `briefbot index` calls it to wait for it. A failing endpoint stops the
// pass with an error (counted and logged, rate-limited): what was embedded
// until then is kept, the rest is tried again later, and questions are
// answered meanwhile. Without an Embedder it does nothing.
func (l *Library) Embed(ctx context.Context) (EmbedStats, error) {
	if l.emb == nil {
		return EmbedStats{}, nil
	}
	return l.emb.pass(ctx, true)
}

// LoadEmbeddings loads the cached vectors of the stored passages without
// embedding anything: a short-lived process (briefbot ask) uses what serve
// or index embedded. Without an Embedder it does nothing.
func (l *Library) LoadEmbeddings(ctx context.Context) (EmbedStats, error) {
	if l.emb == nil {
		return EmbedStats{}, nil
	}
	return l.emb.pass(ctx, false)
}

// RunEmbedder keeps the dense vectors up to date in the background until
// ctx is done: a pass (see Embed) at the start, after each change of the
// corpus, and after a failure once its back-off has passed. Whoever starts
// it stops it by cancelling ctx; it returns then. Without an Embedder it
// returns at once.
func (l *Library) RunEmbedder(ctx context.Context) {
	em := l.emb
	if em == nil {
		return
	}
	t := time.NewTicker(em.opt.Poll)
	defer t.Stop()
	var done uint64
	first, failed := true, false
	var retryAt time.Time
	wait := embedRetry
	for {
		l.mu.RLock()
		v := l.version
		l.mu.RUnlock()
		if first || v != done || (failed && !em.now().Before(retryAt)) {
			first = false
			_, err := em.pass(ctx, true)
			if ctx.Err() != nil {
				return
			}
			done = v
			if failed = err != nil; failed {
				retryAt = em.now().Add(wait)
				wait = min(2*wait, embedRetryMax)
			} else {
				wait = embedRetry
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// pass is Embed (with embed set) or LoadEmbeddings.
func (em *embedding) pass(ctx context.Context, embed bool) (stats EmbedStats, err error) {
	em.passMu.Lock()
	defer em.passMu.Unlock()
	defer func() {
		stats.Vectors = em.vec.Len()
		em.held.Set(float64(stats.Vectors))
	}()
	refs, err := em.st.PassageRefs(ctx)
	if err != nil {
		return stats, err
	}
	live := make(map[uint32]uint32, len(refs)) // id -> article
	for _, r := range refs {
		live[uint32(r.ID)] = uint32(r.Article)
	}
	if em.vec.keep(func(id uint32) bool { _, ok := live[id]; return ok }) > 0 && embed {
		if err := em.st.PruneVectors(ctx, em.now().Add(-vectorTTL)); err != nil {
			em.log.Warn("prune cached vectors", "error", err.Error())
		}
	}
	var want []int64
	for _, r := range refs {
		if !em.vec.has(uint32(r.ID)) {
			want = append(want, r.ID)
		}
	}
	model := em.e.Model()
	// Cached through the passage's recorded hash: in one pass over the
	// cache when many are wanted (at start), else by id.
	const chunk = 4096
	var missing []int64
	if len(want) > bulkLoad {
		wanted := make(map[int64]bool, len(want))
		for _, id := range want {
			wanted[id] = true
		}
		err := em.st.EachPassageVector(ctx, model, func(id int64, v []float32) error {
			if wanted[id] && em.vec.add(uint32(id), live[uint32(id)], v) {
				delete(wanted, id)
				stats.Cached++
			}
			return nil
		})
		if err != nil {
			return stats, err
		}
		for _, id := range want {
			if wanted[id] {
				missing = append(missing, id)
			}
		}
		want = nil
	}
	for start := 0; start < len(want); start += chunk {
		ids := want[start:min(start+chunk, len(want))]
		got, err := em.st.PassageVectors(ctx, model, ids)
		if err != nil {
			return stats, err
		}
		for _, id := range ids {
			v, ok := got[id]
			if ok && em.vec.add(uint32(id), live[uint32(id)], v) {
				stats.Cached++
				continue
			}
			missing = append(missing, id)
		}
	}
	if !embed || len(missing) == 0 {
		return stats, nil
	}
	// Cached by content (a passage re-stored under a new id), else to embed.
	type todo struct {
		id   int64
		hash ContentHash
		text string
	}
	var queue []todo
	for start := 0; start < len(missing); start += chunk {
		ids := missing[start:min(start+chunk, len(missing))]
		ps, err := em.passages(ctx, ids)
		if err != nil {
			return stats, err
		}
		var hashes []ContentHash
		var items []todo
		for _, id := range ids {
			p, ok := ps[id]
			if !ok {
				continue // deleted meanwhile
			}
			t := todo{id, HashText(embedInput(p.Text)), embedInput(p.Text)}
			items = append(items, t)
			hashes = append(hashes, t.hash)
		}
		got, err := em.st.VectorsByHash(ctx, model, hashes)
		if err != nil {
			return stats, err
		}
		var links []PassageVector
		for _, t := range items {
			if v, ok := got[t.hash]; ok && em.vec.add(uint32(t.id), live[uint32(t.id)], v) {
				links = append(links, PassageVector{ID: t.id, Hash: t.hash})
				stats.Cached++
				continue
			}
			queue = append(queue, t)
		}
		if len(links) > 0 {
			if err := em.st.PutPassageVectors(ctx, model, links); err != nil {
				return stats, err
			}
		}
	}
	// Embed what is left, in batches, each distinct text once.
	var last time.Time
	for len(queue) > 0 {
		var batch []todo
		var texts []string
		seen := map[ContentHash]bool{}
		for len(queue) > 0 && len(texts) < em.opt.Batch {
			t := queue[0]
			queue = queue[1:]
			batch = append(batch, t)
			if !seen[t.hash] {
				seen[t.hash] = true
				texts = append(texts, t.text)
			}
		}
		if em.opt.Interval > 0 && !last.IsZero() {
			if err := sleepCtx(ctx, em.opt.Interval-time.Since(last)); err != nil {
				return stats, err
			}
		}
		last = time.Now()
		stats.Requests++
		rctx, cancel := context.WithTimeout(ctx, em.opt.RequestTimeout)
		vecs, err := em.e.Embed(rctx, texts)
		cancel()
		if err == nil && len(vecs) != len(texts) {
			err = embedFailure{"bad_reply", fmt.Errorf("%d vectors for %d texts", len(vecs), len(texts))}
		}
		byHash := map[ContentHash][]float32{}
		if err == nil {
			for i, t := range texts {
				v := vecs[i]
				if d := em.vec.Dims(); d != 0 && len(v) != d {
					err = embedFailure{"dimensions", fmt.Errorf("the model returned %d dimensions, %d expected", len(v), d)}
					break
				}
				byHash[HashText(t)] = v
			}
		}
		if err != nil {
			if ctx.Err() != nil {
				return stats, ctx.Err()
			}
			em.fail("index", err)
			return stats, fmt.Errorf("briefing: embed passages: %w", err)
		}
		out := make([]PassageVector, 0, len(batch))
		put := map[ContentHash]bool{}
		for _, t := range batch {
			pv := PassageVector{ID: t.id, Hash: t.hash}
			if !put[t.hash] {
				put[t.hash] = true
				pv.Vector = byHash[t.hash]
			}
			out = append(out, pv)
		}
		if err := em.st.PutPassageVectors(ctx, model, out); err != nil {
			return stats, err
		}
		for _, t := range batch {
			em.vec.add(uint32(t.id), live[uint32(t.id)], byHash[t.hash])
		}
		stats.Embedded += len(texts)
		em.embedded.Add(float64(len(texts)))
	}
	return stats, nil
}

// passages reads the passages ids from the store, in chunks its IN lists
// take.
func (em *embedding) passages(ctx context.Context, ids []int64) (map[int64]StoredPassage, error) {
	out := make(map[int64]StoredPassage, len(ids))
	const n = 512
	for start := 0; start < len(ids); start += n {
		ps, err := em.corpus.Passages(ctx, ids[start:min(start+n, len(ids))])
		if err != nil {
			return nil, err
		}
		for id, p := range ps {
			out[id] = p
		}
	}
	return out, nil
}

// embedInput is what is embedded of a passage's text: the text, cut to
// maxEmbedChars at a character boundary.
func embedInput(text string) string {
	if len(text) <= maxEmbedChars {
		return text
	}
	cut := maxEmbedChars
	for cut > 0 && !utf8.RuneStart(text[cut]) {
		cut--
	}
	return text[:cut]
}

// embedFailure is a failure found here (not by the Embedder), with its
// metric reason.
type embedFailure struct {
	reason string
	err    error
}

func (e embedFailure) Error() string  { return e.err.Error() }
func (e embedFailure) Unwrap() error  { return e.err }
func (e embedFailure) Reason() string { return e.reason }

// failureReason is the metric label of a failed embeddings or rewrite
// call: the error's own Reason when it has one (briefing/llm's do),
// timeout for a deadline, else error.
func failureReason(err error) string {
	var r interface{ Reason() string }
	switch {
	case errors.As(err, &r) && r.Reason() != "":
		return r.Reason()
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	}
	return "error"
}

// fail counts a failed embeddings call of stage (index, query) and logs it,
// at most once a minute for each stage. The error comes from the Embedder,
// which keeps the key out of it.
func (em *embedding) fail(stage string, err error) {
	reason := failureReason(err)
	em.failures.WithLabelValues(stage, reason).Inc()
	em.mu.Lock()
	now := em.now()
	quiet := now.Sub(em.loggedAt[stage]) < failureLogEvery && !em.loggedAt[stage].IsZero()
	if !quiet {
		em.loggedAt[stage] = now
	}
	em.mu.Unlock()
	if !quiet {
		em.log.Warn("embeddings unavailable: answering from the offline ranking", "stage", stage, "reason", reason,
			"model", em.e.Model(), "error", err.Error())
	}
}

// sleepCtx waits d (nothing when d <= 0) or until ctx is done.
func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
