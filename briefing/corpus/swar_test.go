package corpus

import (
	"bytes"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// countWordsBytes is countWords one byte at a time: the reference.
func countWordsBytes(s string) int {
	n := 0
	in := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == ' ' || c == '\n' || c == '\t' || c == '\r' {
			in = false
		} else if !in {
			in = true
			n++
		}
	}
	return n
}

// isNormalBytes is isNormal one byte at a time: the reference.
func isNormalBytes(s string) bool {
	if s == "" {
		return true
	}
	if s[0] == ' ' || s[len(s)-1] == ' ' {
		return false
	}
	prevSpace := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c > ' ' && c < 0x7f {
			prevSpace = false
			continue
		}
		switch {
		case c == ' ':
			if prevSpace {
				return false
			}
			prevSpace = true
			continue
		case c < 0x20 || c == 0x7f:
			return false
		case c == 0xc2:
			if i+1 < len(s) && (s[i+1] == 0xa0 || s[i+1] == 0xad || s[i+1] == 0x85) {
				return false
			}
		case c == 0xe1:
			if i+2 < len(s) && s[i+1] == 0x9a && s[i+2] == 0x80 { // ogham space
				return false
			}
		case c == 0xe2:
			if i+2 < len(s) {
				c1, c2 := s[i+1], s[i+2]
				if c1 == 0x80 && (c2 <= 0x8f || c2 == 0xa8 || c2 == 0xa9 || c2 == 0xaf) {
					return false
				}
				if c1 == 0x81 && (c2 == 0x9f || c2 == 0xa0) {
					return false
				}
			}
		case c == 0xe3:
			if i+2 < len(s) && s[i+1] == 0x80 && s[i+2] == 0x80 {
				return false
			}
		case c == 0xef:
			if i+2 < len(s) && s[i+1] == 0xbb && s[i+2] == 0xbf {
				return false
			}
		case c >= 0x80 && c < 0xc0 && i == 0:
			return false
		}
		prevSpace = false
	}
	return true
}

// isBinaryBytes is isBinary one byte at a time: the reference.
func isBinaryBytes(data []byte) bool {
	if bytes.IndexByte(data, 0) >= 0 {
		return true
	}
	ctl := 0
	for _, c := range data {
		if c < 0x20 && c != '\n' && c != '\r' && c != '\t' && c != '\f' && c != '\v' && c != 0x1b {
			ctl++
		}
	}
	return ctl*100 > len(data)
}

// checkScans compares the word-at-a-time scans and plainTextLine with
// their references on s
// and on every suffix and prefix that moves it across the 8-byte steps.
func checkScans(t *testing.T, name, s string) {
	t.Helper()
	for _, sub := range []string{s, s[min(1, len(s)):], s[min(3, len(s)):], s[min(7, len(s)):], s[:len(s)-min(5, len(s))]} {
		if got, want := countWords(sub), countWordsBytes(sub); got != want {
			t.Fatalf("%s: countWords(%q) = %d, want %d", name, sub, got, want)
		}
		if got, want := isNormal(sub), isNormalBytes(sub); got != want {
			t.Fatalf("%s: isNormal(%q) = %v, want %v", name, sub, got, want)
		}
		if got, want := isBinary([]byte(sub)), isBinaryBytes([]byte(sub)); got != want {
			t.Fatalf("%s: isBinary(%q) = %v, want %v", name, sub, got, want)
		}
		gt, gg := plainTextLine(sub)
		if wt, wg := textLine(sub); gt != wt || gg != wg {
			t.Fatalf("%s: plainTextLine(%q) = %q, %d, want %q, %d", name, sub, gt, gg, wt, wg)
		}
	}
}

// TestScansSameAsBytes checks countWords, isNormal, isBinary and
// plainTextLine against their references on random strings of the bytes
// they look at.
func TestScansSameAsBytes(t *testing.T) {
	pieces := []string{"a", "B", "z", "7", " ", " ", "  ", "\n", "\t", "\r", "\x00", "\x1f", "\x7f", "~", "!",
		"\f", "\v", "\x1b", "\x01", "<b>", "<", "&amp;", "&", "\xff", "\xa0",
		"é", "\u00a0", "\u00ad", "\u0085", "\u1680", "\u2009", "\u200b", "\u2028", "\u202f", "\u205f", "\u3000", "\ufeff",
		"—", "’", "\xc2", "\xe2\x80", "\x80", "\xbf", "word", "longerword"}
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 100000 {
		var b strings.Builder
		for range r.IntN(40) {
			b.WriteString(pieces[r.IntN(len(pieces))])
		}
		checkScans(t, "random", b.String())
		if i < 64 {
			checkScans(t, "spaces", strings.Repeat(" ", i)+"x"+strings.Repeat(" ", i%9))
		}
	}
}

// TestScansSameOnCorpora checks the scans on every line, paragraph and
// whole text of the real corpora beside the repository (and the 5k
// synthetic one when it is there).
func TestScansSameOnCorpora(t *testing.T) {
	dirs := []string{"../../../shared/corpus", "../../../shared/corpora/news/articles", "/tmp/perf/corpus-5k", "testdata", "sample"}
	files := 0
	for _, dir := range dirs {
		names, _ := filepath.Glob(filepath.Join(dir, "*"))
		if len(names) > 1000 { // the synthetic corpus: a sample is enough
			names = names[:1000]
		}
		for _, n := range names {
			data, err := os.ReadFile(n)
			if err != nil {
				continue // a directory
			}
			files++
			s := string(data)
			checkScans(t, n, s)
			for line := range strings.SplitSeq(s, "\n") {
				checkScans(t, n, line)
				checkScans(t, n, strings.TrimSpace(line))
			}
			for para := range strings.SplitSeq(s, "\n\n") {
				checkScans(t, n, para)
			}
		}
	}
	t.Logf("%d files", files)
}

// FuzzScans compares the word-at-a-time scans and plainTextLine with their
// references.
func FuzzScans(f *testing.F) {
	f.Add("Plain  text with\ttabs,\u00a0odd spaces\u2009and words.")
	f.Fuzz(func(t *testing.T, s string) { checkScans(t, "fuzz", s) })
}
