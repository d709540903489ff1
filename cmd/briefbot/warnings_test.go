package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestUnreadableFileWarnedOnce: the same unreadable file is warned about by
// the first run over a data dir, not by every later `ask`.
func TestUnreadableFileWarnedOnce(t *testing.T) {
	dir, data := t.TempDir(), t.TempDir()
	os.WriteFile(filepath.Join(dir, "good.md"), []byte("---\ntitle: Tidal power plant opens\n---\nThe tidal power plant on the estuary began feeding the grid on Monday.\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "broken.html"), []byte{0xff, 0xfe, 0x00, 0x00, 0x01, 0x02}, 0o644)
	for i, want := range []int{1, 0, 0} {
		code, _, errOut := runCLI(t, nil, "tidal power\nthe grid\n", "ask", "--corpus", dir, "--data", data)
		if code != 0 {
			t.Fatalf("run %d: exit %d: %s", i, code, errOut)
		}
		if n := strings.Count(errOut, "broken.html"); n != want {
			t.Errorf("run %d: %d warnings about broken.html, want %d:\n%s", i, n, want, errOut)
		}
	}
}
