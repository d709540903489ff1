package config

import (
	"strconv"
	"strings"
)

// Embed holds the optional dense retrieval settings: an embeddings model on
// the LLM's OpenAI-compatible server (OPENAI_BASE_URL, OPENAI_API_KEY).
type Embed struct {
	Model string // BRIEFBOT_EMBED_MODEL; "" means off
	// MinSimilarity is the cosine a passage found only through its vector
	// needs to be returned (BRIEFBOT_EMBED_MIN_SIMILARITY).
	MinSimilarity float64
}

// Enabled reports whether dense retrieval is configured.
func (e Embed) Enabled() bool { return e.Model != "" }

// DefaultEmbedMinSimilarity is BRIEFBOT_EMBED_MIN_SIMILARITY's default.
const DefaultEmbedMinSimilarity = 0.7

// loadEmbed reads the embeddings settings; llm is the already loaded LLM
// configuration whose server they use.
func loadEmbed(get func(string) string, bad func(name, format string, a ...any), llm LLM) Embed {
	e := Embed{Model: get("BRIEFBOT_EMBED_MODEL"), MinSimilarity: DefaultEmbedMinSimilarity}
	if e.Model != "" && !llm.Enabled() {
		bad("BRIEFBOT_EMBED_MODEL", "is set but no server is configured to embed with; set OPENAI_BASE_URL (e.g. http://localhost:11434/v1 for Ollama, whose embeddings model could be nomic-embed-text) or OPENAI_API_KEY (OpenAI, e.g. text-embedding-3-small), or unset BRIEFBOT_EMBED_MODEL")
	}
	if strings.ContainsAny(e.Model, " \t") {
		bad("BRIEFBOT_EMBED_MODEL", "%q is not a model name; use the name the server lists, such as text-embedding-3-small or nomic-embed-text", e.Model)
	}
	if v := get("BRIEFBOT_EMBED_MIN_SIMILARITY"); v != "" {
		f, err := strconv.ParseFloat(v, 64)
		switch {
		case err != nil || f <= 0 || f >= 1:
			bad("BRIEFBOT_EMBED_MIN_SIMILARITY", "%q is not accepted; use a cosine between 0 and 1 such as 0.7 (the default): raise it when off-topic questions get answers, lower it when paraphrased ones get none", v)
		case e.Model == "":
			bad("BRIEFBOT_EMBED_MIN_SIMILARITY", "is set but BRIEFBOT_EMBED_MODEL is not; set the embeddings model too, or unset it")
		default:
			e.MinSimilarity = f
		}
	}
	return e
}

// loadRewrite reads BRIEFBOT_LLM_REWRITE: whether the LLM also rewrites
// each question into extra search words (default: on when an LLM is
// configured).
func loadRewrite(get func(string) string, bad func(name, format string, a ...any), llm LLM) bool {
	switch v := strings.ToLower(get("BRIEFBOT_LLM_REWRITE")); v {
	case "":
		return llm.Enabled()
	case "on", "true", "1", "yes":
		if !llm.Enabled() {
			bad("BRIEFBOT_LLM_REWRITE", "is on but no LLM is configured; set OPENAI_API_KEY or OPENAI_BASE_URL, or unset BRIEFBOT_LLM_REWRITE")
		}
		return llm.Enabled()
	case "off", "false", "0", "no":
		return false
	default:
		bad("BRIEFBOT_LLM_REWRITE", "%q is not accepted; use on (the default when an LLM is configured) or off", v)
		return false
	}
}
