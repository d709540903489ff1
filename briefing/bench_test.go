package briefing_test

import (
	. "briefbot/briefing"
	"bytes"
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"briefbot/briefing/corpus"
	"briefbot/briefing/store"
)

// Benchmarks of the whole library over a deterministic synthetic corpus of
// .txt files generated in-process, shaped like ../shared/bench/gencorpus.py:
// a title line, then 6-10 paragraphs of 3-6 sentences of 8-24 words (about
// 590 words an article), 60% of the words from a news vocabulary
// (search/testdata/vocab.txt, Zipf by rank) and 40% from a Zipf tail of
// made-up words. Sizes: 10k and 100k passages; BRIEFBOT_BIG_BENCH=1 adds
// 100k articles (about 750k passages). Each size has three sub-benchmarks:
//
//	index   briefing.Open of a new data directory: list, parse, split,
//	        analyse, SQLite writes, index persist
//	reopen  store.Open + briefing.Open of the unchanged corpus: stat every
//	        file, compare with the store, read the persisted index
//	update1pct  store.Open + briefing.Open after 1% new articles were
//	        added to the folder (a copy of the built data directory each
//	        time): the scan, parsing and storing the 1%, persisting the
//	        index; index-bytes is what was written to the index files
//	ask     (*Library).Ask of 200 questions shaped like
//	        ../shared/bench/questions.py (one op is all 200); p50-ms and
//	        p99-ms are per question, after a warm-up of 20 questions;
//	        first-empty-ms is the first question with no answer, which
//	        builds the corpus overview
//
// For example:
//
//	go test -run xxx -bench Library -benchtime 3x ./briefing/
//	BRIEFBOT_BIG_BENCH=1 go test -run xxx -bench 'Library/articles=100k' -benchtime 1x -timeout 1h ./briefing/
//
// peak-RSS-MB is the process's peak resident set (VmHWM, reset before the
// measured loop where Linux allows it); heap-MB the live heap with the
// library open.
func BenchmarkLibrary(b *testing.B) {
	sizes := []struct {
		name     string
		passages int // target passages; 0: use articles
		articles int
	}{
		{name: "passages=10k", passages: 10_000},
		{name: "passages=100k", passages: 100_000},
	}
	if os.Getenv("BRIEFBOT_BIG_BENCH") == "1" {
		sizes = append(sizes, struct {
			name     string
			passages int
			articles int
		}{name: "articles=100k", articles: 100_000})
	}
	for _, size := range sizes {
		b.Run(size.name, func(b *testing.B) {
			g := newBenchGen(b)
			n := size.articles
			if n == 0 {
				n = g.articlesFor(b, size.passages)
			}
			corpusDir := filepath.Join(b.TempDir(), "corpus")
			if err := g.writeCorpus(corpusDir, n); err != nil {
				b.Fatal(err)
			}
			bl := &benchLib{corpus: corpusDir, root: b.TempDir()}
			b.Run("index", bl.benchIndex)
			b.Run("reopen", bl.benchReopen)
			b.Run("update1pct", func(b *testing.B) { bl.benchUpdate(b, g, n) })
			b.Run("ask", func(b *testing.B) { bl.benchAsk(b, g.questions(200)) })
		})
	}
}

// benchLib is one generated corpus and its most recently built data dir.
type benchLib struct {
	corpus string
	root   string // parent of data dirs
	data   string // "" until built
	runs   int
}

func (bl *benchLib) open(tb testing.TB, data string) (*Library, *store.Store, Changes) {
	tb.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, data)
	if err != nil {
		tb.Fatal(err)
	}
	lib, ch, err := Open(ctx, st, Options{Corpus: os.DirFS(bl.corpus)})
	if err != nil {
		st.Close()
		tb.Fatal(err)
	}
	return lib, st, ch
}

// built returns a data dir holding the index of the corpus, building one when
// the index sub-benchmark did not run.
func (bl *benchLib) built(tb testing.TB) string {
	tb.Helper()
	if bl.data == "" {
		bl.data = filepath.Join(bl.root, "data-setup")
		_, st, _ := bl.open(tb, bl.data)
		st.Close()
	}
	return bl.data
}

