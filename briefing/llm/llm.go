// Package llm summarises passages through any OpenAI-compatible
// chat-completions API (OpenAI itself, or Ollama, vLLM, llama.cpp, LocalAI and
// the like through a base URL) with github.com/sashabaranov/go-openai.
//
// Its Client is a briefing.Summarizer. It only writes the summary: it fences
// the passages as untrusted data and asks for attributed, cited sentences and
// verbatim quotations, but verifying the reply is the caller's job.
//
// The API key is sent in the Authorization header and nowhere else: errors
// and log lines are composed here from the status, the error type and a
// redacted message, never from the upstream client's error text.
package llm

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/sashabaranov/go-openai"

	"briefbot/briefing"
)

// Config configures a Client.
type Config struct {
	// APIKey is sent as a bearer token. It may be empty when BaseURL names a
	// server that needs none (Ollama, a local vLLM).
	APIKey string
	// BaseURL is the API root, such as http://localhost:11434/v1; a URL
	// without a path gets /v1. Empty means https://api.openai.com/v1.
	BaseURL string
	// Model names the model, such as gpt-4o-mini or llama3.1. Required.
	Model string
	// MaxRetries bounds the retries of a rate-limited (429) call: 0 means
	// DefaultMaxRetries, a negative number none. A 5xx reply is retried once.
	// No retry waits past the caller's deadline.
	MaxRetries int
	// Registerer, when set, receives the briefbot_llm_prompt_tokens_total,
	// briefbot_llm_completion_tokens_total and briefbot_llm_retries_total
	// counters.
	Registerer prometheus.Registerer
	// Log receives retries (Info) and each call's outcome (Debug).
	Log *slog.Logger
	// HTTPClient makes the calls; default a client without a timeout (the
	// caller's context is the deadline).
	HTTPClient *http.Client
}

// Retry and reply limits.
const (
	// DefaultMaxRetries is how often a rate-limited call is retried.
	DefaultMaxRetries = 2
	// maxRetryWait is the longest Retry-After honoured; longer means give up.
	maxRetryWait = 30 * time.Second
	// rateLimitBackoff is the first wait after a 429 without Retry-After.
	rateLimitBackoff = time.Second
	// serverErrorBackoff is the wait before retrying a 5xx reply.
	serverErrorBackoff = 500 * time.Millisecond
	// replyTokens bounds a reply's length; reasoningReplyTokens leaves a
	// reasoning model room to think as well.
	replyTokens          = 600
	reasoningReplyTokens = 4000
	// maxReplyBytes bounds what is read of a reply body.
	maxReplyBytes = 4 << 20
)

// Client summarises through an OpenAI-compatible API. It is safe for
// concurrent use.
type Client struct {
	cfg        openai.ClientConfig // without HTTPClient, set per call
	hc         *http.Client
	model      string
	key        string // only to redact it
	maxRetries int
	reasoning  bool // the model takes max_completion_tokens, not max_tokens
	log        *slog.Logger
	m          metrics
	sleep      func(ctx context.Context, d time.Duration) error
}

var _ briefing.Summarizer = (*Client)(nil)
var _ briefing.PromptSizer = (*Client)(nil)

