package briefing_test

import (
	. "briefbot/briefing"
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"briefbot/briefing/store"
)

// TestSkippedFileWarnedOnceUntilItChanges checks that a file that stays
// unreadable is warned about by the first Open over a data dir, not by
// every later Open (each CLI run) or Refresh (each re-scan of serve), and
// again once it changes.
func TestSkippedFileWarnedOnceUntilItChanges(t *testing.T) {
	dir, data := t.TempDir(), t.TempDir()
	os.WriteFile(filepath.Join(dir, "good.md"), []byte("---\ntitle: Tidal plant opens\n---\nThe tidal plant began feeding the grid on Monday.\n"), 0o644)
	broken := filepath.Join(dir, "broken.html")
	os.WriteFile(broken, []byte{0xff, 0xfe, 0x00, 0x00, 0x01, 0x02}, 0o644)
	ctx := context.Background()
	open := func() (*Library, *bytes.Buffer) {
		t.Helper()
		var logs bytes.Buffer
		st, err := store.Open(ctx, data)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		lib, ch, err := Open(ctx, st, Options{Corpus: os.DirFS(dir), Log: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelWarn}))})
		if err != nil {
			t.Fatal(err)
		}
		if len(ch.Skipped) != 1 {
			t.Fatalf("skipped %v, want broken.html", ch.Skipped)
		}
		return lib, &logs
	}
	warnings := func(logs *bytes.Buffer) int { return strings.Count(logs.String(), "broken.html") }

	lib, logs := open()
	if n := warnings(logs); n != 1 {
		t.Fatalf("first open: %d warnings about broken.html, want 1:\n%s", n, logs)
	}
	for range 3 {
		if _, err := lib.Refresh(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if n := warnings(logs); n != 1 {
		t.Errorf("after three refreshes: %d warnings, want still 1:\n%s", n, logs)
	}
	_, logs = open()
	if n := warnings(logs); n != 0 {
		t.Errorf("second open of the same data dir: %d warnings, want 0:\n%s", n, logs)
	}
	// The file changes and is still broken: warned again.
	os.WriteFile(broken, []byte{0xff, 0xfe, 0x00, 0x00, 0x01, 0x02, 0x03}, 0o644)
	later := time.Now().Add(time.Minute)
	os.Chtimes(broken, later, later)
	_, logs = open()
	if n := warnings(logs); n != 1 {
		t.Errorf("after the file changed: %d warnings, want 1:\n%s", n, logs)
	}
}
