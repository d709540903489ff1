package corpus

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// fuzzParse parses data as a file named name and checks what Parse
// promises: an error or a document whose passages are verbatim ranges of
// its text, in order, numbered from 0.
func fuzzParse(t *testing.T, name string, data []byte) {
	d, err := Parse(name, data)
	if err != nil {
		if !strings.Contains(err.Error(), name) {
			t.Fatalf("error %q does not name %s", err, name)
		}
		return
	}
	if d.ID != strings.TrimSuffix(name, name[strings.LastIndexByte(name, '.'):]) {
		t.Fatalf("ID %q for %s", d.ID, name)
	}
	if !utf8.ValidString(d.Text) || !utf8.ValidString(d.Title) {
		t.Fatalf("invalid UTF-8 in the document: title %q", d.Title)
	}
	end := 0
	for i, p := range Split(d) {
		if p.Seq != i || p.Start < end || p.End < p.Start || p.End > len(d.Text) || p.Text != d.Text[p.Start:p.End] {
			t.Fatalf("passage %d: seq %d [%d,%d) after %d in %d bytes", i, p.Seq, p.Start, p.End, end, len(d.Text))
		}
		end = p.End
	}
}

func FuzzParseHTML(f *testing.F) {
	f.Add([]byte(`<html><head><title>Tide mill | Ledger</title><meta name="author" content="A. Writer"></head><body><article><h1>Tide mill reopens</h1><p>By A. Writer · 3 March 2025</p><p>The tide mill on the estuary turned again on Monday after a decade, its keepers said. Visitors queued.</p></article><nav>Home | News</nav></body></html>`))
	f.Add([]byte("<p>one</p><p>two"))
	f.Add([]byte("\xff\xfe<\x00p\x00>\x00"))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzParse(t, "news/page.html", data) })
}

func FuzzParseMarkdown(f *testing.F) {
	f.Add([]byte("---\ntitle: \"Tide mill reopens\"\nsource: Ledger\ndate: 2025-03-03\n---\n# Tide mill reopens\n\nThe tide mill turned again on Monday, its keepers said.\n\n- a list item\n- another\n\n[link](https://example.com) ![img](x.png)\n"))
	f.Add([]byte("---\n---\n"))
	f.Add([]byte("| a | b |\n|---|---|\n| 1 | 2 |\n"))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzParse(t, "notes/page.md", data) })
}

func FuzzParseText(f *testing.F) {
	f.Add([]byte("Tide mill reopens\nBy A. Writer\nMarch 3, 2025\n\nThe tide mill turned again on Monday, its keepers said. Visitors queued for hours.\n\nSource: Ledger\n"))
	f.Add([]byte("\xef\xbb\xbfplain"))
	f.Add([]byte("caf\xe9 au lait, na\xefve"))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzParse(t, "page.txt", data) })
}

// FuzzSentences checks that Sentences returns ordered, non-overlapping
// ranges within the text, trimmed of the white space document text can hold
// (Parse's normalize has turned other controls into spaces).
func FuzzSentences(f *testing.F) {
	f.Add("Mr. Smith paid $5.6 million for example.com. It rose! Did it? Yes… \"Quoted.\" (Aside.) U.S. Steel fell.\n\nHeading")
	f.Add("a. b. c.")
	f.Add("...")
	f.Fuzz(func(t *testing.T, text string) {
		end := 0
		for i, r := range Sentences(text) {
			if r[0] < end || r[1] <= r[0] || r[1] > len(text) {
				t.Fatalf("sentence %d: [%d,%d) after %d in %d bytes", i, r[0], r[1], end, len(text))
			}
			if s := text[r[0]:r[1]]; strings.Trim(s, " \t\r\n") != s {
				t.Fatalf("sentence %d not trimmed: %q", i, s)
			}
			end = r[1]
		}
	})
}