// New returns a Client for cfg. Its errors never contain the key or the URL.
func New(cfg Config) (*Client, error) {
	if strings.TrimSpace(cfg.Model) == "" {
		return nil, errors.New("llm: no model named")
	}
	if cfg.APIKey == "" && cfg.BaseURL == "" {
		return nil, errors.New("llm: neither an API key nor a base URL is set")
	}
	oc := openai.DefaultConfig(cfg.APIKey)
	if cfg.BaseURL != "" {
		u, err := url.Parse(cfg.BaseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, errors.New("llm: the base URL is not an http(s) URL")
		}
		if strings.Trim(u.Path, "/") == "" {
			u.Path = "/v1"
		}
		oc.BaseURL = strings.TrimRight(u.String(), "/")
	}
	c := &Client{
		cfg:        oc,
		hc:         cfg.HTTPClient,
		model:      cfg.Model,
		key:        cfg.APIKey,
		maxRetries: cfg.MaxRetries,
		log:        cfg.Log,
		m:          newMetrics(cfg.Registerer),
		sleep:      sleepCtx,
	}
	if c.hc == nil {
		c.hc = &http.Client{}
	}
	if c.maxRetries == 0 {
		c.maxRetries = DefaultMaxRetries
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	probe := openai.ChatCompletionRequest{Model: c.model, MaxTokens: replyTokens}
	c.reasoning = errors.Is(openai.NewReasoningValidator().Validate(probe), openai.ErrReasoningModelMaxTokensDeprecated)
	return c, nil
}

// Model returns the model's name.
func (c *Client) Model() string { return c.model }

// Summarize asks the model for a summary of req's passages, citing them [n].
// It retries a 429 reply after its Retry-After (at most MaxRetries times, and
// never past ctx's deadline) and a 5xx reply once; any other failure, a
// malformed reply or an empty one is an error. Summary.Model is the model
// configured.
func (c *Client) Summarize(ctx context.Context, req briefing.SummaryRequest) (briefing.Summary, error) {
	if len(req.Passages) == 0 {
		return briefing.Summary{}, errors.New("llm: no passages to summarise")
	}
	msgs := messages(req)
	creq := openai.ChatCompletionRequest{Model: c.model, Messages: msgs}
	if c.reasoning {
		creq.MaxCompletionTokens = reasoningReplyTokens
	} else {
		creq.MaxTokens = replyTokens
	}
	var tries retries
	for {
		rec := &recorder{hc: c.hc}
		cfg := c.cfg
		cfg.HTTPClient = rec
		start := time.Now()
		resp, err := openai.NewClientWithConfig(cfg).CreateChatCompletion(ctx, creq)
		if err == nil {
			return c.reply(resp, msgs, time.Since(start))
		}
		if ctx.Err() != nil {
			return briefing.Summary{}, fmt.Errorf("llm: chat completion: %w", ctx.Err())
		}
		failure := c.describe("chat completion", err, rec)
		c.log.Debug("llm call failed", "model", c.model, "status", rec.status, "err", failure)
		wait, reason := c.retryPlan(err, rec, &tries)
		if reason == "" {
			return briefing.Summary{}, failure
		}
		if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) <= wait {
			return briefing.Summary{}, fmt.Errorf("%w (a retry in %s would pass the deadline)", failure, wait)
		}
		c.m.retries.WithLabelValues(reason).Inc()
		c.log.Info("llm call retrying", "model", c.model, "status", rec.status, "reason", reason, "wait", wait)
		if err := c.sleep(ctx, wait); err != nil {
			return briefing.Summary{}, fmt.Errorf("llm: chat completion: %w", err)
		}
	}
}

// thinking matches a reasoning model's <think> block (deepseek-r1, qwq), or
// one left open by a reply cut short.
var thinking = regexp.MustCompile(`(?s)<think>.*?(?:</think>|$)`)

// reply turns a successful response into a Summary and counts its tokens
// (estimated when the server reports no usage).
func (c *Client) reply(resp openai.ChatCompletionResponse, msgs []openai.ChatCompletionMessage, took time.Duration) (briefing.Summary, error) {
	if len(resp.Choices) == 0 {
		return briefing.Summary{}, errors.New("llm: chat completion: malformed reply: no choices")
	}
	ch := resp.Choices[0]
	text := strings.TrimSpace(thinking.ReplaceAllString(ch.Message.Content, ""))
	prompt, completion := resp.Usage.PromptTokens, resp.Usage.CompletionTokens
	if prompt == 0 {
		prompt = promptTokens(msgs)
	}
	if completion == 0 {
		completion = briefing.EstimateTokens(ch.Message.Content)
	}
	c.m.promptTokens.Add(float64(prompt))
	c.m.completionTokens.Add(float64(completion))
	c.log.Debug("llm call done", "model", c.model, "prompt_tokens", prompt, "completion_tokens", completion,
		"finish_reason", string(ch.FinishReason), "took", took)
	switch {
	case ch.FinishReason == openai.FinishReasonContentFilter:
		return briefing.Summary{}, errors.New("llm: chat completion: the reply was withheld by a content filter")
	case text == "" && ch.Message.Refusal != "":
		return briefing.Summary{}, errors.New("llm: chat completion: the model refused")
	case text == "":
		return briefing.Summary{}, errors.New("llm: chat completion: empty reply")
	}
	return briefing.Summary{Text: text, Model: c.model}, nil
}

// retries counts the retries of one Summarize.
type retries struct {
	rateLimited, serverError int
}

// retryPlan says how long to wait before retrying a failed call and why
// ("rate_limited", "server_error"), or "" for no retry.
func (c *Client) retryPlan(err error, rec *recorder, t *retries) (time.Duration, string) {
	switch {
	case rec.status == http.StatusTooManyRequests:
		var ae *openai.APIError
		if errors.As(err, &ae) && (fmt.Sprint(ae.Code) == "insufficient_quota" || ae.Type == "insufficient_quota") {
			return 0, "" // waiting does not buy quota
		}
		if t.rateLimited >= c.maxRetries {
			return 0, ""
		}
		wait, ok := retryAfter(rec.header, time.Now())
		if !ok {
			wait = rateLimitBackoff << t.rateLimited
		}
		if wait > maxRetryWait {
			return 0, ""
		}
		t.rateLimited++
		return wait, "rate_limited"
	case rec.status >= 500 && rec.status <= 599:
		if t.serverError >= 1 {
			return 0, ""
		}
		t.serverError++
		return serverErrorBackoff, "server_error"
	}
	return 0, ""
}

