package briefing_test

import (
	. "briefbot/briefing"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// benchUpdate measures a reopen that takes up 1% new articles: each
// iteration starts from a copy of the built data directory, with the new
// files written into the folder before the timer starts.
func (bl *benchLib) benchUpdate(b *testing.B, g *benchGen, n int) {
	built := bl.built(b)
	extra := max(1, n/100)
	var written int64
	var ch Changes
	runs := 0
	for b.Loop() {
		b.StopTimer()
		runs++
		data := filepath.Join(bl.root, fmt.Sprintf("update-%d", runs))
		if err := copyDir(built, data); err != nil {
			b.Fatal(err)
		}
		for i := n; i < n+extra; i++ {
			if err := os.WriteFile(filepath.Join(bl.corpus, fmt.Sprintf("doc%06d.txt", i)), g.article(i), 0o644); err != nil {
				b.Fatal(err)
			}
		}
		// The folder as a reopen finds it a while after the files came.
		old := time.Now().Add(-time.Minute)
		os.Chtimes(bl.corpus, old, old)
		before := indexFiles(data)
		b.StartTimer()
		lib, st, c := bl.open(b, data)
		lib.Close()
		b.StopTimer()
		st.Close()
		ch = c
		written += indexWritten(before, indexFiles(data))
		for i := n; i < n+extra; i++ {
			os.Remove(filepath.Join(bl.corpus, fmt.Sprintf("doc%06d.txt", i)))
		}
		os.RemoveAll(data)
		b.StartTimer()
	}
	if ch.Added != extra {
		b.Fatalf("update: %+v, want %d added", ch, extra)
	}
	b.ReportMetric(float64(written)/float64(runs), "index-bytes/op")
}

type fileStamp struct {
	size int64
	mod  time.Time
}

// indexFiles returns the size and time of each index file in data.
func indexFiles(data string) map[string]fileStamp {
	out := map[string]fileStamp{}
	for _, name := range []string{IndexFile, LogFile} {
		if fi, err := os.Stat(filepath.Join(data, name)); err == nil {
			out[name] = fileStamp{fi.Size(), fi.ModTime()}
		}
	}
	return out
}

// indexWritten estimates the bytes written to the index files between two
// stamps: a file rewritten counts whole, a log that grew its growth.
func indexWritten(before, after map[string]fileStamp) int64 {
	var n int64
	for name, a := range after {
		b, ok := before[name]
		switch {
		case ok && a == b:
		case ok && name == LogFile && a.size >= b.size:
			n += a.size - b.size
		default:
			n += a.size
		}
	}
	return n
}

func copyDir(from, to string) error {
	if err := os.MkdirAll(to, 0o755); err != nil {
		return err
	}
	entries, err := os.ReadDir(from)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		if err := copyFile(filepath.Join(from, e.Name()), filepath.Join(to, e.Name())); err != nil {
			return err
		}
	}
	return nil
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
