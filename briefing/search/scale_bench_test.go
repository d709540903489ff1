package search

import (
	"bufio"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// BenchmarkSearchScale measures per-question latency on large indexes, used
// the way the library uses them (memory-mapped from their persisted form),
// over the 200 questions of BenchmarkSearch. It runs only when
// BRIEFBOT_SCALE_SIZES lists passage counts; BRIEFBOT_SCALE_DIR (default a
// temporary directory) keeps each size's corpus text and index between runs,
// so that builds are paid once and two trees compare on the same index:
//
//	BRIEFBOT_SCALE_SIZES=750000,1500000,3000000 BRIEFBOT_SCALE_DIR=/tmp/scale \
//	  go test -run xxx -bench SearchScale -benchtime 600x -timeout 2h ./briefing/search/
//
// One op is one question; p50-ms, p99-ms and mean-ms are per question after
// a warm-up pass over every question (which faults the mapped pages in);
// cpu-p50-ms and cpu-p99-ms are the CPU time of the question's thread (on
// Linux), which waiting for a CPU on a busy machine does not inflate.
func BenchmarkSearchScale(b *testing.B) {
	env := os.Getenv("BRIEFBOT_SCALE_SIZES")
	if env == "" {
		b.Skip("set BRIEFBOT_SCALE_SIZES (passage counts, comma-separated)")
	}
	dir := os.Getenv("BRIEFBOT_SCALE_DIR")
	if dir == "" {
		dir = b.TempDir()
	}
	for _, f := range strings.Split(env, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 {
			b.Fatalf("BRIEFBOT_SCALE_SIZES: %q is not a passage count (e.g. 1500000)", f)
		}
		b.Run(sizeName(n), func(b *testing.B) {
			texts := scaleTexts(b, dir, n)
			ix := scaleIndex(b, dir, n, texts)
			qs := newSynth(b, 7).questions(200)
			text := func(id uint32) (string, bool) {
				if id == 0 || int(id) > len(texts) {
					return "", false
				}
				return texts[id-1], true
			}
			hits := 0
			for _, q := range qs {
				hits += len(ix.Search(ParseQuery(q), Options{K: 5, Text: text}))
			}
			var lat, cpu []time.Duration
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				c0, ok0 := threadCPU()
				t0 := time.Now()
				ix.Search(ParseQuery(qs[i%len(qs)]), Options{K: 5, Text: text})
				lat = append(lat, time.Since(t0))
				if c1, ok1 := threadCPU(); ok0 && ok1 {
					cpu = append(cpu, c1-c0)
				}
			}
			b.StopTimer()
			if len(cpu) > 0 {
				slices.Sort(cpu)
				at := func(p float64) float64 {
					return float64(cpu[min(len(cpu)-1, int(p*float64(len(cpu))))].Nanoseconds()) / 1e6
				}
				b.ReportMetric(at(0.50), "cpu-p50-ms")
				b.ReportMetric(at(0.99), "cpu-p99-ms")
			}
			var sum time.Duration
			for _, d := range lat {
				sum += d
			}
			slices.Sort(lat)
			ms := func(p float64) float64 {
				return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))].Nanoseconds()) / 1e6
			}
			b.ReportMetric(ms(0.50), "p50-ms")
			b.ReportMetric(ms(0.99), "p99-ms")
			b.ReportMetric(float64(sum.Nanoseconds())/float64(len(lat))/1e6, "mean-ms")
			b.ReportMetric(float64(hits)/float64(len(qs)), "hits/q")
			runtime.KeepAlive(ix)
		})
	}
}

// scaleTexts returns the n passages of genCorpus, from dir's cache when it
// has them (one passage a line).
func scaleTexts(b *testing.B, dir string, n int) []string {
	b.Helper()
	path := filepath.Join(dir, "texts-"+strconv.Itoa(n))
	if data, err := os.ReadFile(path); err == nil {
		s := string(data)
		texts := make([]string, 0, n)
		for len(s) > 0 {
			i := strings.IndexByte(s, '\n')
			if i < 0 {
				b.Fatalf("%s: truncated", path)
			}
			texts = append(texts, s[:i])
			s = s[i+1:]
		}
		if len(texts) == n {
			return texts
		}
	}
	c := genCorpus(b, n)
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	for _, t := range c.texts {
		w.WriteString(t)
		w.WriteByte('\n')
	}
	err = w.Flush()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		b.Fatal(err)
	}
	return c.texts
}

// scaleIndex maps the persisted index of the n passages from dir, building
// and persisting it first when it is not there.
func scaleIndex(b *testing.B, dir string, n int, texts []string) *Index {
	b.Helper()
	path := filepath.Join(dir, "index-"+strconv.Itoa(n))
	if _, err := os.Stat(path); err != nil {
		s := newSynth(b, 1) // the groups of genCorpus
		c := &benchCorpus{texts: texts, groups: make([]uint32, n)}
		group, left := uint32(0), 0
		var sb strings.Builder
		for i := range c.groups {
			if left == 0 {
				group++
				left = 5 + s.r.IntN(6)
			}
			left--
			s.passage(&sb, 60+s.r.IntN(41))
			c.groups[i] = group
		}
		built := buildIndex(c)
		f, err := os.Create(path + ".tmp")
		if err != nil {
			b.Fatal(err)
		}
		w := bufio.NewWriterSize(f, 1<<20)
		_, err = built.WriteTo(w)
		if err == nil {
			err = w.Flush()
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err == nil {
			err = os.Rename(path+".tmp", path)
		}
		if err != nil {
			b.Fatal(err)
		}
		built = nil
		runtime.GC()
	}
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	ix, err := OpenIndexFile(f, 0)
	if err != nil {
		b.Fatal(err)
	}
	return ix
}
