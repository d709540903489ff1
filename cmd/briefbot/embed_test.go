package main

import (
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"

	"briefbot/briefing/llm/llmtest"
)

// TestIndexEmbedsAndAskUsesTheVectors: with BRIEFBOT_EMBED_MODEL, index
// waits for the passages to be embedded (once: the second index asks for
// nothing), ask finds a paraphrase through the cached vectors, and with
// the endpoint down ask still answers offline, keeping the key out.
func TestIndexEmbedsAndAskUsesTheVectors(t *testing.T) {
	srv := llmtest.NewServer(t)
	srv.EmbedWith(llmtest.Concepts([]string{"allotment", "garden", "plot"}, []string{"yield", "harvest", "crop", "tomato"}))
	const key = "sk-embed-cli-secret-0123456789"
	data := t.TempDir()
	env := map[string]string{"OPENAI_BASE_URL": srv.URL, "OPENAI_API_KEY": key, "BRIEFBOT_EMBED_MODEL": "fake-embed", "BRIEFBOT_LLM_REWRITE": "off"}
	code, out, errOut := runCLI(t, env, "", "index", "--corpus", newsDir(t), "--data", data)
	if code != 0 || !strings.Contains(out, "embedded with fake-embed") || srv.Calls() == 0 {
		t.Fatalf("index: exit %d, %d requests\n%s%s", code, srv.Calls(), out, errOut)
	}
	calls := srv.Calls()
	code, out, _ = runCLI(t, env, "", "index", "--corpus", newsDir(t), "--data", data)
	if code != 0 || srv.Calls() != calls || !strings.Contains(out, "0 embedded in 0 requests") {
		t.Errorf("second index: %d more requests\n%s", srv.Calls()-calls, out)
	}

	const paraphrase = "were allotment yields good?"
	var res struct {
		Passages []struct{ Doc string } `json:"passages"`
	}
	_, out, _ = runCLI(t, env, "", "ask", "--corpus", newsDir(t), "--data", data, "--json", paraphrase)
	if err := json.Unmarshal([]byte(out), &res); err != nil || len(res.Passages) == 0 || res.Passages[0].Doc != "garden" {
		t.Errorf("ask %q with embeddings: %s", paraphrase, out)
	}

	down := httptest.NewServer(nil)
	down.Close()
	env["OPENAI_BASE_URL"] = down.URL + "/v1"
	code, out, errOut = runCLI(t, env, "", "ask", "--corpus", newsDir(t), "--data", data, "--json", "what did sources say about export controls?")
	res.Passages = nil
	if err := json.Unmarshal([]byte(out), &res); code != 0 || err != nil || len(res.Passages) == 0 {
		t.Errorf("ask with the endpoint down: exit %d\n%s%s", code, out, errOut)
	}
	if strings.Contains(out+errOut, key) {
		t.Errorf("the key reached the output:\n%s%s", out, errOut)
	}
	code, out, _ = runCLI(t, env, "", "ask", "--corpus", newsDir(t), "--data", data, "--json", "what is a good sourdough recipe?")
	if code != 0 || !strings.Contains(out, `"passages":[]`) {
		t.Errorf("off-topic with the endpoint down: %s", out)
	}
}
