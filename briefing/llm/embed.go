package llm

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"

	"github.com/sashabaranov/go-openai"

	"briefbot/briefing"
)

// Embedder embeds texts through an OpenAI-compatible embeddings API (POST
// /v1/embeddings: OpenAI, Ollama, vLLM, llama.cpp). It is a
// briefing.Embedder, safe for concurrent use. It makes one request a call,
// without retries: its callers fall back to the offline ranking and try
// again later.
type Embedder struct {
	c *Client
}

var _ briefing.Embedder = (*Embedder)(nil)

// NewEmbedder returns an Embedder for cfg, whose Model is the embeddings
// model (such as text-embedding-3-small or nomic-embed-text). Its errors
// never contain the key or the URL.
func NewEmbedder(cfg Config) (*Embedder, error) {
	c, err := New(cfg)
	if err != nil {
		return nil, err
	}
	return &Embedder{c: c}, nil
}

// Model returns the embeddings model's name.
func (e *Embedder) Model() string { return e.c.model }

// Error is a failed call, with a short reason fit for a metric label:
// timeout, unreachable, unauthorized, rate_limited, server_error, rejected
// (another 4xx), bad_reply (not an embeddings reply, or one that does not
// fit the request) or dimensions (vectors of different lengths).
type Error struct {
	reason string
	err    error
}

func (e *Error) Error() string { return e.err.Error() }
func (e *Error) Unwrap() error { return e.err }

// Reason is the failure's metric label.
func (e *Error) Reason() string { return e.reason }

// Embed returns one vector for each of texts, in order. A failure is an
// *Error; it never quotes the key.
func (e *Embedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	if len(texts) == 0 {
		return nil, nil
	}
	rec := &recorder{hc: e.c.hc}
	cfg := e.c.cfg
	cfg.HTTPClient = rec
	req := openai.EmbeddingRequestStrings{Input: texts, Model: openai.EmbeddingModel(e.c.model)}
	resp, err := openai.NewClientWithConfig(cfg).CreateEmbeddings(ctx, req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, &Error{"timeout", fmt.Errorf("llm: embeddings: %w", ctx.Err())}
		}
		return nil, &Error{reason(err, rec), e.c.describe("embeddings", err, rec)}
	}
	out := make([][]float32, len(texts))
	if len(resp.Data) != len(texts) {
		return nil, &Error{"bad_reply", fmt.Errorf("llm: embeddings: %d vectors for %d inputs", len(resp.Data), len(texts))}
	}
	dims := len(resp.Data[0].Embedding)
	for _, d := range resp.Data {
		switch {
		case d.Index < 0 || d.Index >= len(texts) || out[d.Index] != nil:
			return nil, &Error{"bad_reply", fmt.Errorf("llm: embeddings: index %d out of place", d.Index)}
		case len(d.Embedding) == 0:
			return nil, &Error{"bad_reply", errors.New("llm: embeddings: an empty vector")}
		case len(d.Embedding) != dims:
			return nil, &Error{"dimensions", fmt.Errorf("llm: embeddings: vectors of %d and %d dimensions in one reply", dims, len(d.Embedding))}
		}
		for _, x := range d.Embedding {
			if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
				return nil, &Error{"bad_reply", errors.New("llm: embeddings: a vector with a non-finite value")}
			}
		}
		out[d.Index] = d.Embedding
	}
	return out, nil
}

// reason classifies a failed call for Error.Reason.
func reason(err error, rec *recorder) string {
	var ue *url.Error
	switch s := rec.status; {
	case s == http.StatusUnauthorized || s == http.StatusForbidden:
		return "unauthorized"
	case s == http.StatusTooManyRequests:
		return "rate_limited"
	case s >= 500:
		return "server_error"
	case s >= 400:
		return "rejected"
	case s == 0 && errors.As(err, &ue):
		if ue.Timeout() {
			return "timeout"
		}
		return "unreachable"
	}
	return "bad_reply"
}
