package briefing_test

import (
	. "briefbot/briefing"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// answersOf renders the passages (article, text, score) a library gives
// for each question.
func answersOf(t *testing.T, lib *Library, qs []string) string {
	t.Helper()
	var sb strings.Builder
	for _, q := range qs {
		ans, err := lib.Ask(context.Background(), q, AskOptions{K: 5, Extractive: true})
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&sb, "%s:", q)
		for _, p := range ans.Passages {
			fmt.Fprintf(&sb, " %s@%.5f", p.Article.ID, p.Score)
		}
		sb.WriteByte('\n')
	}
	return sb.String()
}

func manyArticles(t *testing.T, dir string, from, to int) {
	t.Helper()
	for i := from; i < to; i++ {
		writeSafe(t, dir, fmt.Sprintf("town%03d", i))
	}
}

// A small change is appended to the index's change log: the index file
// is not written again, and a reopened library (base + log) answers as
// one whose index is rebuilt from the store.
func TestSmallChangeIsLoggedNotRewritten(t *testing.T) {
	c := &clock{time.Date(2025, 3, 10, 8, 0, 0, 0, time.UTC)}
	dir, data := t.TempDir(), t.TempDir()
	manyArticles(t, dir, 0, 60)
	openSafe(t, dir, data, c, Options{})
	base, err := os.Stat(filepath.Join(data, IndexFile))
	if err != nil {
		t.Fatal(err)
	}

	manyArticles(t, dir, 60, 62)
	removeSafe(t, dir, "town007")
	_, _, ch, _ := openSafe(t, dir, data, c, Options{})
	if ch.Added != 2 || ch.Deleted != 1 {
		t.Fatalf("second open: %+v, want 2 added, 1 deleted", ch)
	}
	after, err := os.Stat(filepath.Join(data, IndexFile))
	if err != nil {
		t.Fatal(err)
	}
	if !after.ModTime().Equal(base.ModTime()) || after.Size() != base.Size() {
		t.Errorf("the index file was rewritten for a small change")
	}
	log, err := os.Stat(filepath.Join(data, LogFile))
	if err != nil || log.Size() <= 32 {
		t.Fatalf("the change log holds nothing: %v", err)
	}

	qs := []string{"town061 qtown061 programme", "town007 qtown007 programme", "town030 programme", "harbour programme council"}
	reopened, _, _, logs := openSafe(t, dir, data, c, Options{})
	got := answersOf(t, reopened, qs)
	if strings.Contains(logs.String(), "rebuilding index") {
		t.Errorf("reopening rebuilt the index instead of replaying its log:\n%s", logs)
	}
	if !strings.Contains(got, "town061@") || strings.Contains(got, "town007@") {
		t.Errorf("reopened: added or removed article answered wrongly:\n%s", got)
	}
	for _, f := range []string{IndexFile, LogFile} {
		if err := os.Remove(filepath.Join(data, f)); err != nil {
			t.Fatal(err)
		}
	}
	rebuilt, _, _, _ := openSafe(t, dir, data, c, Options{})
	if want := answersOf(t, rebuilt, qs); got != want {
		t.Errorf("base + log answers:\n%s\nrebuilt index answers:\n%s", got, want)
	}
}

// A log whose last record was torn by a crash loses no committed article:
// the index behind the store is rebuilt from it.
func TestTornLogTailLosesNothing(t *testing.T) {
	c := &clock{time.Date(2025, 3, 10, 8, 0, 0, 0, time.UTC)}
	dir, data := t.TempDir(), t.TempDir()
	manyArticles(t, dir, 0, 40)
	openSafe(t, dir, data, c, Options{})
	writeSafe(t, dir, "lighthouse")
	openSafe(t, dir, data, c, Options{})
	path := filepath.Join(data, LogFile)
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(path, st.Size()-3); err != nil {
		t.Fatal(err)
	}
	lib, _, _, logs := openSafe(t, dir, data, c, Options{})
	if !found(t, lib, "lighthouse qlighthouse programme", "lighthouse") {
		t.Errorf("the article whose log record was torn is not found after a restart")
	}
	if !strings.Contains(logs.String(), "rebuilding index") {
		t.Errorf("no rebuild logged:\n%s", logs)
	}
}

