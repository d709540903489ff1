// Package llmtest is a fake OpenAI-compatible server for tests: chat
// completions (POST /v1/chat/completions) and embeddings (POST
// /v1/embeddings). It records what it is sent and answers from a script,
// over the real wire format.
package llmtest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/sashabaranov/go-openai"
)

// Reply is one scripted answer. The zero Reply is a 200 chat completion with
// empty content.
type Reply struct {
	Status      int         // HTTP status; default 200
	ContentType string      // default application/json
	RetryAfter  string      // the Retry-After header, when set
	Header      http.Header // further headers
	// Body, when set, is sent as is; otherwise a chat completion whose
	// message is Content (with Usage) for a 2xx status, or an OpenAI error
	// object with Content as its message.
	Body    string
	Content string
	Usage   openai.Usage
	// Hang, when true, answers nothing until the request is cancelled.
	Hang bool
	// Vectors, for an embeddings request with a 2xx status and no Body,
	// are the vectors sent (in order, data[i].index = i); unset, the
	// server's embedding function (see EmbedWith) makes them.
	Vectors [][]float32
}

// Request is one request the server received.
type Request struct {
	Path          string
	Authorization string                         // the Authorization header
	Body          []byte                         // raw
	Chat          openai.ChatCompletionRequest   // for /v1/chat/completions
	Embeddings    openai.EmbeddingRequestStrings // for /v1/embeddings
}

// Prompt returns the content of the messages of role ("system", "user").
func (r Request) Prompt(role string) string {
	var parts []string
	for _, m := range r.Chat.Messages {
		if m.Role == role {
			parts = append(parts, m.Content)
		}
	}
	return strings.Join(parts, "\n")
}

// Server is the fake. Its methods are safe for concurrent use.
type Server struct {
	// URL is the API base URL, ending in /v1, for llm.Config.BaseURL.
	URL string

	mu       sync.Mutex
	script   []Reply
	respond  func(Request) Reply
	requests []Request
	embed    func(string) []float32
	closing  chan struct{}
}

// EmbedWith makes f compute the vector of each embeddings input (by
// default Concepts() of nothing: every vector zero).
func (s *Server) EmbedWith(f func(text string) []float32) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.embed = f
}

// Inputs returns every embeddings input received so far, in order.
func (s *Server) Inputs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, r := range s.requests {
		out = append(out, r.Embeddings.Input...)
	}
	return out
}

// NewServer starts a server answering with replies in order, the last one
// repeating (no replies: Echo). It is closed when the test ends.
func NewServer(t testing.TB, replies ...Reply) *Server {
	t.Helper()
	s := &Server{script: replies, closing: make(chan struct{})}
	srv := httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = srv.URL + "/v1"
	t.Cleanup(func() {
		close(s.closing)
		srv.Close()
	})
	return s
}

// Respond makes the server answer every further request with f's Reply.
func (s *Server) Respond(f func(Request) Reply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.respond = f
}

// Requests returns the requests received so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// Calls returns how many requests were received.
func (s *Server) Calls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.requests)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	req := Request{Path: r.URL.Path, Authorization: r.Header.Get("Authorization"), Body: body}
	var into any
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/v1/chat/completions":
		into = &req.Chat
	case r.Method == http.MethodPost && r.URL.Path == "/v1/embeddings":
		into = &req.Embeddings
	default:
		http.Error(w, `{"error":{"message":"unknown endpoint","type":"invalid_request_error"}}`, http.StatusNotFound)
		return
	}
	if err := json.Unmarshal(body, into); err != nil {
		http.Error(w, `{"error":{"message":"malformed request","type":"invalid_request_error"}}`, http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	n := len(s.requests)
	s.requests = append(s.requests, req)
	var reply Reply
	switch {
	case s.respond != nil:
		reply = s.respond(req)
	case len(s.script) == 0 && req.Path == "/v1/embeddings":
		reply = Reply{}
	case len(s.script) == 0:
		reply = Echo(req)
	case n < len(s.script):
		reply = s.script[n]
	default:
		reply = s.script[len(s.script)-1]
	}
	embed := s.embed
	s.mu.Unlock()

	if reply.Hang {
		select {
		case <-r.Context().Done():
		case <-s.closing:
		}
		return
	}
	status := reply.Status
	if status == 0 {
		status = http.StatusOK
	}
	ct := reply.ContentType
	if ct == "" {
		ct = "application/json"
	}
	w.Header().Set("Content-Type", ct)
	if reply.RetryAfter != "" {
		w.Header().Set("Retry-After", reply.RetryAfter)
	}
	for k, vs := range reply.Header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	out := []byte(reply.Body)
	switch {
	case reply.Body != "":
	case req.Path == "/v1/embeddings" && status < 300:
		out = embeddings(req.Embeddings, reply, embed)
	default:
		out = completion(req.Chat.Model, status, reply)
	}
	w.WriteHeader(status)
	_, _ = w.Write(out)
}

// completion encodes a chat completion, or for an error status an OpenAI
// error object.
func completion(model string, status int, r Reply) []byte {
	var v any
	if status >= 300 {
		v = map[string]any{"error": map[string]any{"message": r.Content, "type": "server_error", "param": nil, "code": nil}}
	} else {
		v = openai.ChatCompletionResponse{
			ID:      "chatcmpl-test",
			Object:  "chat.completion",
			Created: 1700000000,
			Model:   model,
			Choices: []openai.ChatCompletionChoice{{
				Index:        0,
				Message:      openai.ChatCompletionMessage{Role: openai.ChatMessageRoleAssistant, Content: r.Content},
				FinishReason: openai.FinishReasonStop,
			}},
			Usage: r.Usage,
		}
	}
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("llmtest: encode reply: %v", err)) // a bug in this package
	}
	return b
}

