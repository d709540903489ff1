package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRedactor(t *testing.T) {
	secrets := secretsOf(func(k string) string {
		return map[string]string{
			"SLACK_BOT_TOKEN":      "xoxb-1111-2222-abcdefgh",
			"OPENAI_API_KEY":       "sk-abcdefgh",
			"SLACK_SIGNING_SECRET": "short", // too short to redact
		}[k]
	})
	if len(secrets) != 2 || secrets[0] != "xoxb-1111-2222-abcdefgh" {
		t.Fatalf("secretsOf = %q, want the two long values, longest first", secrets)
	}
	tests := []struct{ in, want string }{
		{"token xoxb-1111-2222-abcdefgh here\n", "token [redacted] here\n"},
		{`{"err":"key sk-abcdefgh and sk-abcdefgh"}`, `{"err":"key [redacted] and [redacted]"}`},
		{"nothing secret, short stays\n", "nothing secret, short stays\n"},
	}
	for _, tt := range tests {
		var buf bytes.Buffer
		w := redacting(&buf, secrets)
		n, err := w.Write([]byte(tt.in))
		if err != nil || n != len(tt.in) {
			t.Errorf("Write(%q) = %d, %v; want %d, nil", tt.in, n, err, len(tt.in))
		}
		if buf.String() != tt.want {
			t.Errorf("wrote %q, want %q", buf.String(), tt.want)
		}
	}
	if w := redacting(os.Stderr, nil); w != os.Stderr {
		t.Errorf("no secrets: want the writer itself")
	}
}

// TestCLIOutputCarriesNoSecret checks the wiring: a configured token that
// appears in an article and in a file name reaches neither the answer nor
// the warnings.
func TestCLIOutputCarriesNoSecret(t *testing.T) {
	const token = "xoxb-9999-8888-secretvalue"
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "leak.md"), []byte("---\ntitle: Tidal plant token leak\n---\nThe tidal power plant's engineers pasted "+token+" into the plant's public wiki on Monday.\n"), 0o644)
	os.WriteFile(filepath.Join(dir, token+".html"), []byte{0xff, 0xfe, 0x00, 0x00, 0x01, 0x02}, 0o644)
	env := map[string]string{"SLACK_BOT_TOKEN": token, "SLACK_SIGNING_SECRET": "signing-secret-value"}
	for _, args := range [][]string{
		{"ask", "--corpus", dir, "--data", t.TempDir(), "tidal power plant wiki"},
		{"ask", "--corpus", dir, "--data", t.TempDir(), "--json", "tidal power plant wiki"},
	} {
		code, out, errOut := runCLI(t, env, "", args...)
		if code != 0 {
			t.Fatalf("%q: exit %d: %s", args, code, errOut)
		}
		if strings.Contains(out+errOut, token) {
			t.Errorf("%q: the token reached the output:\n%s\n%s", args, out, errOut)
		}
		if !strings.Contains(out, "[redacted]") || !strings.Contains(errOut, "[redacted]") {
			t.Errorf("%q: want the answer and the warning, redacted:\n%s\n%s", args, out, errOut)
		}
	}
}
