package config

import (
	"strings"
	"testing"
)

func TestLoadEmbedAndRewrite(t *testing.T) {
	for _, tc := range []struct {
		name    string
		env     map[string]string
		model   string
		sim     float64
		rewrite bool
		errs    []string // variables the error names
	}{
		{name: "off by default", env: nil, sim: DefaultEmbedMinSimilarity},
		{name: "rewrite on with an LLM", env: map[string]string{"OPENAI_API_KEY": "sk-x"}, sim: DefaultEmbedMinSimilarity, rewrite: true},
		{name: "rewrite off", env: map[string]string{"OPENAI_API_KEY": "sk-x", "BRIEFBOT_LLM_REWRITE": "off"}, sim: DefaultEmbedMinSimilarity},
		{name: "embeddings on Ollama", env: map[string]string{"OPENAI_BASE_URL": "http://localhost:11434/v1", "BRIEFBOT_EMBED_MODEL": "nomic-embed-text", "BRIEFBOT_EMBED_MIN_SIMILARITY": "0.6"},
			model: "nomic-embed-text", sim: 0.6, rewrite: true},
		{name: "embeddings without a server", env: map[string]string{"BRIEFBOT_EMBED_MODEL": "nomic-embed-text"}, errs: []string{"BRIEFBOT_EMBED_MODEL", "OPENAI_BASE_URL"}},
		{name: "bad similarity", env: map[string]string{"OPENAI_API_KEY": "sk-x", "BRIEFBOT_EMBED_MODEL": "m", "BRIEFBOT_EMBED_MIN_SIMILARITY": "1.5"}, errs: []string{"BRIEFBOT_EMBED_MIN_SIMILARITY"}},
		{name: "similarity without a model", env: map[string]string{"OPENAI_API_KEY": "sk-x", "BRIEFBOT_EMBED_MIN_SIMILARITY": "0.4"}, errs: []string{"BRIEFBOT_EMBED_MIN_SIMILARITY", "BRIEFBOT_EMBED_MODEL"}},
		{name: "rewrite without an LLM", env: map[string]string{"BRIEFBOT_LLM_REWRITE": "on"}, errs: []string{"BRIEFBOT_LLM_REWRITE", "OPENAI_API_KEY"}},
		{name: "rewrite garbage", env: map[string]string{"BRIEFBOT_LLM_REWRITE": "sometimes"}, errs: []string{"BRIEFBOT_LLM_REWRITE", "on", "off"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Load(env(tc.env))
			if len(tc.errs) > 0 {
				if err == nil {
					t.Fatalf("want an error naming %v", tc.errs)
				}
				for _, s := range tc.errs {
					if !strings.Contains(err.Error(), s) {
						t.Errorf("error does not name %s: %v", s, err)
					}
				}
				if strings.Contains(err.Error(), "sk-x") {
					t.Errorf("error leaks the key: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.Embed.Model != tc.model || c.Embed.MinSimilarity != tc.sim || c.LLM.Rewrite != tc.rewrite {
				t.Errorf("embed %+v, rewrite %v", c.Embed, c.LLM.Rewrite)
			}
		})
	}
}
