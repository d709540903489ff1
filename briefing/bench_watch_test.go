package briefing_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// BenchmarkRefreshPasses compares what serve's refreshes cost over one
// folder of N synthetic articles (BRIEFBOT_WATCH_BENCH_N, default 20,000),
// indexed once: RefreshPaths of 10 new files (a watcher's batch), the cheap
// pass (RefreshChanged) when 10 files were added (the folder is read by
// name, every stamp compared) and when nothing changed (the folder's time
// trusted, or recorded by Settle after a batch), and the full pass (Refresh, every file stat-ed) with nothing
// changed; and the bounded count RefreshPaths makes for its mass-deletion
// hold against a count of every row.
//
//	go test -run xxx -bench RefreshPasses -benchtime 5x -count 3 ./briefing/
func BenchmarkRefreshPasses(b *testing.B) {
	n := 20000
	if v, err := strconv.Atoi(os.Getenv("BRIEFBOT_WATCH_BENCH_N")); err == nil && v > 0 {
		n = v
	}
	ctx := context.Background()
	g := newBenchGen(b)
	dir := filepath.Join(b.TempDir(), "corpus")
	if err := g.writeCorpus(dir, n); err != nil {
		b.Fatal(err)
	}
	bl := &benchLib{corpus: dir, root: b.TempDir()}
	lib, st, _ := bl.open(b, filepath.Join(bl.root, "data"))
	defer st.Close()
	defer lib.Close()
	next := n
	add := func(b *testing.B) []string {
		var paths []string
		for range 10 {
			p := fmt.Sprintf("doc%06d.txt", next)
			if err := os.WriteFile(filepath.Join(dir, p), g.article(next), 0o644); err != nil {
				b.Fatal(err)
			}
			paths = append(paths, p)
			next++
		}
		return paths
	}
	age := func(b *testing.B) { // folder times are trusted once 2 s old
		old := time.Now().Add(-time.Minute)
		if err := os.Chtimes(dir, old, old); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("paths10", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			paths := add(b)
			b.StartTimer()
			if ch, err := lib.RefreshPaths(ctx, paths); err != nil || ch.Added != 10 {
				b.Fatalf("%+v %v", ch, err)
			}
		}
	})
	b.Run("changed10", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			add(b)
			age(b)
			b.StartTimer()
			if ch, err := lib.RefreshChanged(ctx); err != nil || ch.Added != 10 {
				b.Fatalf("%+v %v", ch, err)
			}
		}
	})
	// The cheap pass after a watcher batch that Settle recorded: as if
	// nothing changed.
	b.Run("settled10", func(b *testing.B) {
		since := time.Now()
		lib.RefreshChanged(ctx)
		for b.Loop() {
			b.StopTimer()
			paths := add(b)
			if _, err := lib.RefreshPaths(ctx, paths); err != nil {
				b.Fatal(err)
			}
			age(b)
			if err := lib.Settle(ctx, since, time.Now()); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			if ch, err := lib.RefreshChanged(ctx); err != nil || !ch.Trusted {
				b.Fatalf("%+v %v", ch, err)
			}
		}
	})
	b.Run("changed0", func(b *testing.B) {
		age(b)
		lib.RefreshChanged(ctx) // records the aged time
		for b.Loop() {
			if ch, err := lib.RefreshChanged(ctx); err != nil || !ch.Trusted {
				b.Fatalf("%+v %v", ch, err)
			}
		}
	})
	// What RefreshPaths counts for its mass-deletion hold (a batch of 10
	// removals: at most 21 rows), and what a count of every row costs.
	b.Run("count21", func(b *testing.B) {
		for b.Loop() {
			if n, err := st.PathCount(ctx, 21); err != nil || n != 21 {
				b.Fatal(n, err)
			}
		}
	})
	b.Run("countAll", func(b *testing.B) {
		for b.Loop() {
			if n, err := st.PathCount(ctx, 1<<62); err != nil || n < 1000 {
				b.Fatal(n, err)
			}
		}
	})
	b.Run("full0", func(b *testing.B) {
		for b.Loop() {
			if ch, err := lib.Refresh(ctx); err != nil || ch.Added+ch.Changed+ch.Deleted != 0 {
				b.Fatalf("%+v %v", ch, err)
			}
		}
	})
}
