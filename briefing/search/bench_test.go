package search

import (
	"bufio"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// Benchmarks run over a deterministic synthetic corpus shaped like
// ../shared/bench/gencorpus.py: news vocabulary (testdata/vocab.txt, Zipf by
// rank) mixed with a Zipf tail of made-up words, passages of ~80 words,
// ~7.5 passages an article. Sizes: 10k and 100k passages; set
// BRIEFBOT_BIG_BENCH=1 to add 750k (100k articles of ~600 words), e.g.
//
//	BRIEFBOT_BIG_BENCH=1 go test -run xxx -bench . -benchtime 3x ./briefing/search/

func benchSizes() []int {
	sizes := []int{10_000, 100_000}
	if os.Getenv("BRIEFBOT_BIG_BENCH") == "1" {
		sizes = append(sizes, 750_000)
	}
	return sizes
}

func sizeName(n int) string {
	if n%1000 == 0 {
		return fmt.Sprintf("passages=%dk", n/1000)
	}
	return fmt.Sprintf("passages=%d", n)
}

// synth generates text deterministically.
type synth struct {
	r     *rand.Rand
	vocab []string
	vz    *rand.Zipf
	tail  []string
	tz    *rand.Zipf
	long  []string // vocabulary words of 4+ letters, for questions
	lz    *rand.Zipf
}

func newSynth(tb testing.TB, seed uint64) *synth {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "vocab.txt"))
	if err != nil {
		tb.Fatal(err)
	}
	s := &synth{r: rand.New(rand.NewPCG(seed, 42))}
	seen := map[string]bool{}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "#") {
			continue
		}
		for _, w := range strings.Fields(line) {
			if !seen[w] {
				seen[w] = true
				s.vocab = append(s.vocab, w)
				if len(w) >= 4 {
					s.long = append(s.long, w)
				}
			}
		}
	}
	syll := []string{"ka", "lo", "mi", "ren", "tor", "va", "sel", "dri", "qua", "nex", "por", "lim", "ust", "ber", "cho"}
	tr := rand.New(rand.NewPCG(42, 42))
	tail := map[string]bool{}
	for range 60000 {
		var sb strings.Builder
		for range 2 + tr.IntN(3) {
			sb.WriteString(syll[tr.IntN(len(syll))])
		}
		tail[sb.String()] = true
	}
	s.tail = slices.Sorted(maps.Keys(tail))
	tr.Shuffle(len(s.tail), func(i, j int) { s.tail[i], s.tail[j] = s.tail[j], s.tail[i] })
	s.vz = rand.NewZipf(s.r, 1.01, 1, uint64(len(s.vocab)-1))
	s.tz = rand.NewZipf(s.r, 1.07, 1, uint64(len(s.tail)-1))
	s.lz = rand.NewZipf(s.r, 1.01, 1, uint64(len(s.long)-1))
	return s
}

func (s *synth) word() string {
	if s.r.Float64() < 0.6 {
		return s.vocab[s.vz.Uint64()]
	}
	return s.tail[s.tz.Uint64()]
}

// passage returns about words words in sentences of 8 to 24 words.
func (s *synth) passage(sb *strings.Builder, words int) string {
	sb.Reset()
	for words > 0 {
		n := min(words, 8+s.r.IntN(17))
		words -= n
		for i := range n {
			w := s.word()
			if i == 0 {
				if sb.Len() > 0 {
					sb.WriteByte(' ')
				}
				sb.WriteString(strings.ToUpper(w[:1]))
				sb.WriteString(w[1:])
				continue
			}
			sb.WriteByte(' ')
			sb.WriteString(w)
		}
		sb.WriteByte('.')
	}
	return sb.String()
}

// questions returns n questions in the shapes of ../shared/bench/questions.py.
func (s *synth) questions(n int) []string {
	forms := []string{"what did sources say about %s %s?", "%s %s %s", "how did %s affect %s?", "what is %s %s", "%s"}
	out := make([]string, n)
	for i := range out {
		a, b, c := s.long[s.lz.Uint64()], s.long[s.lz.Uint64()], s.long[s.lz.Uint64()]
		f := forms[s.r.IntN(len(forms))]
		args := []any{a, b, c}[:strings.Count(f, "%s")]
		out[i] = fmt.Sprintf(f, args...)
	}
	return out
}

type benchCorpus struct {
	texts  []string
	groups []uint32
}

func genCorpus(tb testing.TB, n int) *benchCorpus {
	s := newSynth(tb, 1)
	c := &benchCorpus{texts: make([]string, n), groups: make([]uint32, n)}
	var sb strings.Builder
	group, left := uint32(0), 0
	for i := range c.texts {
		if left == 0 {
			group++
			left = 5 + s.r.IntN(6)
		}
		left--
		c.texts[i] = s.passage(&sb, 60+s.r.IntN(41))
		c.groups[i] = group
	}
	return c
}

// buildIndex analyses passages and computes their vectors on every CPU and
// adds them, in id order, on one goroutine: the way a caller is expected to
// build an index.
func buildIndex(c *benchCorpus) *Index {
	const batch = 256
	type analysed struct {
		terms [][]string
		vecs  [][]int8
	}
	nb := (len(c.texts) + batch - 1) / batch
	done := make([]chan analysed, nb)
	for i := range done {
		done[i] = make(chan analysed, 1)
	}
	workers := runtime.GOMAXPROCS(0)
	jobs := make(chan int)
	window := make(chan struct{}, 4*workers) // batches analysed ahead of Add
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			pv := NewPassageVectors()
			for bi := range jobs {
				lo, hi := bi*batch, min((bi+1)*batch, len(c.texts))
				out := analysed{terms: make([][]string, hi-lo), vecs: make([][]int8, hi-lo)}
				for i := range out.terms {
					out.terms[i] = Analyze(c.texts[lo+i])
					out.vecs[i] = pv.Append(nil, out.terms[i])
				}
				done[bi] <- out
			}
		})
	}
	go func() {
		for bi := range nb {
			window <- struct{}{}
			jobs <- bi
		}
		close(jobs)
	}()
	ix := NewIndex()
	for bi := range nb {
		a := <-done[bi]
		<-window
		for i, ts := range a.terms {
			id := bi*batch + i
			ix.AddVector(uint32(id+1), c.groups[id], ts, a.vecs[i])
		}
	}
	wg.Wait()
	return ix
}

