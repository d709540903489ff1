package briefing

import (
	"container/list"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// byExtractive is what summarize reports when no LLM summary is used.
const byExtractive = "extractive"

// summaryCacheSize bounds the verified summaries kept in memory.
const summaryCacheSize = 256

// grounded wraps a Summarizer so that nothing it writes is used unchecked. For
// each request it
//   - fits the passages to the prompt budget (see fitPrompt),
//   - answers an identical earlier request (kind, question, passages; one
//     grounded serves one Summarizer, hence one model) from a bounded
//     in-memory cache, and lets concurrent identical requests share one call,
//   - calls the Summarizer under a deadline,
//   - refuses a reply carrying a configured secret or a credential-shaped
//     token (see leaksSecret),
//   - verifies every sentence of the reply (see verifySummary), and
//   - falls back to the extractive answer when anything fails.
//
// Failures are logged and counted, never returned. A nil *grounded means no
// LLM is configured. Its methods are safe for concurrent use.
type grounded struct {
	s       Summarizer
	timeout time.Duration
	budget  int
	log     *slog.Logger
	m       summaryMetrics
	cache   *summaryCache
	secrets []string // never posted: a reply carrying one is not used
}

// newGrounded wraps s with a deadline of timeout per call and a prompt budget
// of maxPromptTokens (as counted by EstimateTokens), both positive (Open
// checks them; their defaults live in the configuration). reg, when not nil,
// receives the briefbot_llm_* metrics.
func newGrounded(s Summarizer, timeout time.Duration, maxPromptTokens int, reg prometheus.Registerer, log *slog.Logger) *grounded {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &grounded{
		s:       s,
		timeout: timeout,
		budget:  maxPromptTokens,
		log:     log,
		m:       newSummaryMetrics(reg),
		cache:   newSummaryCache(summaryCacheSize),
	}
}

// summaryResult is the outcome of one summarize.
type summaryResult struct {
	text, by string
}

var extractiveResult = summaryResult{by: byExtractive}

// summarize returns a verified summary of passages (numbered from 1:
// passages[i].N == i+1) with [n] markers, and who wrote it ("llm:MODEL"); or
// "", "extractive" when unavailable or it does not survive verification.
// It never returns an error: failures are logged (without secrets) and
// counted. kind is "answer" or "digest".
func (g *grounded) summarize(ctx context.Context, kind, question string, passages []SummaryPassage) (text, by string) {
	if g == nil || len(passages) == 0 {
		return "", byExtractive
	}
	ctx, cancel := context.WithTimeout(ctx, g.timeout)
	defer cancel()

	key := summaryKey(kind, question, passages)
	f, leader := g.cache.join(key)
	if !leader {
		select {
		case <-f.done:
			if f.res.text != "" {
				g.m.cacheHits.Inc()
			}
			return f.res.text, f.res.by
		case <-ctx.Done():
			g.fallback(kind, "timeout", ctx.Err())
			return "", byExtractive
		}
	}
	res := g.call(ctx, kind, question, passages)
	g.cache.finish(key, f, res)
	return res.text, res.by
}

// call asks the Summarizer and verifies its reply.
func (g *grounded) call(ctx context.Context, kind, question string, passages []SummaryPassage) summaryResult {
	req, ok := fitPrompt(SummaryRequest{Kind: kind, Question: question, Passages: passages}, g.budget, g.promptTokens)
	if !ok {
		g.fallback(kind, "budget", fmt.Errorf("no passage fits a prompt budget of %d tokens", g.budget))
		return extractiveResult
	}
	sum, err := g.s.Summarize(ctx, req)
	switch {
	case err != nil && (errors.Is(err, context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded)):
		g.m.calls.WithLabelValues("timeout").Inc()
		g.fallback(kind, "timeout", err)
		return extractiveResult
	case err != nil && ctx.Err() != nil:
		g.m.calls.WithLabelValues("canceled").Inc()
		g.fallback(kind, "canceled", err)
		return extractiveResult
	case err != nil:
		g.m.calls.WithLabelValues("error").Inc()
		g.fallback(kind, "error", err)
		return extractiveResult
	}
	g.m.calls.WithLabelValues("ok").Inc()
	if strings.TrimSpace(sum.Text) == "" {
		g.fallback(kind, "empty", errors.New("the reply has no text"))
		return extractiveResult
	}
	if leaksSecret(sum.Text, g.secrets) {
		// A model that repeats a credential is not trusted for any sentence.
		g.fallback(kind, "secret", errors.New("the reply contains a configured secret or a credential-shaped token"))
		return extractiveResult
	}

	given := make(map[int]string, len(req.Passages))
	for _, p := range req.Passages {
		given[p.N] = passageEvidence(p)
	}
	v := verifySummary(sum.Text, given)
	for reason, n := range v.dropped {
		g.m.dropped.WithLabelValues(reason).Add(float64(n))
	}
	if v.kept == 0 || 2*v.kept < v.total {
		g.fallback(kind, "unverified", fmt.Errorf("%d of %d sentences survived verification (%s)", v.kept, v.total, v.reasons()))
		return extractiveResult
	}
	if v.kept < v.total {
		g.log.Info("llm summary sentences dropped", "kind", kind, "kept", v.kept, "total", v.total, "reasons", v.reasons())
	}
	if v.links > 0 {
		g.m.links.Add(float64(v.links))
		g.log.Info("llm summary links removed", "kind", kind, "links", v.links)
	}
	model := sum.Model
	if model == "" {
		model = "unknown"
	}
	return summaryResult{text: v.text, by: "llm:" + model}
}

// promptTokens is the size of the prompt for req: the Summarizer's own count
// when it is a PromptSizer, otherwise an estimate.
func (g *grounded) promptTokens(req SummaryRequest) int {
	if ps, ok := g.s.(PromptSizer); ok {
		return ps.PromptTokens(req)
	}
	return estimatePromptTokens(req)
}

// fallback logs and counts why the extractive answer is used. err comes from
// the Summarizer, whose contract is to keep secrets out of its errors.
func (g *grounded) fallback(kind, reason string, err error) {
	g.m.fallbacks.WithLabelValues(reason).Inc()
	g.log.Warn("llm summary not used, answering extractively", "kind", kind, "reason", reason, "err", err)
}

// summaryKey identifies a request: kind, question and every passage field the
// prompt shows, each length-prefixed so that no two requests share a key.
func summaryKey(kind, question string, passages []SummaryPassage) string {
	h := sha256.New()
	field := func(s string) {
		var n [8]byte
		binary.BigEndian.PutUint64(n[:], uint64(len(s)))
		h.Write(n[:])
		h.Write([]byte(s))
	}
	field(kind)
	field(question)
	for _, p := range passages {
		field(fmt.Sprint(p.N))
		field(p.Title)
		field(p.Source)
		field(p.Date)
		field(p.Text)
	}
	return string(h.Sum(nil))
}

// summaryMetrics are grounded's counters.
type summaryMetrics struct {
	calls     *prometheus.CounterVec // by result: ok, error, timeout, canceled
	cacheHits prometheus.Counter
	fallbacks *prometheus.CounterVec // by reason: budget, timeout, canceled, error, empty, secret, unverified
	dropped   *prometheus.CounterVec // sentences dropped, by reason
	links     prometheus.Counter     // links removed: not in the cited passages
}

func newSummaryMetrics(reg prometheus.Registerer) summaryMetrics {
	m := summaryMetrics{
		calls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "briefbot_llm_calls_total",
			Help: "Summaries requested from the LLM, by result (ok, error, timeout, canceled).",
		}, []string{"result"}),
		cacheHits: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "briefbot_llm_cache_hits_total",
			Help: "Summaries answered from the cache without calling the LLM.",
		}),
		fallbacks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "briefbot_llm_fallbacks_total",
			Help: "Answers and digests that fell back to extractive, by reason (budget, timeout, canceled, error, empty, secret, unverified).",
		}, []string{"reason"}),
		dropped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "briefbot_llm_dropped_sentences_total",
			Help: "Sentences of LLM summaries dropped by verification, by reason (uncited, bad_citation, misquote, unsupported_number, unsupported_name, unsupported_words).",
		}, []string{"reason"}),
		links: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "briefbot_llm_removed_links_total",
			Help: "Links removed from LLM summaries because no cited passage contains them.",
		}),
	}
	// A clashing metric of another type counts without being exported.
	if reg != nil {
		m.calls, _ = RegisterMetric(reg, m.calls)
		m.cacheHits, _ = RegisterMetric(reg, m.cacheHits)
		m.fallbacks, _ = RegisterMetric(reg, m.fallbacks)
		m.dropped, _ = RegisterMetric(reg, m.dropped)
		m.links, _ = RegisterMetric(reg, m.links)
	}
	return m
}

