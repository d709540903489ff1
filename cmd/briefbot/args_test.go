package main

import (
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestInterleavedFlags(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		wantPos []string
		wantK   int
		json    bool
		wantErr string
	}{
		{name: "flags first", args: []string{"--json", "--k", "3", "export", "controls"}, wantPos: []string{"export", "controls"}, wantK: 3, json: true},
		{name: "flags after", args: []string{"export controls", "--k", "3", "--json"}, wantPos: []string{"export controls"}, wantK: 3, json: true},
		{name: "flags between", args: []string{"export", "--json", "controls", "-k=2"}, wantPos: []string{"export", "controls"}, wantK: 2, json: true},
		{name: "dash dash ends flags", args: []string{"--k", "4", "--", "-5 degrees", "--json"}, wantPos: []string{"-5 degrees", "--json"}, wantK: 4},
		{name: "dash dash after a word", args: []string{"what", "--", "--json"}, wantPos: []string{"what", "--json"}, wantK: 5},
		{name: "no positional", args: []string{"--json"}, wantK: 5, json: true},
		{name: "unknown flag after the question", args: []string{"tides", "-5"}, wantErr: "put it after --"},
		{name: "unknown flag first", args: []string{"--frob", "tides"}, wantErr: "flag provided but not defined: -frob"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c common
			fs := newFlags("ask", io.Discard, &c)
			k := fs.Int("k", 5, "")
			asJSON := fs.Bool("json", false, "")
			err := parseFlags(fs, tt.args)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(fs.Args(), tt.wantPos) || fs.NArg() != len(tt.wantPos) || *k != tt.wantK || *asJSON != tt.json {
				t.Errorf("positional %q, k %d, json %v; want %q, %d, %v", fs.Args(), *k, *asJSON, tt.wantPos, tt.wantK, tt.json)
			}
		})
	}
}

// TestAskFlagsAfterTheQuestion is issue 12's `briefbot ask "export
// controls" --corpus C --data D --json`: the flags are flags, the answer
// comes from C as JSON, and D keeps C's articles.
func TestAskFlagsAfterTheQuestion(t *testing.T) {
	news, data := newsDir(t), t.TempDir()
	if code, _, errOut := runCLI(t, nil, "", "index", "--corpus", news, "--data", data); code != 0 {
		t.Fatalf("index: exit %d: %s", code, errOut)
	}
	code, out, errOut := runCLI(t, nil, "", "ask", "export controls", "--corpus", news, "--data", data, "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var res struct {
		Question string `json:"question"`
		Passages []struct {
			Doc string `json:"doc"`
		} `json:"passages"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if res.Question != "export controls" {
		t.Errorf("question %q, want the flags left out", res.Question)
	}
	if len(res.Passages) == 0 {
		t.Fatal("no passages")
	}
	for _, p := range res.Passages {
		if m, _ := filepath.Glob(filepath.Join(news, p.Doc+".*")); len(m) == 0 {
			t.Errorf("passage from %s, which is not in --corpus %s", p.Doc, news)
		}
	}
	// The data dir was not re-synced to the embedded sample: a second run
	// finds nothing to add or delete.
	code, out, errOut = runCLI(t, nil, "", "index", "--data", data, "--corpus", news)
	if code != 0 || !strings.Contains(out, " 0 added, 0 changed, 0 deleted") {
		t.Errorf("index after ask: exit %d: %s%s", code, out, errOut)
	}
	if _, err := os.Stat(news); err != nil {
		t.Fatal(err)
	}
}

func TestAskQuestionAfterDashDash(t *testing.T) {
	code, out, errOut := runCLI(t, nil, "", "ask", "--corpus", newsDir(t), "--data", t.TempDir(), "--json", "--", "-5 degrees in the harbour")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, `"question":"-5 degrees in the harbour"`) {
		t.Errorf("question not taken whole:\n%s", out)
	}
}
