package briefing

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzVerifySummary feeds the verifier arbitrary model replies against fixed
// passages. It must not panic, must count what it judged consistently, must
// keep no sentence citing a passage not given, and must let through no link
// that no passage contains and no credential-shaped token.
func FuzzVerifySummary(f *testing.F) {
	given := map[int]string{
		1: "Port fees rise again\nHarbor Ledger\n3 Mar 2025\nThe port authority raised berth fees by 12 percent on Monday. See https://harbor.example.org/fees.",
		2: "Tariff talks stall\nTidewater Times\n4 Mar 2025\nNegotiators left the tariff talks without an agreement.",
	}
	f.Add("According to Harbor Ledger, berth fees rose by 12 percent [1]. Tidewater Times says talks stalled [2].")
	f.Add("## Summary\n\n- Fees rose [1, 2].\n- \"The port authority raised berth fees\" [1]\n\nSee https://evil.example.com/x [1].")
	f.Add("[passage 1-2] [3] [2-1] [1]…[2]. “Unclosed quote [1]")
	f.Add("Harbor Ledger confirms key sk-AAAAAAAAAAAAAAAAAAAAAAAA and [fees](http://phish.example.net) <https://x.example.com|y> [1].")
	f.Fuzz(func(t *testing.T, reply string) {
		v := verifySummary(reply, given)
		dropped := 0
		for _, n := range v.dropped {
			dropped += n
		}
		if v.kept < 0 || v.total != v.kept+dropped {
			t.Fatalf("kept %d, dropped %v, total %d", v.kept, v.dropped, v.total)
		}
		if v.kept == 0 && strings.TrimSpace(v.text) != "" {
			t.Fatalf("no sentence kept but text %q", v.text)
		}
		if utf8.ValidString(reply) && !utf8.ValidString(v.text) {
			t.Fatalf("invalid UTF-8 out of valid input: %q", v.text)
		}
		for _, g := range citeGroup.FindAllString(v.text, -1) {
			for _, n := range citeNumbers(g) {
				if _, ok := given[n]; !ok {
					t.Fatalf("kept a citation of passage %d, not given: %q", n, v.text)
				}
			}
		}
		for _, u := range bareURL.FindAllString(v.text, -1) {
			u = strings.TrimRight(u, ".,;:!?")
			e := newEvidence(given[1] + "\n" + given[2])
			if !e.hasURL(u) {
				t.Fatalf("kept link %q that no passage contains: %q", u, v.text)
			}
		}
		if leaksSecret(v.text, nil) && !leaksSecret(given[1]+given[2], nil) {
			t.Fatalf("kept a credential-shaped token: %q", v.text)
		}
	})
}

// FuzzSplitSummarySentences checks that the summary splitter returns
// increasing ends within the text, ending at its length, and trimmed,
// non-empty sentences.
func FuzzSplitSummarySentences(f *testing.F) {
	f.Add("Fees rose [1]. Mr. Smith said \"It fell. Then rose.\" [2] U.S. ports… Next [3].")
	f.Add("a.b. c! [1][2] d? e")
	f.Fuzz(func(t *testing.T, s string) {
		ends := sentenceEnds(s)
		prev := 0
		for i, e := range ends {
			if e <= prev || e > len(s) {
				t.Fatalf("end %d of %q: %d after %d", i, s, e, prev)
			}
			prev = e
		}
		if strings.TrimSpace(s) != "" && (len(ends) == 0 || ends[len(ends)-1] != len(s)) {
			t.Fatalf("ends %v of %q do not end at %d", ends, s, len(s))
		}
		for _, sent := range splitSummarySentences(s) {
			if sent == "" || strings.TrimSpace(sent) != sent {
				t.Fatalf("sentence %q of %q", sent, s)
			}
		}
	})
}