// passageRE finds the fenced passages of the prompt briefing/llm writes.
var passageRE = regexp.MustCompile(`(?s)<<<PASSAGE (\d+)>>>\n(.*?)\n<<<END PASSAGE (\d+)>>>`)

// Passages returns the passages fenced in the request's user message, by
// number: their lines (Title:, Source:, Date:, Text:) as sent.
func Passages(r Request) map[int]string {
	out := map[int]string{}
	for _, m := range passageRE.FindAllStringSubmatch(r.Prompt(openai.ChatMessageRoleUser), -1) {
		n, _ := strconv.Atoi(m[1])
		if m[1] == m[3] {
			out[n] = m[2]
		}
	}
	return out
}

// Echo answers like a well-behaved model: one sentence for each of the first
// two passages, attributing it to the passage's source, quoting its first
// five words verbatim and citing it.
func Echo(r Request) Reply {
	ps := Passages(r)
	var b strings.Builder
	for n := 1; n <= 2; n++ {
		p, ok := ps[n]
		if !ok {
			break
		}
		source, text := "one source", ""
		for _, line := range strings.Split(p, "\n") {
			if v, ok := strings.CutPrefix(line, "Source: "); ok {
				source = v
			}
			if v, ok := strings.CutPrefix(line, "Text: "); ok {
				text = v
			}
		}
		var words []string
		for _, w := range strings.Fields(text) {
			if w = strings.Trim(w, `"“”‘’'`); w != "" && len(words) < 5 {
				words = append(words, w)
			}
		}
		if b.Len() > 0 {
			b.WriteString(" ")
		}
		fmt.Fprintf(&b, "According to %s, the article opens with \"%s\" [%d].", source, strings.Join(words, " "), n)
	}
	return Reply{Content: b.String(), Usage: openai.Usage{PromptTokens: 100, CompletionTokens: 20, TotalTokens: 120}}
}

// embeddings encodes an embeddings reply: reply.Vectors, or embed of each
// input.
func embeddings(req openai.EmbeddingRequestStrings, reply Reply, embed func(string) []float32) []byte {
	if embed == nil {
		embed = Concepts()
	}
	vecs := reply.Vectors
	if vecs == nil {
		for _, in := range req.Input {
			vecs = append(vecs, embed(in))
		}
	}
	type datum struct {
		Object    string    `json:"object"`
		Index     int       `json:"index"`
		Embedding []float32 `json:"embedding"`
	}
	data := make([]datum, len(vecs))
	tokens := 0
	for i, v := range vecs {
		data[i] = datum{Object: "embedding", Index: i, Embedding: v}
	}
	for _, in := range req.Input {
		tokens += len(strings.Fields(in))
	}
	b, err := json.Marshal(map[string]any{
		"object": "list", "data": data, "model": string(req.Model),
		"usage": map[string]int{"prompt_tokens": tokens, "total_tokens": tokens},
	})
	if err != nil {
		panic(fmt.Sprintf("llmtest: encode embeddings: %v", err)) // a bug in this package
	}
	return b
}

// Concepts returns a deterministic embedding function for tests: a
// bag-of-concepts vector with one dimension for each group of words (one
// dimension, always 0, when there is no group). A text's vector counts its
// words that begin with a word of each group, so texts sharing a group's
// words point the same way however they are worded, and texts sharing none
// are orthogonal (cosine 0).
func Concepts(groups ...[]string) func(string) []float32 {
	return func(text string) []float32 {
		v := make([]float32, max(len(groups), 1))
		for _, w := range strings.Fields(strings.ToLower(text)) {
			w = strings.Trim(w, ".,;:!?\"'()[]“”‘’")
			for g, words := range groups {
				for _, x := range words {
					if w != "" && strings.HasPrefix(w, x) {
						v[g]++
					}
				}
			}
		}
		return v
	}
}
