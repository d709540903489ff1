package briefing

import (
	"sort"
	"strings"
	"unicode/utf8"
)

// EstimateTokens estimates what s costs in a model's prompt without a
// tokenizer: a token per four ASCII characters (the usual rate for English
// text under OpenAI-style BPE tokenizers), rounded up, plus a token per
// non-ASCII character (generous for accented Latin, about right for CJK).
// The prompt budget is counted in these units.
func EstimateTokens(s string) int {
	ascii, other := 0, 0
	for i := 0; i < len(s); {
		if s[i] < utf8.RuneSelf {
			ascii++
			i++
			continue
		}
		_, size := utf8.DecodeRuneInString(s[i:])
		other++
		i += size
	}
	return (ascii+3)/4 + other
}

// PromptSizer is an optional interface of a Summarizer: PromptTokens returns
// the size, by EstimateTokens, of the whole prompt it would send for req,
// instructions included. The prompt budget then counts exactly that; without
// it the budget allows for instructions of a typical size.
type PromptSizer interface {
	PromptTokens(req SummaryRequest) int
}

// Allowances of estimatePromptTokens for what a Summarizer adds to the data.
const (
	promptInstructionTokens = 400 // system message and framing
	promptPassageTokens     = 16  // a passage's fence and labels
)

// estimatePromptTokens estimates the prompt for req of a Summarizer that is
// not a PromptSizer.
func estimatePromptTokens(req SummaryRequest) int {
	n := promptInstructionTokens + EstimateTokens(req.Question)
	for _, p := range req.Passages {
		n += promptPassageTokens + EstimateTokens(p.Title) + EstimateTokens(p.Source) + EstimateTokens(p.Date) + EstimateTokens(p.Text)
	}
	return n
}

// minPassageCap is the least a single passage may take of the budget before
// passages are dropped instead.
const minPassageCap = 64

// fitPrompt fits req to a budget of tokens as measured by size:
//  1. a passage longer than a quarter of the budget is cut at a sentence
//     boundary (or, when its first sentence is itself too long, at a word
//     boundary, marked "…");
//  2. the lowest-ranked passages are dropped from the end until the prompt
//     fits, so the passages kept are still numbered 1..k;
//  3. the first passage that did not fit whole is cut to the sentences that
//     fit in the room left, and kept when at least some text remains.
//
// It reports false when not even part of the first passage fits.
func fitPrompt(req SummaryRequest, budget int, size func(SummaryRequest) int) (SummaryRequest, bool) {
	passageCap := max(budget/4, minPassageCap)
	ps := make([]SummaryPassage, 0, len(req.Passages))
	for _, p := range req.Passages {
		if EstimateTokens(p.Text) > passageCap {
			p.Text = trimToTokens(p.Text, passageCap)
		}
		ps = append(ps, p)
	}
	with := func(kept []SummaryPassage) SummaryRequest {
		r := req
		r.Passages = kept
		return r
	}
	// size grows with the number of passages; find the most that fit.
	k := sort.Search(len(ps)+1, func(k int) bool { return size(with(ps[:k])) > budget }) - 1
	if k < 0 {
		return req, false
	}
	kept := ps[:k:k]
	if k < len(ps) {
		p := ps[k]
		full := p.Text
		p.Text = ""
		room := budget - size(with(append(kept, p)))
		for room > 0 {
			p.Text = trimToTokens(full, room)
			if p.Text == "" {
				break
			}
			over := size(with(append(kept, p))) - budget
			if over <= 0 {
				kept = append(kept, p)
				break
			}
			room -= over
		}
	}
	if len(kept) == 0 {
		return req, false
	}
	return with(kept), true
}

// trimToTokens returns the longest run of s's leading sentences that costs at
// most limit tokens; when even the first sentence costs more, its leading
// words that fit, followed by "…"; "" when not a word fits.
func trimToTokens(s string, limit int) string {
	s = strings.TrimSpace(s)
	if EstimateTokens(s) <= limit {
		return s
	}
	cut := ""
	for _, end := range sentenceEnds(s) {
		t := strings.TrimSpace(s[:end])
		if EstimateTokens(t) > limit {
			break
		}
		cut = t
	}
	if cut != "" {
		return cut
	}
	words := strings.Fields(s)
	n := 0
	for n < len(words) && EstimateTokens(strings.Join(words[:n+1], " ")+"…") <= limit {
		n++
	}
	if n == 0 {
		return ""
	}
	return strings.Join(words[:n], " ") + "…"
}