func (bl *benchLib) benchIndex(b *testing.B) {
	var ch Changes
	var passages int
	resetPeakRSS()
	for b.Loop() {
		b.StopTimer()
		if bl.data != "" {
			os.RemoveAll(bl.data)
		}
		bl.runs++
		bl.data = filepath.Join(bl.root, "data-"+strconv.Itoa(bl.runs))
		b.StartTimer()
		var lib *Library
		var st *store.Store
		lib, st, ch = bl.open(b, bl.data)
		b.StopTimer()
		passages = IndexLen(lib)
		st.Close()
		b.StartTimer()
	}
	if len(ch.Skipped) > 0 || ch.Added == 0 {
		b.Fatalf("index: %d added, skipped %v", ch.Added, ch.Skipped)
	}
	b.ReportMetric(float64(ch.Added), "articles")
	b.ReportMetric(float64(passages), "passages")
	b.ReportMetric(float64(ch.Added)*float64(b.N)/b.Elapsed().Seconds(), "articles/s")
	reportPeakRSS(b)
}

func (bl *benchLib) benchReopen(b *testing.B) {
	data := bl.built(b)
	var ch Changes
	resetPeakRSS()
	for b.Loop() {
		var st *store.Store
		_, st, ch = bl.open(b, data)
		st.Close()
	}
	if ch.Added+ch.Changed+ch.Deleted != 0 || ch.Unchanged == 0 {
		b.Fatalf("reopen changed the corpus: %+v", ch)
	}
	reportPeakRSS(b)
}

func (bl *benchLib) benchAsk(b *testing.B, qs []string) {
	ctx := context.Background()
	lib, st, _ := bl.open(b, bl.built(b))
	defer st.Close()
	// The first question with no answer builds the corpus overview that
	// such answers carry; later ones reuse it.
	t0 := time.Now()
	if ans, err := lib.Ask(ctx, "what did sources say about zyxwvut qwxyzzy?", AskOptions{K: 5}); err != nil || len(ans.Passages) > 0 {
		b.Fatalf("a question about nothing in the corpus: %d passages, %v", len(ans.Passages), err)
	}
	firstEmpty := time.Since(t0)
	for _, q := range qs[:20] { // warm the stem cache and the search scratch
		if _, err := lib.Ask(ctx, q, AskOptions{K: 5}); err != nil {
			b.Fatal(err)
		}
	}
	heap := liveHeapMB()
	resetPeakRSS()
	lat := make([]time.Duration, 0, 1024)
	hits, empty := 0, 0
	for b.Loop() {
		for _, q := range qs {
			t0 := time.Now()
			ans, err := lib.Ask(ctx, q, AskOptions{K: 5})
			lat = append(lat, time.Since(t0))
			if err != nil {
				b.Fatal(err)
			}
			hits += len(ans.Passages)
			if len(ans.Passages) == 0 {
				empty++
			}
		}
	}
	slices.Sort(lat)
	ms := func(p float64) float64 {
		return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))].Nanoseconds()) / 1e6
	}
	b.ReportMetric(ms(0.50), "p50-ms")
	b.ReportMetric(ms(0.99), "p99-ms")
	b.ReportMetric(float64(hits)/float64(len(lat)), "hits/q")
	b.ReportMetric(float64(empty)/float64(len(lat)), "empty/q")
	b.ReportMetric(heap, "heap-MB")
	b.ReportMetric(float64(firstEmpty.Nanoseconds())/1e6, "first-empty-ms")
	reportPeakRSS(b)
}

// liveHeapMB is the heap in use after a full collection.
func liveHeapMB() float64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return float64(m.HeapAlloc) / (1 << 20)
}

// resetPeakRSS returns freed memory to the OS and resets the process's peak
// resident set (Linux: /proc/self/clear_refs), so that the next reading
// covers what follows. It does nothing where that is not possible.
func resetPeakRSS() {
	debug.FreeOSMemory()
	os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
}

// reportPeakRSS reports VmHWM from /proc/self/status, when there is one.
func reportPeakRSS(b *testing.B) {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return
	}
	for line := range strings.SplitSeq(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			if kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64); err == nil {
				b.ReportMetric(kb/1024, "peak-RSS-MB")
			}
		}
	}
}

// benchGen generates articles and questions deterministically: article i
// depends only on i, so articles are written on every CPU.
type benchGen struct {
	vocab []string // news words, most frequent first
	long  []string // vocabulary words of 4+ letters, for questions
	tail  []string // made-up words, in Zipf rank order
}