// summaryCache is a bounded LRU of finished results plus the requests in
// flight, so that concurrent identical requests share one call.
type summaryCache struct {
	mu      sync.Mutex
	max     int
	lru     *list.List // of *summaryEntry, most recent first
	done    map[string]*list.Element
	flights map[string]*summaryFlight
}

type summaryEntry struct {
	key string
	res summaryResult
}

// summaryFlight is one request's result, ready when done is closed.
type summaryFlight struct {
	done chan struct{}
	res  summaryResult
}

func newSummaryCache(max int) *summaryCache {
	return &summaryCache{max: max, lru: list.New(), done: map[string]*list.Element{}, flights: map[string]*summaryFlight{}}
}

// join returns the flight for key. leader is true when the caller must make
// the call and then finish the flight; otherwise the flight is finished (a
// cached result) or will be.
func (c *summaryCache) join(key string) (f *summaryFlight, leader bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.done[key]; ok {
		c.lru.MoveToFront(e)
		f := &summaryFlight{done: make(chan struct{}), res: e.Value.(*summaryEntry).res}
		close(f.done)
		return f, false
	}
	if f, ok := c.flights[key]; ok {
		return f, false
	}
	f = &summaryFlight{done: make(chan struct{})}
	c.flights[key] = f
	return f, true
}

// finish hands res to the flight's waiters and caches it when it is a
// verified summary.
func (c *summaryCache) finish(key string, f *summaryFlight, res summaryResult) {
	c.mu.Lock()
	defer c.mu.Unlock()
	f.res = res
	close(f.done)
	delete(c.flights, key)
	if res.text == "" {
		return
	}
	c.done[key] = c.lru.PushFront(&summaryEntry{key: key, res: res})
	for c.lru.Len() > c.max {
		old := c.lru.Back()
		c.lru.Remove(old)
		delete(c.done, old.Value.(*summaryEntry).key)
	}
}