// retryAfter reads how long a 429 reply asks to wait: retry-after-ms (as
// OpenAI sends) or Retry-After in seconds or as an HTTP date.
func retryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	if h == nil {
		return 0, false
	}
	if v := strings.TrimSpace(h.Get("Retry-After-Ms")); v != "" {
		if ms, err := strconv.ParseFloat(v, 64); err == nil && ms >= 0 && !math.IsInf(ms, 0) {
			return time.Duration(min(ms, float64(maxRetryWait/time.Millisecond)+1) * float64(time.Millisecond)), true
		}
	}
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if s, err := strconv.ParseFloat(v, 64); err == nil && s >= 0 && !math.IsInf(s, 0) {
		return time.Duration(min(s, maxRetryWait.Seconds()+1) * float64(time.Second)), true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// describe turns the upstream client's error into one of ours: the status,
// the error's type or code and its message redacted, or for a non-OpenAI
// error body only its type and size. The upstream error text itself, which
// may quote the body or the request, is never used.
func (c *Client) describe(op string, err error, rec *recorder) error {
	var ae *openai.APIError
	var re *openai.RequestError
	var ue *url.Error
	switch {
	case errors.As(err, &ae) && ae.HTTPStatusCode != 0:
		kind := ae.Type
		if code := fmt.Sprint(ae.Code); ae.Code != nil && code != "" && code != "0" {
			kind = code // more specific, e.g. invalid_api_key
		}
		if kind == "" {
			kind = "error"
		}
		return fmt.Errorf("llm: %s: status %d, %s: %s", op, ae.HTTPStatusCode, c.redact(kind), c.redact(ae.Message))
	case errors.As(err, &re):
		ct := rec.header.Get("Content-Type")
		if ct == "" {
			ct = "no content type"
		}
		return fmt.Errorf("llm: %s: status %d with a non-OpenAI error body (%s, %d bytes)", op, re.HTTPStatusCode, c.redact(ct), len(re.Body))
	case errors.As(err, &ue):
		return fmt.Errorf("llm: %s: %s", op, c.redact(ue.Err.Error()))
	case rec.status != 0:
		return fmt.Errorf("llm: %s: malformed reply (status %d): %s", op, rec.status, c.redact(err.Error()))
	default:
		return fmt.Errorf("llm: %s: %s", op, c.redact(err.Error()))
	}
}

// Patterns of secrets a server might echo in an error message.
var (
	secretKey    = regexp.MustCompile(`\b(?:sk|pk|rk)-[A-Za-z0-9_*.\-]{6,}`)
	secretBearer = regexp.MustCompile(`(?i)\bbearer\s+\S+`)
)

// maxMessage bounds an upstream message quoted in an error.
const maxMessage = 300

// redact removes the key and anything shaped like a key or bearer token
// from s, and shortens it.
func (c *Client) redact(s string) string {
	if len(c.key) >= 4 {
		s = strings.ReplaceAll(s, c.key, "[redacted]")
	}
	s = secretKey.ReplaceAllString(s, "[redacted]")
	s = secretBearer.ReplaceAllString(s, "Bearer [redacted]")
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > maxMessage {
		s = string(r[:maxMessage]) + "…"
	}
	return s
}

// recorder is the HTTP client of one attempt: it keeps the reply's status
// and headers (the upstream client does not expose them on errors) and
// bounds the body read.
type recorder struct {
	hc     *http.Client
	status int
	header http.Header
}

// Do implements openai.HTTPDoer.
func (r *recorder) Do(req *http.Request) (*http.Response, error) {
	resp, err := r.hc.Do(req)
	if err != nil {
		return nil, err
	}
	r.status, r.header = resp.StatusCode, resp.Header
	resp.Body = limitedBody{Reader: io.LimitReader(resp.Body, maxReplyBytes), Closer: resp.Body}
	return resp, nil
}

type limitedBody struct {
	io.Reader
	io.Closer
}

// sleepCtx waits d or until ctx is done.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// metrics are the Client's counters.
type metrics struct {
	promptTokens, completionTokens prometheus.Counter
	retries                        *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) metrics {
	m := metrics{
		promptTokens: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "briefbot_llm_prompt_tokens_total",
			Help: "Prompt tokens sent to the LLM (as reported by the server, else estimated).",
		}),
		completionTokens: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "briefbot_llm_completion_tokens_total",
			Help: "Completion tokens received from the LLM (as reported by the server, else estimated).",
		}),
		retries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "briefbot_llm_retries_total",
			Help: "LLM calls retried, by reason (rate_limited, server_error).",
		}, []string{"reason"}),
	}
	// A clashing metric of another type counts without being exported.
	if reg != nil {
		m.promptTokens, _ = briefing.RegisterMetric(reg, m.promptTokens)
		m.completionTokens, _ = briefing.RegisterMetric(reg, m.completionTokens)
		m.retries, _ = briefing.RegisterMetric(reg, m.retries)
	}
	return m
}
