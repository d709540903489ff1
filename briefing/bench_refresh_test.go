package briefing

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// BenchmarkAskDuringRefresh measures how long questions take while a large
// refresh runs: a library over 1,000 synthetic articles (see
// BenchmarkLibrary) answers questions on one goroutine while Refresh adds
// 3,000 new ones on the others. One op is one such refresh. Reported: the
// questions answered during it and their latency (p50, p99, max), and the
// refresh's duration. A refresh that held the index lock while it parsed
// would make every question wait for the whole refresh.
//
//	go test -run xxx -bench AskDuringRefresh -benchtime 3x ./briefing/
func BenchmarkAskDuringRefresh(b *testing.B) {
	const base, added = 1000, 3000
	ctx := context.Background()
	g := newBenchGen(b)
	dir := filepath.Join(b.TempDir(), "corpus")
	if err := g.writeCorpus(dir, base); err != nil {
		b.Fatal(err)
	}
	bl := &benchLib{corpus: dir, root: b.TempDir()}
	lib, st, _ := bl.open(b, filepath.Join(bl.root, "data"))
	defer st.Close()
	qs := g.questions(200)
	for _, q := range qs[:20] { // warm up, and build the overview of empty answers
		lib.Ask(ctx, q, AskOptions{K: 5})
	}
	var lat []time.Duration
	var refresh time.Duration
	next := base
	for b.Loop() {
		b.StopTimer()
		batch := filepath.Join(dir, fmt.Sprintf("batch%06d", next))
		if err := os.MkdirAll(batch, 0o755); err != nil {
			b.Fatal(err)
		}
		for i := next; i < next+added; i++ {
			if err := os.WriteFile(filepath.Join(batch, fmt.Sprintf("doc%06d.txt", i)), g.article(i), 0o644); err != nil {
				b.Fatal(err)
			}
		}
		next += added
		b.StartTimer()

		done := make(chan struct{})
		var ch Changes
		var err error
		t0 := time.Now()
		go func() {
			defer close(done)
			ch, err = lib.Refresh(ctx)
		}()
		for i := 0; ; i++ {
			select {
			case <-done:
			default:
				t := time.Now()
				if _, err := lib.Ask(ctx, qs[i%len(qs)], AskOptions{K: 5}); err != nil {
					b.Fatal(err)
				}
				lat = append(lat, time.Since(t))
				continue
			}
			break
		}
		refresh += time.Since(t0)
		if err != nil || ch.Added != added {
			b.Fatalf("refresh: %+v %v, want %d added", ch, err, added)
		}
	}
	if len(lat) == 0 {
		b.Fatal("no question was answered during the refreshes")
	}
	slices.Sort(lat)
	ms := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e6 }
	b.ReportMetric(float64(len(lat))/float64(b.N), "asks/op")
	b.ReportMetric(ms(lat[len(lat)/2]), "ask-p50-ms")
	b.ReportMetric(ms(lat[min(len(lat)-1, len(lat)*99/100)]), "ask-p99-ms")
	b.ReportMetric(ms(lat[len(lat)-1]), "ask-max-ms")
	b.ReportMetric(ms(refresh)/float64(b.N), "refresh-ms")
}
