package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"briefbot/briefing/llm/llmtest"
)

// runCLI runs briefbot in-process with only the given environment.
func runCLI(t *testing.T, env map[string]string, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), args, strings.NewReader(stdin), &out, &errb, func(k string) string { return env[k] })
	return code, out.String(), errb.String()
}

func newsDir(t *testing.T) string {
	t.Helper()
	abs, err := filepath.Abs("../../briefing/testdata/news")
	if err != nil {
		t.Fatal(err)
	}
	return abs
}

func TestAskJSONSchema(t *testing.T) {
	data := t.TempDir()
	code, out, errOut := runCLI(t, nil, "", "ask", "--corpus", newsDir(t), "--data", data, "--json", "--k", "3", "what did sources say about export controls?")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var res struct {
		Question string `json:"question"`
		Passages []struct {
			Doc, Title, Source, Published, URL, Text string
			Score                                    float64
		} `json:"passages"`
		Answer       string `json:"answer"`
		SummarizedBy string `json:"summarized_by"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if res.Question != "what did sources say about export controls?" || res.SummarizedBy != "extractive" || res.Answer == "" {
		t.Errorf("fields: %+v", res)
	}
	if len(res.Passages) == 0 || len(res.Passages) > 3 {
		t.Fatalf("got %d passages, want 1..3", len(res.Passages))
	}
	for i, p := range res.Passages {
		if p.Doc == "" || p.Text == "" || p.Score <= 0 {
			t.Errorf("passage %d incomplete: %+v", i, p)
		}
		if i > 0 && p.Score > res.Passages[i-1].Score {
			t.Errorf("passages are not best first: %d scores %v after %v", i, p.Score, res.Passages[i-1].Score)
		}
	}
	if !strings.HasPrefix(res.Answer, "Export controls · ") || !strings.Contains(res.Answer, "> ") {
		t.Errorf("answer is not the rendered reply:\n%s", res.Answer)
	}
	found := false
	for _, p := range res.Passages {
		if p.Doc == "chips-ledger" {
			found = true
			if p.Title != "Washington tightens chip export controls again" || p.Source != "The Example Ledger" ||
				p.Published != "2025-01-28" || p.URL != "https://example.com/ledger/chip-controls" {
				t.Errorf("metadata of chips-ledger: %+v", p)
			}
		}
	}
	if !found {
		t.Errorf("chips-ledger not among %+v", res.Passages)
	}

	// Nothing relevant: an empty list, not null, and an answer that says so.
	_, out, _ = runCLI(t, nil, "", "ask", "--corpus", newsDir(t), "--data", data, "--json", "who won the FIFA World Cup?")
	if !strings.Contains(out, `"passages":[]`) || !strings.Contains(out, "Nothing in the corpus") {
		t.Errorf("irrelevant question: %s", out)
	}
}

func TestAskReadsQuestionsFromStdin(t *testing.T) {
	code, out, errOut := runCLI(t, nil, "export controls\n\ncommunity gardens\n", "ask", "--corpus", newsDir(t), "--data", t.TempDir(), "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 {
		t.Fatalf("want one JSON object a line for 2 questions, got %d lines:\n%s", len(lines), out)
	}
	for i, want := range []string{"export controls", "community gardens"} {
		var res struct{ Question string }
		if err := json.Unmarshal([]byte(lines[i]), &res); err != nil || res.Question != want {
			t.Errorf("line %d: %v %q", i, err, lines[i])
		}
	}
}

func TestBadInputExits2WithOneLine(t *testing.T) {
	news := newsDir(t)
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"unknown flag", []string{"ask", "--frobnicate", "x"}, "flag provided but not defined"},
		{"missing corpus", []string{"ask", "--corpus", "/no/such/dir", "x"}, "/no/such/dir"},
		{"empty question", []string{"ask", "--corpus", news, "  "}, "question is empty"},
		{"long question", []string{"ask", "--corpus", news, strings.Repeat("why ", 300)}, "longer than 1000"},
		{"bad since", []string{"digest", "--corpus", news, "--since", "last tuesday"}, "--since"},
		{"bad k", []string{"ask", "--corpus", news, "--k", "0", "x"}, "--k"},
		{"unknown command", []string{"summarize"}, "unknown command"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			args := append(c.args[:1:1], append([]string{"--data", t.TempDir()}, c.args[1:]...)...)
			if c.name == "unknown command" {
				args = c.args
			}
			code, _, errOut := runCLI(t, nil, "", args...)
			if code != 2 {
				t.Errorf("exit %d, want 2", code)
			}
			if strings.Count(strings.TrimSpace(errOut), "\n") != 0 || !strings.Contains(errOut, c.want) {
				t.Errorf("stderr should be one line containing %q, got:\n%s", c.want, errOut)
			}
			if strings.Contains(errOut, "goroutine") || strings.Contains(errOut, "panic") {
				t.Errorf("stack trace in output:\n%s", errOut)
			}
		})
	}
}

func TestUnreadableFileIsSkippedWithWarning(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "good.md"), []byte("---\ntitle: Tidal power plant opens\n---\nThe tidal power plant on the estuary began feeding the grid on Monday, engineers said.\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "broken.html"), []byte{0xff, 0xfe, 0x00, 0x00, 0x01, 0x02}, 0o644)
	code, out, errOut := runCLI(t, nil, "", "ask", "--corpus", dir, "--data", t.TempDir(), "tidal power")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(errOut, "broken.html") {
		t.Errorf("no warning naming the broken file:\n%s", errOut)
	}
	if !strings.Contains(out, "Tidal power plant opens") {
		t.Errorf("the good file was not answered from:\n%s", out)
	}
}

func TestDigestAndSources(t *testing.T) {
	data := t.TempDir()
	code, out, errOut := runCLI(t, nil, "", "digest", "--corpus", newsDir(t), "--data", data, "--since", "1h", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var d struct {
		Articles int
		Items    []struct {
			Doc     string
			Summary string
			Also    []struct{ Doc string }
		}
	}
	if err := json.Unmarshal([]byte(out), &d); err != nil {
		t.Fatal(err)
	}
	if d.Articles != 4 || len(d.Items) != 3 {
		t.Errorf("digest: %d articles, %d items, want 4 and 3: %s", d.Articles, len(d.Items), out)
	}
	code, out, _ = runCLI(t, nil, "", "digest", "--corpus", newsDir(t), "--data", data, "--topic", "community gardens")
	if code != 0 || !strings.Contains(out, "Community gardens") || strings.Contains(out, "Washington") {
		t.Errorf("topic digest:\n%s", out)
	}
	code, out, _ = runCLI(t, nil, "", "sources", "--corpus", newsDir(t), "--data", data)
	if code != 0 || !strings.HasPrefix(out, "4 articles") {
		t.Errorf("sources:\n%s", out)
	}
	code, out, _ = runCLI(t, nil, "", "index", "--corpus", newsDir(t), "--data", data)
	if code != 0 || !strings.Contains(out, "0 added") || !strings.Contains(out, "4 unchanged") {
		t.Errorf("index of an unchanged corpus:\n%s", out)
	}
}

func TestAskWithLLM(t *testing.T) {
	srv := llmtest.NewServer(t)
	env := map[string]string{"OPENAI_BASE_URL": srv.URL, "OPENAI_API_KEY": "sk-test-secret-key", "BRIEFBOT_LLM_MODEL": "test-model",
		"BRIEFBOT_LLM_REWRITE": "off"} // summaries only: embed_test.go tests rewriting
	code, out, errOut := runCLI(t, env, "", "ask", "--corpus", newsDir(t), "--data", t.TempDir(), "--json", "what did sources say about export controls?")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var res struct {
		Answer       string `json:"answer"`
		SummarizedBy string `json:"summarized_by"`
	}
	json.Unmarshal([]byte(out), &res)
	if res.SummarizedBy != "llm:test-model" || !strings.Contains(res.Answer, "According to") {
		t.Errorf("want an LLM summary, got %q:\n%s", res.SummarizedBy, res.Answer)
	}
	if srv.Calls() != 1 {
		t.Errorf("calls = %d, want 1", srv.Calls())
	}
	if strings.Contains(out+errOut, "sk-test-secret-key") {
		t.Error("the API key reached the output")
	}
	// --extractive never calls the model.
	_, out, _ = runCLI(t, env, "", "ask", "--corpus", newsDir(t), "--data", t.TempDir(), "--json", "--extractive", "export controls")
	if !strings.Contains(out, `"summarized_by":"extractive"`) || srv.Calls() != 1 {
		t.Errorf("--extractive: calls %d, %s", srv.Calls(), out)
	}
	// A failing model falls back to the extractive answer, not an error.
	srv.Respond(func(llmtest.Request) llmtest.Reply { return llmtest.Reply{Status: 500, Content: "boom"} })
	code, out, _ = runCLI(t, env, "", "ask", "--corpus", newsDir(t), "--data", t.TempDir(), "--json", "community gardens")
	if code != 0 || !strings.Contains(out, `"summarized_by":"extractive"`) {
		t.Errorf("500 from the model: exit %d, %s", code, out)
	}
}