func heapMB() float64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return float64(m.HeapAlloc) / (1 << 20)
}

// benchData caches one corpus and its index per size across benchmarks.
var benchData = struct {
	sync.Mutex
	corpus map[int]*benchCorpus
	index  map[int]*Index
}{corpus: map[int]*benchCorpus{}, index: map[int]*Index{}}

func corpusOf(tb testing.TB, n int) *benchCorpus {
	benchData.Lock()
	defer benchData.Unlock()
	if c := benchData.corpus[n]; c != nil {
		return c
	}
	c := genCorpus(tb, n)
	benchData.corpus[n] = c
	return c
}

func indexOf(tb testing.TB, n int) *Index {
	c := corpusOf(tb, n)
	benchData.Lock()
	defer benchData.Unlock()
	if ix := benchData.index[n]; ix != nil {
		return ix
	}
	ix := buildIndex(c)
	benchData.index[n] = ix
	return ix
}

// BenchmarkBuild measures analysing (on all CPUs) and adding every passage;
// index-MB is the heap the built index holds.
func BenchmarkBuild(b *testing.B) {
	for _, n := range benchSizes() {
		b.Run(sizeName(n), func(b *testing.B) {
			c := corpusOf(b, n)
			buildIndex(&benchCorpus{texts: c.texts[:min(n, 20000)], groups: c.groups}) // warm the stem cache
			before := heapMB()
			var ix *Index
			b.ResetTimer()
			for b.Loop() {
				ix = buildIndex(c)
			}
			b.StopTimer()
			b.ReportMetric(heapMB()-before, "index-MB")
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/passage")
			runtime.KeepAlive(ix)
		})
	}
}

// BenchmarkReopen measures reopening a persisted index: "map" with
// OpenIndexFile (the tables used where they lie) and then one Search, the
// time until a first answer is possible; "read" with ReadIndex (decoded and
// verified whole). index-MB is the heap the reopened index holds.
func BenchmarkReopen(b *testing.B) {
	for _, n := range benchSizes() {
		for _, mode := range []string{"map", "read"} {
			b.Run(sizeName(n)+"/"+mode, func(b *testing.B) {
				path := filepath.Join(b.TempDir(), "index")
				f, err := os.Create(path)
				if err != nil {
					b.Fatal(err)
				}
				w := bufio.NewWriter(f)
				size, err := indexOf(b, n).WriteTo(w)
				if err == nil {
					err = w.Flush()
				}
				if cerr := f.Close(); err == nil {
					err = cerr
				}
				if err != nil {
					b.Fatal(err)
				}
				q := ParseQuery(newSynth(b, 7).questions(1)[0])
				before := heapMB()
				var ix *Index
				b.ResetTimer()
				for b.Loop() {
					f, err := os.Open(path)
					if err != nil {
						b.Fatal(err)
					}
					if mode == "map" {
						ix, err = OpenIndexFile(f, 0)
					} else {
						ix, err = ReadIndex(f)
					}
					f.Close()
					if err != nil {
						b.Fatal(err)
					}
					if mode == "map" {
						ix.Search(q, Options{K: 5})
					}
				}
				b.StopTimer()
				b.ReportMetric(float64(size)/(1<<20), "file-MB")
				b.ReportMetric(heapMB()-before, "index-MB")
				runtime.KeepAlive(ix)
			})
		}
	}
}

// BenchmarkLexicon measures parsing the embedded lexicon, which every
// opened or new index does once.
func BenchmarkLexicon(b *testing.B) {
	for b.Loop() {
		if _, err := LoadLexicon(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSearch measures ParseQuery plus Search (K 5, reranking on text)
// over 200 questions shaped like ../shared/bench/questions.py; p50-ms and
// p99-ms are per-question latencies.
func BenchmarkSearch(b *testing.B) {
	for _, n := range benchSizes() {
		b.Run(sizeName(n), func(b *testing.B) {
			c := corpusOf(b, n)
			ix := indexOf(b, n)
			qs := newSynth(b, 7).questions(200)
			text := func(id uint32) (string, bool) {
				if id == 0 || int(id) > len(c.texts) {
					return "", false
				}
				return c.texts[id-1], true
			}
			var lat []time.Duration
			hits := 0
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				t0 := time.Now()
				h := ix.Search(ParseQuery(qs[i%len(qs)]), Options{K: 5, Text: text})
				lat = append(lat, time.Since(t0))
				hits += len(h)
			}
			b.StopTimer()
			slices.Sort(lat)
			ms := func(p float64) float64 {
				return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))].Nanoseconds()) / 1e6
			}
			b.ReportMetric(ms(0.50), "p50-ms")
			b.ReportMetric(ms(0.99), "p99-ms")
			b.ReportMetric(float64(hits)/float64(len(lat)), "hits/q")
		})
	}
}

// BenchmarkAnalyze measures Analyze on a 600-word text (warm stem cache).
func BenchmarkAnalyze(b *testing.B) {
	s := newSynth(b, 3)
	var sb strings.Builder
	text := s.passage(&sb, 600)
	Analyze(text)
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		Analyze(text)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/600, "ns/word")
}
