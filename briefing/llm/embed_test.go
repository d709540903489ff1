package llm_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"briefbot/briefing/llm"
	"briefbot/briefing/llm/llmtest"
)

func TestEmbedWireFormat(t *testing.T) {
	srv := llmtest.NewServer(t)
	srv.EmbedWith(llmtest.Concepts([]string{"chip"}, []string{"wind"}))
	e, err := llm.NewEmbedder(llm.Config{APIKey: "sk-embed-key-123456", BaseURL: srv.URL, Model: "embed-1"})
	if err != nil {
		t.Fatal(err)
	}
	vs, err := e.Embed(context.Background(), []string{"chips and more chips", "wind", "nothing"})
	if err != nil {
		t.Fatal(err)
	}
	want := [][]float32{{2, 0}, {0, 1}, {0, 0}}
	if len(vs) != 3 || vs[0][0] != want[0][0] || vs[1][1] != want[1][1] || vs[2][0] != 0 {
		t.Errorf("vectors %v, want %v", vs, want)
	}
	r := srv.Requests()[0]
	var body map[string]any
	if err := json.Unmarshal(r.Body, &body); err != nil {
		t.Fatal(err)
	}
	if r.Path != "/v1/embeddings" || body["model"] != "embed-1" || len(body["input"].([]any)) != 3 || r.Authorization != "Bearer sk-embed-key-123456" {
		t.Errorf("request %s %s", r.Path, r.Body)
	}
	if e.Model() != "embed-1" {
		t.Errorf("model %q", e.Model())
	}
}

func TestEmbedOrdersByIndex(t *testing.T) {
	srv := llmtest.NewServer(t, llmtest.Reply{Body: `{"object":"list","model":"m","data":[` +
		`{"object":"embedding","index":1,"embedding":[0,1]},{"object":"embedding","index":0,"embedding":[1,0]}]}`})
	e, _ := llm.NewEmbedder(llm.Config{BaseURL: srv.URL, Model: "m"})
	vs, err := e.Embed(context.Background(), []string{"a", "b"})
	if err != nil || vs[0][0] != 1 || vs[1][1] != 1 {
		t.Errorf("vectors %v, %v", vs, err)
	}
}

func TestEmbedFailures(t *testing.T) {
	const key = "sk-embed-secret-abcdef123456"
	for _, tc := range []struct {
		name, reason string
		reply        llmtest.Reply
	}{
		{"401", "unauthorized", llmtest.Reply{Status: 401, Content: "Incorrect API key provided: " + key}},
		{"429", "rate_limited", llmtest.Reply{Status: 429, Content: "slow down"}},
		{"500", "server_error", llmtest.Reply{Status: 500, Content: "boom"}},
		{"404", "rejected", llmtest.Reply{Status: 404, Content: "model not found"}},
		{"html", "bad_reply", llmtest.Reply{Body: "<html>proxy</html>", ContentType: "text/html"}},
		{"too few", "bad_reply", llmtest.Reply{Vectors: [][]float32{{1, 2}}}},
		{"ragged", "dimensions", llmtest.Reply{Vectors: [][]float32{{1, 2}, {1, 2, 3}}}},
		{"empty vector", "bad_reply", llmtest.Reply{Vectors: [][]float32{{}, {}}}},
		{"duplicate index", "bad_reply", llmtest.Reply{Body: `{"object":"list","data":[{"index":0,"embedding":[1]},{"index":0,"embedding":[1]}]}`}},
		{"slow", "timeout", llmtest.Reply{Hang: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := llmtest.NewServer(t, tc.reply)
			e, _ := llm.NewEmbedder(llm.Config{APIKey: key, BaseURL: srv.URL, Model: "m"})
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if tc.reason == "timeout" {
				var c2 context.CancelFunc
				ctx, c2 = context.WithTimeout(ctx, 20*time.Millisecond)
				defer c2()
			}
			_, err := e.Embed(ctx, []string{"a", "b"})
			var le *llm.Error
			if !errors.As(err, &le) || le.Reason() != tc.reason {
				t.Fatalf("error %v, want reason %s", err, tc.reason)
			}
			if strings.Contains(err.Error(), key) || strings.Contains(err.Error(), srv.URL) {
				t.Errorf("the error shows the key or the URL: %v", err)
			}
		})
	}
}

func TestRewrite(t *testing.T) {
	srv := llmtest.NewServer(t, llmtest.Reply{Content: "<think>hmm</think>\n\"export restrictions chip ban semiconductors\"\nSecond line ignored"})
	c, _ := llm.New(llm.Config{BaseURL: srv.URL, Model: "m"})
	got, err := c.Rewrite(context.Background(), "what about the chip ban?")
	if err != nil || got != "export restrictions chip ban semiconductors" {
		t.Errorf("rewrite %q, %v", got, err)
	}
	r := srv.Requests()[0]
	if r.Prompt("user") != "what about the chip ban?" || r.Chat.MaxTokens == 0 {
		t.Errorf("request %s", r.Body)
	}
}
