package corpus

import (
	"slices"
	"strings"
	"testing"
)

func sentenceTexts(text string) []string {
	var out []string
	for _, r := range Sentences(text) {
		out = append(out, text[r[0]:r[1]])
	}
	return out
}

func TestSentences(t *testing.T) {
	tests := []struct {
		name string
		text string
		want []string
	}{
		{"simple", "It rained. Then it stopped! Did it? Yes.",
			[]string{"It rained.", "Then it stopped!", "Did it?", "Yes."}},
		{"decimals and money", "The run cost $5.6 million. A rival figure was 5.575 million dollars. Shares fell 17.2% on Monday.",
			[]string{"The run cost $5.6 million.", "A rival figure was 5.575 million dollars.", "Shares fell 17.2% on Monday."}},
		{"U.S. inside a sentence", "The U.S. approach differs. U.S. officials disagreed with the U.S. Senate on it.",
			[]string{"The U.S. approach differs.", "U.S. officials disagreed with the U.S. Senate on it."}},
		{"U.S. at a sentence end", "The lab now rivals the U.S. The gap has closed. It moved to the U.K. But it returned.",
			[]string{"The lab now rivals the U.S.", "The gap has closed.", "It moved to the U.K.", "But it returned."}},
		{"titles and initials", "Mr. Smith met Dr. Jones and John F. Kennedy Jr. at noon. They talked.",
			[]string{"Mr. Smith met Dr. Jones and John F. Kennedy Jr. at noon.", "They talked."}},
		{"e.g. and i.e.", "Some chips, e.g. the H800, were allowed, i.e. legal to sell. Others were not.",
			[]string{"Some chips, e.g. the H800, were allowed, i.e. legal to sell.", "Others were not."}},
		{"company suffix", "Nvidia Corp. fell. Example Inc. The company declined to comment. Acme Inc. Chief Jo Lee spoke.",
			[]string{"Nvidia Corp. fell.", "Example Inc.", "The company declined to comment.", "Acme Inc. Chief Jo Lee spoke."}},
		{"month abbreviation", "The rules changed on Oct. 17, 2023 and again in Jan. The industry adapted.",
			[]string{"The rules changed on Oct. 17, 2023 and again in Jan.", "The industry adapted."}},
		{"quotes after periods", "He said, \u201cThis is a Sputnik moment.\u201d Others agreed. \"It is cheap.\" she added. 'Really?' Yes.",
			[]string{"He said, \u201cThis is a Sputnik moment.\u201d", "Others agreed.", "\"It is cheap.\" she added.", "'Really?'", "Yes."}},
		{"ellipses", "Costs fell... and fell. Then... Nothing. Wait\u2026 What happened\u2026 next?",
			[]string{"Costs fell... and fell.", "Then...", "Nothing.", "Wait\u2026", "What happened\u2026 next?"}},
		{"domain and version", "Visit example.com. Version 2.5 shipped. See example.com/a.b for details.",
			[]string{"Visit example.com.", "Version 2.5 shipped.", "See example.com/a.b for details."}},
		{"vs. and no.", "It was brute force vs. optimization. It ranked No. 1 in the store.",
			[]string{"It was brute force vs. optimization.", "It ranked No. 1 in the store."}},
		{"numbered heading", "1. The Context\n\nIt began in 2022.",
			[]string{"1. The Context", "It began in 2022."}},
		{"paragraph breaks end sentences", "A Heading Without Period\n\nBody text here.\n\n- item one\n\n- item two",
			[]string{"A Heading Without Period", "Body text here.", "- item one", "- item two"}},
		{"single newline is a space", "A line that wraps\nin the middle. Next one.",
			[]string{"A line that wraps\nin the middle.", "Next one."}},
		{"digit after period", "It bought 50,000 GPUs. 2,048 of them were H800s.",
			[]string{"It bought 50,000 GPUs.", "2,048 of them were H800s."}},
		{"lower case after period", "The model (ver. two) is out. it is lower case.",
			[]string{"The model (ver. two) is out. it is lower case."}},
		{"quotation kept whole", "The minister warned: \u201cPrices will rise. We cannot stop it.\u201d Markets fell.",
			[]string{"The minister warned: \u201cPrices will rise. We cannot stop it.\u201d", "Markets fell."}},
		{"straight quotation kept whole", "She said \"Stop. Now.\" Then she left.",
			[]string{"She said \"Stop. Now.\"", "Then she left."}},
		{"unclosed quotation does not swallow the paragraph", "A \u201cbroken quote. Second one. Third one.\n\nNext paragraph.",
			[]string{"A \u201cbroken quote.", "Second one.", "Third one.", "Next paragraph."}},
		{"list items on single lines", "It uses three ideas:\n- Caching: reuse work.\n- Batching: group calls\n* Sharding: split data.\n1. First\n2) Second",
			[]string{"It uses three ideas:", "- Caching: reuse work.", "- Batching: group calls", "* Sharding: split data.", "1. First", "2) Second"}},
		{"no terminal punctuation", "  just some words  ", []string{"just some words"}},
		{"empty", " \n\n ", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := sentenceTexts(tt.text)
			if !slices.Equal(got, tt.want) {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestSentencesOffsets(t *testing.T) {
	text := "  First one. Second one!\n\nThird, with “quotes.” Fourth…  "
	prev := 0
	for _, r := range Sentences(text) {
		if r[0] < prev || r[1] <= r[0] || r[1] > len(text) {
			t.Fatalf("bad range %v after %d", r, prev)
		}
		s := text[r[0]:r[1]]
		if s != strings.TrimSpace(s) {
			t.Errorf("untrimmed sentence %q", s)
		}
		prev = r[1]
	}
}

func TestSentencesWithTrailer(t *testing.T) {
	cite := func(s string) int {
		if len(s) >= 3 && s[0] == '[' && isDigit(s[1]) && s[2] == ']' {
			return 3
		}
		return 0
	}
	tests := []struct {
		text string
		want []string
	}{
		{"It rose. [1] It fell. [2]", []string{"It rose. [1]", "It fell. [2]"}},
		{"Prices rose in Jan. [1] then fell.", []string{"Prices rose in Jan. [1]", "then fell."}},
		{"It rose.[1] It fell.", []string{"It rose.[1]", "It fell."}},
		{"It rose [1]. It fell.", []string{"It rose [1].", "It fell."}},
	}
	for _, tt := range tests {
		var got []string
		for _, r := range SentencesWith(tt.text, SentenceOptions{Trailer: cite}) {
			got = append(got, tt.text[r[0]:r[1]])
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("SentencesWith(%q) = %q, want %q", tt.text, got, tt.want)
		}
	}
}