func newBenchGen(tb testing.TB) *benchGen {
	tb.Helper()
	data, err := os.ReadFile(filepath.Join("search", "testdata", "vocab.txt"))
	if err != nil {
		tb.Fatal(err)
	}
	g := &benchGen{}
	seen := map[string]bool{}
	for line := range strings.SplitSeq(string(data), "\n") {
		if strings.HasPrefix(line, "#") {
			continue
		}
		for _, w := range strings.Fields(line) {
			if !seen[w] {
				seen[w] = true
				g.vocab = append(g.vocab, w)
				if len(w) >= 4 {
					g.long = append(g.long, w)
				}
			}
		}
	}
	syll := []string{"ka", "lo", "mi", "ren", "tor", "va", "sel", "dri", "qua", "nex", "por", "lim", "ust", "ber", "cho"}
	r := rand.New(rand.NewPCG(42, 42))
	tail := map[string]bool{}
	for range 60000 {
		var sb strings.Builder
		for range 2 + r.IntN(3) {
			sb.WriteString(syll[r.IntN(len(syll))])
		}
		tail[sb.String()] = true
	}
	g.tail = slices.Sorted(maps.Keys(tail))
	r.Shuffle(len(g.tail), func(i, j int) { g.tail[i], g.tail[j] = g.tail[j], g.tail[i] })
	return g
}

// article returns article i: a title line, then 6-10 paragraphs of 3-6
// sentences of 8-24 words.
func (g *benchGen) article(i int) []byte {
	r := rand.New(rand.NewPCG(uint64(i), 1))
	vz := rand.NewZipf(r, 1.01, 1, uint64(len(g.vocab)-1))
	tz := rand.NewZipf(r, 1.07, 1, uint64(len(g.tail)-1))
	word := func() string {
		if r.Float64() < 0.6 {
			return g.vocab[vz.Uint64()]
		}
		return g.tail[tz.Uint64()]
	}
	var b bytes.Buffer
	sentence := func(n int) {
		for j := range n {
			w := word()
			if j == 0 {
				b.WriteString(strings.ToUpper(w[:1]))
				b.WriteString(w[1:])
				continue
			}
			b.WriteByte(' ')
			b.WriteString(w)
		}
	}
	sentence(5 + r.IntN(6))
	for range 6 + r.IntN(5) {
		b.WriteString("\n\n")
		for s := range 3 + r.IntN(4) {
			if s > 0 {
				b.WriteByte(' ')
			}
			sentence(8 + r.IntN(17))
			b.WriteByte('.')
		}
	}
	b.WriteByte('\n')
	return b.Bytes()
}

// articlesFor returns how many articles make about n passages, measured on
// the first 400.
func (g *benchGen) articlesFor(tb testing.TB, n int) int {
	tb.Helper()
	const sample = 400
	total := 0
	for i := range sample {
		d, err := corpus.Parse(fmt.Sprintf("doc%06d.txt", i), g.article(i))
		if err != nil {
			tb.Fatal(err)
		}
		total += len(corpus.Split(d))
	}
	return max(1, n*sample/total)
}

// writeCorpus writes articles 0..n-1 into dir as docNNNNNN.txt.
func (g *benchGen) writeCorpus(dir string, n int) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	var wg sync.WaitGroup
	errs := make(chan error, runtime.GOMAXPROCS(0))
	next := make(chan int)
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for i := range next {
				if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("doc%06d.txt", i)), g.article(i), 0o644); err != nil {
					errs <- err
					for range next {
					}
					return
				}
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	close(errs)
	return <-errs
}

// questions returns n questions in the shapes of ../shared/bench/questions.py.
func (g *benchGen) questions(n int) []string {
	r := rand.New(rand.NewPCG(7, 7))
	lz := rand.NewZipf(r, 1.01, 1, uint64(len(g.long)-1))
	forms := []string{"what did sources say about %s %s?", "%s %s %s", "how did %s affect %s?", "what is %s %s", "%s"}
	out := make([]string, n)
	for i := range out {
		a, b, c := g.long[lz.Uint64()], g.long[lz.Uint64()], g.long[lz.Uint64()]
		f := forms[r.IntN(len(forms))]
		out[i] = fmt.Sprintf(f, []any{a, b, c}[:strings.Count(f, "%s")]...)
	}
	return out
}