// A log past its cap is merged whatever the base's size, so that the
// replay on the path of a start's first answer stays bounded.
func TestLogPastTheCapIsMerged(t *testing.T) {
	c := &clock{time.Date(2025, 3, 10, 8, 0, 0, 0, time.UTC)}
	dir, data := t.TempDir(), t.TempDir()
	manyArticles(t, dir, 0, 60)
	lib, _, _, _ := openSafe(t, dir, data, c, Options{})
	logSize := func() int64 {
		t.Helper()
		st, err := os.Stat(filepath.Join(data, LogFile))
		if err != nil {
			t.Fatal(err)
		}
		return st.Size()
	}
	manyArticles(t, dir, 60, 61)
	if ch, err := lib.Refresh(context.Background()); err != nil || ch.Added != 1 {
		t.Fatalf("refresh: %+v, %v", ch, err)
	}
	kept := logSize() - 32
	if kept <= 0 {
		t.Fatalf("a small change was merged at once: the test needs a log under a tenth of the base")
	}
	LowerLogCap(lib, kept+kept/2) // the next record passes it
	manyArticles(t, dir, 61, 62)
	if ch, err := lib.Refresh(context.Background()); err != nil || ch.Added != 1 {
		t.Fatalf("refresh: %+v, %v", ch, err)
	}
	if err := lib.Close(); err != nil {
		t.Fatal(err)
	}
	if n := logSize(); n != 32 {
		t.Errorf("log holds %d bytes past its cap of %d, want it merged", n-32, kept+kept/2)
	}
	reopened, _, _, logs := openSafe(t, dir, data, c, Options{})
	if !found(t, reopened, "town061 qtown061 programme", "town061") || strings.Contains(logs.String(), "rebuilding index") {
		t.Errorf("reopened after the merge: not found, or rebuilt:\n%s", logs)
	}
}

// Once the log outgrows a tenth of the index, the index is written whole
// again and the log emptied.
func TestLogIsMergedOnceLarge(t *testing.T) {
	c := &clock{time.Date(2025, 3, 10, 8, 0, 0, 0, time.UTC)}
	dir, data := t.TempDir(), t.TempDir()
	manyArticles(t, dir, 0, 20)
	openSafe(t, dir, data, c, Options{})
	manyArticles(t, dir, 20, 30)
	lib, _, _, _ := openSafe(t, dir, data, c, Options{})
	if err := lib.Close(); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(filepath.Join(data, LogFile))
	if err != nil {
		t.Fatal(err)
	}
	if st.Size() != 32 {
		t.Errorf("log holds %d bytes after a merge, want only its header", st.Size())
	}
	reopened, _, _, logs := openSafe(t, dir, data, c, Options{})
	if !found(t, reopened, "town025 qtown025 programme", "town025") {
		t.Errorf("an article added before the merge is not found")
	}
	if strings.Contains(logs.String(), "rebuilding index") {
		t.Errorf("the merged index was rebuilt:\n%s", logs)
	}
}

// A large log is merged in the background: the refresh that grew it
// returns, questions are answered, and Close waits for the merge.
func TestLogIsMergedInTheBackground(t *testing.T) {
	c := &clock{time.Date(2025, 3, 10, 8, 0, 0, 0, time.UTC)}
	dir, data := t.TempDir(), t.TempDir()
	manyArticles(t, dir, 0, 20)
	lib, _, _, _ := openSafe(t, dir, data, c, Options{})
	MergeInBackground(lib)
	manyArticles(t, dir, 20, 30)
	if ch, err := lib.Refresh(context.Background()); err != nil || ch.Added != 10 {
		t.Fatalf("refresh: %+v, %v", ch, err)
	}
	if !found(t, lib, "town025 qtown025 programme", "town025") {
		t.Errorf("an added article is not found during or after the merge")
	}
	if err := lib.Close(); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(filepath.Join(data, LogFile))
	if err != nil || st.Size() != 32 {
		t.Fatalf("after the merge the log holds %v bytes (%v), want only its header", st.Size(), err)
	}
	if !found(t, lib, "town025 qtown025 programme", "town025") {
		t.Errorf("an added article is not found from the merged index")
	}
	reopened, _, _, logs := openSafe(t, dir, data, c, Options{})
	if !found(t, reopened, "town025 qtown025 programme", "town025") || strings.Contains(logs.String(), "rebuilding index") {
		t.Errorf("reopened after a background merge: not found, or rebuilt:\n%s", logs)
	}
}

// A serving library takes up what another process appended to the log by
// replaying the new records, not by reloading the index.
func TestFollowerReplaysTheLog(t *testing.T) {
	c := &clock{time.Date(2025, 3, 10, 8, 0, 0, 0, time.UTC)}
	dir, data := t.TempDir(), t.TempDir()
	manyArticles(t, dir, 0, 40)
	serving, _, _, logs := openSafe(t, dir, data, c, Options{})
	writeSafe(t, dir, "lighthouse")
	openSafe(t, dir, data, c, Options{}) // briefbot index
	if !found(t, serving, "lighthouse qlighthouse programme", "lighthouse") {
		t.Fatalf("the article indexed by another process is not found")
	}
	if !strings.Contains(logs.String(), "index follows another process") {
		t.Errorf("the follower did not replay the log:\n%s", logs)
	}
}
