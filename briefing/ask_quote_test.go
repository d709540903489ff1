package briefing

import (
	"strings"
	"testing"
)

// TestBestQuoteWithoutMatchingWords: a passage found by its meaning alone
// (dense retrieval) may share no word with the question, and open with
// fragments; its quote is its first two sentences, not a panic.
func TestBestQuoteWithoutMatchingWords(t *testing.T) {
	text := "Late news. Updated. The union said its members would stay away from work until the operators agreed to talks on pay and rosters. The walkout entered its second day on Tuesday."
	got := bestQuote(text, quoteQuery{want: map[string]bool{"locomot": true}})
	if !strings.HasPrefix(text, got) || !strings.Contains(got, "Late news.") || got == "" {
		t.Errorf("quote %q", got)
	}
}
