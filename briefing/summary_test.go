package briefing

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// summaryPassages reads the made-up passages of testdata/summary_passages.json.
func summaryPassages(t testing.TB) []SummaryPassage {
	t.Helper()
	b, err := os.ReadFile("testdata/summary_passages.json")
	if err != nil {
		t.Fatal(err)
	}
	var ps []SummaryPassage
	if err := json.Unmarshal(b, &ps); err != nil {
		t.Fatal(err)
	}
	return ps
}

func givenTexts(ps []SummaryPassage) map[int]string {
	m := map[int]string{}
	for _, p := range ps {
		m[p.N] = passageEvidence(p)
	}
	return m
}

func TestVerifySummary(t *testing.T) {
	given := givenTexts(summaryPassages(t))
	tests := []struct {
		name        string
		reply       string
		want        string
		kept, total int
		dropped     map[string]int
	}{
		{name: "cited sentences kept",
			reply: "According to Harbor Ledger, berth fees rose by 12 percent [1]. Tidewater Times reports that the tariff talks ended without agreement [2].",
			want:  "According to Harbor Ledger, berth fees rose by 12 percent [1]. Tidewater Times reports that the tariff talks ended without agreement [2].",
			kept:  2, total: 2},
		{name: "citation after the full stop",
			reply: "Harbor Ledger says fees rose. [1] Quay Weekly reports a strike vote. [3]",
			want:  "Harbor Ledger says fees rose. [1] Quay Weekly reports a strike vote. [3]",
			kept:  2, total: 2},
		{name: "a passage that was not given",
			reply: "Harbor Ledger says fees rose [1]. Ministers resigned over the dispute [9]. Talks stalled, Tidewater Times says [2].",
			want:  "Harbor Ledger says fees rose [1]. Talks stalled, Tidewater Times says [2].",
			kept:  2, total: 3, dropped: map[string]int{"bad_citation": 1}},
		{name: "a valid and an invalid citation together",
			reply: "Fees rose and ministers resigned [1][6].",
			kept:  0, total: 1, dropped: map[string]int{"bad_citation": 1}},
		{name: "no citations",
			reply: "Fees at the port went up. Talks about tariffs did not reach an agreement.",
			kept:  0, total: 2, dropped: map[string]int{"uncited": 2}},
		{name: "fabricated quotation",
			reply: `Quay Weekly says the union "will never accept any automation at all" [3]. Harbor Ledger says fees rose [1].`,
			want:  "Harbor Ledger says fees rose [1].",
			kept:  1, total: 2, dropped: map[string]int{"misquote": 1}},
		{name: "quotation from a passage not cited",
			reply: `Tidewater Times says the port "raised berth fees by 12 percent" [2].`,
			kept:  0, total: 1, dropped: map[string]int{"misquote": 1}},
		{name: "verbatim quotation in other quote marks and case",
			reply: `The union's chair said “we will not accept cranes without operators” [4].`,
			want:  `The union's chair said “we will not accept cranes without operators” [4].`,
			kept:  1, total: 1},
		{name: "quotation with an omission",
			reply: `Harbor Ledger wrote that "the port authority raised ... fees by 12 percent" [1].`,
			want:  `Harbor Ledger wrote that "the port authority raised ... fees by 12 percent" [1].`,
			kept:  1, total: 1},
		{name: "quotation spanning two sentences",
			reply: `Tidewater Times wrote: "Negotiators left the tariff talks without an agreement. A second round is planned for April." [2]`,
			want:  `Tidewater Times wrote: "Negotiators left the tariff talks without an agreement. A second round is planned for April." [2]`,
			kept:  1, total: 1},
		{name: "short quoted term is not a quotation",
			reply: `Tidewater Times calls the talks "stalled" [2].`,
			want:  `Tidewater Times calls the talks "stalled" [2].`,
			kept:  1, total: 1},
		{name: "citation lists and ranges in canonical form",
			reply: "Port costs and tariffs moved [1, 2]. Quay Weekly covers the strike [3-4]. Rates fell [passage 5].",
			want:  "Port costs and tariffs moved [1][2]. Quay Weekly covers the strike [3][4]. Rates fell [5].",
			kept:  3, total: 3},
		{name: "backward range",
			reply: "Strike news [4-3].",
			kept:  0, total: 1, dropped: map[string]int{"bad_citation": 1}},
		{name: "heading dropped, list kept",
			reply: "## Summary\n\n- Harbor Ledger says fees rose [1].\n- Rates fell for a third week [5].\n\nSources: see above.",
			want:  "- Harbor Ledger says fees rose [1].\n- Rates fell for a third week [5].",
			kept:  2, total: 2},
		{name: "abbreviations do not split sentences (names not in the passage: dropped)",
			reply: "According to the U.S. Maritime Commission and Mr. Smith of Harbor Ledger, fees rose [1].",
			kept:  0, total: 1, dropped: map[string]int{"unsupported_name": 1}},
		{name: "abbreviations do not split sentences",
			reply: "Mr. Ledger's paper, Harbor Ledger, says fees rose by 12 percent on Monday [1].",
			want:  "Mr. Ledger's paper, Harbor Ledger, says fees rose by 12 percent on Monday [1].",
			kept:  1, total: 1},
		{name: "paragraphs kept",
			reply: "Fees rose [1].\n\nRates fell [5].",
			want:  "Fees rose [1].\n\nRates fell [5].",
			kept:  2, total: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := verifySummary(tt.reply, given)
			if v.text != tt.want || v.kept != tt.kept || v.total != tt.total {
				t.Errorf("verifySummary:\n got %q (kept %d of %d)\nwant %q (kept %d of %d)", v.text, v.kept, v.total, tt.want, tt.kept, tt.total)
			}
			want := tt.dropped
			if want == nil {
				want = map[string]int{}
			}
			if fmt.Sprint(v.dropped) != fmt.Sprint(want) {
				t.Errorf("dropped %v, want %v", v.dropped, want)
			}
		})
	}
}

func TestSplitSummarySentences(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"One. Two! Three?", []string{"One.", "Two!", "Three?"}},
		{"Fees rose by 3.5 percent. Talks stalled.", []string{"Fees rose by 3.5 percent.", "Talks stalled."}},
		{"Made by Acme Inc. in Ohio. Done.", []string{"Made by Acme Inc. in Ohio.", "Done."}},
		{"J. Smith wrote it. Then he left.", []string{"J. Smith wrote it.", "Then he left."}},
		{`He said "Stop. Now." Then left.`, []string{`He said "Stop. Now."`, "Then left."}},
		{"Rates fell (sharply). Fees rose.", []string{"Rates fell (sharply).", "Fees rose."}},
		{"It rose [1]. It fell [2][3]. Done", []string{"It rose [1].", "It fell [2][3].", "Done"}},
		{"It rose. [1] It fell. [2]", []string{"It rose. [1]", "It fell. [2]"}},
		{"Prices rose in Jan. [1] Then fell.", []string{"Prices rose in Jan. [1]", "Then fell."}},
		{"Wait… what happened? Nothing.", []string{"Wait… what happened?", "Nothing."}},
		{"   ", nil},
	}
	for _, tt := range tests {
		if got := splitSummarySentences(tt.in); fmt.Sprint(got) != fmt.Sprint(tt.want) {
			t.Errorf("splitSummarySentences(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestEstimateTokens(t *testing.T) {
	tests := []struct {
		in   string
		want int
	}{
		{"", 0},
		{"abcd", 1},
		{"abcde", 2},
		{"The port raised fees.", 6},
		{"日本語", 3},
		{"café", 2},
	}
	for _, tt := range tests {
		if got := EstimateTokens(tt.in); got != tt.want {
			t.Errorf("EstimateTokens(%q) = %d, want %d", tt.in, got, tt.want)
		}
	}
}

// manyPassages returns n passages of several sentences each.
func manyPassages(n int) []SummaryPassage {
	ps := make([]SummaryPassage, n)
	for i := range ps {
		var b strings.Builder
		for s := 1; s <= 6; s++ {
			fmt.Fprintf(&b, "Passage %d reports development number %d at the harbour in some detail. ", i+1, s)
		}
		ps[i] = SummaryPassage{N: i + 1, Title: fmt.Sprintf("Story %d", i+1), Source: "Harbor Ledger", Date: "3 Mar 2025", Text: strings.TrimSpace(b.String())}
	}
	return ps
}

func TestFitPrompt(t *testing.T) {
	long := strings.Repeat("The port authority published a long notice about berth fees. ", 80)
	oneSentence := strings.Repeat("word ", 2000) + "end."
	tests := []struct {
		name      string
		passages  []SummaryPassage
		budget    int
		wantOK    bool
		wantKept  int  // -1: some, fewer than given
		wantCut   bool // the last passage kept is shorter than given
		wantWords bool // ... and cut inside a sentence ("…")
	}{
		{name: "everything fits", passages: manyPassages(3), budget: 3000, wantOK: true, wantKept: 3},
		{name: "lowest ranked dropped", passages: manyPassages(200), budget: 1000, wantOK: true, wantKept: -1},
		{name: "long passage cut at a sentence", passages: []SummaryPassage{{N: 1, Source: "Harbor Ledger", Text: long}}, budget: 800, wantOK: true, wantKept: 1, wantCut: true},
		{name: "endless sentence cut at a word", passages: []SummaryPassage{{N: 1, Source: "Harbor Ledger", Text: oneSentence}}, budget: 800, wantOK: true, wantKept: 1, wantCut: true, wantWords: true},
		{name: "no room for any passage", passages: manyPassages(2), budget: 300, wantOK: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := SummaryRequest{Kind: "answer", Question: "what about the harbour?", Passages: tt.passages}
			got, ok := fitPrompt(req, tt.budget, estimatePromptTokens)
			if ok != tt.wantOK {
				t.Fatalf("fitPrompt ok = %v, want %v", ok, tt.wantOK)
			}
			if !ok {
				return
			}
			if size := estimatePromptTokens(got); size > tt.budget {
				t.Errorf("prompt of %d tokens exceeds the budget of %d", size, tt.budget)
			}
			k := len(got.Passages)
			switch {
			case tt.wantKept >= 0 && k != tt.wantKept:
				t.Errorf("kept %d passages, want %d", k, tt.wantKept)
			case tt.wantKept < 0 && (k == 0 || k >= len(tt.passages)):
				t.Errorf("kept %d of %d passages, want some but not all", k, len(tt.passages))
			}
			for i, p := range got.Passages {
				if p.N != i+1 || p.Title != tt.passages[i].Title {
					t.Errorf("passage %d is [%d] %q, want [%d] %q", i, p.N, p.Title, i+1, tt.passages[i].Title)
				}
				orig := tt.passages[i].Text
				if i < k-1 && p.Text != orig {
					t.Errorf("passage %d was changed though a later one was kept", p.N)
				}
			}
			last := got.Passages[k-1]
			orig := tt.passages[k-1].Text
			if body, _ := strings.CutSuffix(last.Text, "…"); !strings.HasPrefix(orig, body) || last.Text == "" {
				t.Errorf("last passage %q is not a prefix of the original", last.Text)
			}
			if tt.wantKept < 0 {
				return // the last may or may not be cut
			}
			if cut := last.Text != orig; cut != tt.wantCut {
				t.Errorf("last passage cut = %v, want %v", cut, tt.wantCut)
			}
			if tt.wantCut {
				if _, words := strings.CutSuffix(last.Text, "…"); words != tt.wantWords {
					t.Errorf("last passage cut to %q; cut inside a sentence = %v, want %v", last.Text, words, tt.wantWords)
				}
				if !tt.wantWords && !strings.HasSuffix(last.Text, ".") {
					t.Errorf("last passage cut to %q, not at a sentence end", last.Text)
				}
			}
		})
	}
}

// fakeSummarizer answers with reply and records the requests.
type fakeSummarizer struct {
	mu    sync.Mutex
	reply func(ctx context.Context, req SummaryRequest) (Summary, error)
	reqs  []SummaryRequest
}

func (f *fakeSummarizer) Summarize(ctx context.Context, req SummaryRequest) (Summary, error) {
	f.mu.Lock()
	f.reqs = append(f.reqs, req)
	reply := f.reply
	f.mu.Unlock()
	return reply(ctx, req)
}

func (f *fakeSummarizer) calls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.reqs)
}

func replying(text string, err error) *fakeSummarizer {
	return &fakeSummarizer{reply: func(context.Context, SummaryRequest) (Summary, error) {
		if err != nil {
			return Summary{}, err
		}
		return Summary{Text: text, Model: "fake-1"}, nil
	}}
}

func TestGroundedSummarize(t *testing.T) {
	ps := summaryPassages(t)
	hang := &fakeSummarizer{reply: func(ctx context.Context, _ SummaryRequest) (Summary, error) {
		<-ctx.Done()
		return Summary{}, fmt.Errorf("fake: %w", ctx.Err())
	}}
	tests := []struct {
		name         string
		s            *fakeSummarizer
		wantText     string
		wantBy       string
		wantFallback string // reason counted, "" for none
	}{
		{name: "verified", s: replying("According to Harbor Ledger, fees rose [1]. Quay Weekly reports a strike vote [3].", nil),
			wantText: "According to Harbor Ledger, fees rose [1]. Quay Weekly reports a strike vote [3].", wantBy: "llm:fake-1"},
		{name: "one bad sentence of three dropped", s: replying("Fees rose [1]. Ministers resigned [9]. Rates fell [5].", nil),
			wantText: "Fees rose [1]. Rates fell [5].", wantBy: "llm:fake-1"},
		{name: "mostly invalid citations", s: replying("Fees rose [1]. Ministers resigned [9]. Ships sank [7].", nil),
			wantBy: "extractive", wantFallback: "unverified"},
		{name: "no citations", s: replying("Fees rose at the harbour this week. Rates fell again this week.", nil),
			wantBy: "extractive", wantFallback: "unverified"},
		{name: "only a fabricated quotation", s: replying(`The union said it "will never accept any automation at all" [3].`, nil),
			wantBy: "extractive", wantFallback: "unverified"},
		{name: "empty reply", s: replying(" ", nil), wantBy: "extractive", wantFallback: "empty"},
		{name: "error", s: replying("", errors.New("llm: chat completion: status 500, server_error: boom")),
			wantBy: "extractive", wantFallback: "error"},
		{name: "past the deadline", s: hang, wantBy: "extractive", wantFallback: "timeout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg := prometheus.NewPedanticRegistry()
			// Only the hanging summariser meets the deadline; the others
			// answer at once, and a short deadline could pass first on a
			// loaded machine (turning "error" into "timeout").
			timeout := time.Minute
			if tt.s == hang {
				timeout = 50 * time.Millisecond
			}
			g := newGrounded(tt.s, timeout, 3000, reg, nil)
			text, by := g.summarize(context.Background(), "answer", "what happened at the port?", ps)
			if text != tt.wantText || by != tt.wantBy {
				t.Errorf("summarize = %q, %q; want %q, %q", text, by, tt.wantText, tt.wantBy)
			}
			if tt.wantFallback != "" {
				if n := metricValue(t, reg, "briefbot_llm_fallbacks_total", "reason", tt.wantFallback); n != 1 {
					t.Errorf("fallbacks{reason=%q} = %v, want 1", tt.wantFallback, n)
				}
			} else if n := metricValue(t, reg, "briefbot_llm_fallbacks_total", "", ""); n != 0 {
				t.Errorf("%v fallbacks counted for a verified summary", n)
			}
		})
	}
}

func TestGroundedNilIsExtractive(t *testing.T) {
	var g *grounded
	if text, by := g.summarize(context.Background(), "answer", "q", summaryPassages(t)); text != "" || by != "extractive" {
		t.Errorf("nil grounded: summarize = %q, %q; want extractive", text, by)
	}
	g = newGrounded(replying("Fees rose [1].", nil), time.Second, 3000, nil, nil)
	if text, by := g.summarize(context.Background(), "answer", "q", nil); text != "" || by != "extractive" {
		t.Errorf("no passages: summarize = %q, %q; want extractive", text, by)
	}
}

func TestGroundedCache(t *testing.T) {
	ps := summaryPassages(t)
	reg := prometheus.NewPedanticRegistry()
	f := replying("According to Harbor Ledger, fees rose [1].", nil)
	g := newGrounded(f, time.Second, 3000, reg, nil)
	ctx := context.Background()

	first, _ := g.summarize(ctx, "answer", "what about fees?", ps)
	again, by := g.summarize(ctx, "answer", "what about fees?", ps)
	if first == "" || again != first || by != "llm:fake-1" {
		t.Errorf("repeated request: %q, %q after %q", again, by, first)
	}
	if n := f.calls(); n != 1 {
		t.Errorf("%d calls for two identical requests, want 1", n)
	}
	if n := metricValue(t, reg, "briefbot_llm_cache_hits_total", "", ""); n != 1 {
		t.Errorf("cache hits = %v, want 1", n)
	}

	g.summarize(ctx, "digest", "what about fees?", ps)
	g.summarize(ctx, "answer", "what about rates?", ps)
	changed := append([]SummaryPassage(nil), ps...)
	changed[0].Text += " Importers complained."
	g.summarize(ctx, "answer", "what about fees?", changed)
	if n := f.calls(); n != 4 {
		t.Errorf("%d calls after three different requests, want 4", n)
	}

	// A reply that fails verification is not cached.
	bad := replying("Nothing cited here at all.", nil)
	g = newGrounded(bad, time.Second, 3000, nil, nil)
	g.summarize(ctx, "answer", "q", ps)
	g.summarize(ctx, "answer", "q", ps)
	if n := bad.calls(); n != 2 {
		t.Errorf("%d calls for a repeated unverified reply, want 2", n)
	}
}

func TestGroundedCacheIsBounded(t *testing.T) {
	f := replying("According to Harbor Ledger, fees rose [1].", nil)
	g := newGrounded(f, time.Second, 3000, nil, nil)
	ps := summaryPassages(t)
	for i := range summaryCacheSize + 10 {
		g.summarize(context.Background(), "answer", fmt.Sprint("question ", i), ps)
	}
	if n := g.cache.lru.Len(); n != summaryCacheSize {
		t.Errorf("cache holds %d entries, want %d", n, summaryCacheSize)
	}
	g.summarize(context.Background(), "answer", "question 0", ps) // evicted first
	if n := f.calls(); n != summaryCacheSize+11 {
		t.Errorf("%d calls, want %d: the oldest entry should have been evicted", n, summaryCacheSize+11)
	}
}

func TestGroundedConcurrentIdenticalRequestsShareACall(t *testing.T) {
	release := make(chan struct{})
	f := &fakeSummarizer{reply: func(ctx context.Context, _ SummaryRequest) (Summary, error) {
		select {
		case <-release:
		case <-ctx.Done():
		}
		return Summary{Text: "According to Harbor Ledger, fees rose [1].", Model: "fake-1"}, nil
	}}
	g := newGrounded(f, 10*time.Second, 3000, nil, nil)
	ps := summaryPassages(t)
	var wg sync.WaitGroup
	results := make([]string, 8)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], _ = g.summarize(context.Background(), "digest", "What is new", ps)
		}()
	}
	close(release)
	wg.Wait()
	for i, r := range results {
		if r != "According to Harbor Ledger, fees rose [1]." {
			t.Errorf("caller %d got %q", i, r)
		}
	}
	if n := f.calls(); n != 1 {
		t.Errorf("%d calls for 8 identical requests, want 1", n)
	}
}

func TestGroundedBudget(t *testing.T) {
	f := replying("According to Harbor Ledger, passage 1 reports development number 1 [1].", nil)
	g := newGrounded(f, time.Second, 900, nil, nil)
	text, _ := g.summarize(context.Background(), "answer", "what about the harbour?", manyPassages(300))
	if text == "" {
		t.Fatalf("no summary")
	}
	req := f.reqs[0]
	if size := estimatePromptTokens(req); size > 900 {
		t.Errorf("the Summarizer got a prompt of %d tokens, over the budget of 900", size)
	}
	if len(req.Passages) == 0 || len(req.Passages) >= 300 {
		t.Errorf("the Summarizer got %d of 300 passages", len(req.Passages))
	}

	// Citing a passage dropped for the budget is citing one not given.
	f = replying("Passage 1 reports development number 2 [1]. Passage 300 is interesting [300].", nil)
	g = newGrounded(f, time.Second, 900, nil, nil)
	if text, by := g.summarize(context.Background(), "answer", "q", manyPassages(300)); by != "llm:fake-1" || strings.Contains(text, "300") {
		t.Errorf("summarize = %q, %q; want the sentence citing a dropped passage gone", text, by)
	}

	// No room at all: no call.
	f = replying("Fees rose [1].", nil)
	reg := prometheus.NewPedanticRegistry()
	g = newGrounded(f, time.Second, 100, reg, nil)
	if _, by := g.summarize(context.Background(), "answer", "q", manyPassages(3)); by != "extractive" || f.calls() != 0 {
		t.Errorf("budget too small: by %q after %d calls, want extractive without a call", by, f.calls())
	}
	if n := metricValue(t, reg, "briefbot_llm_fallbacks_total", "reason", "budget"); n != 1 {
		t.Errorf("fallbacks{reason=budget} = %v, want 1", n)
	}
}

func TestGroundedVerifiesAgainstTrimmedText(t *testing.T) {
	// Passage 1 is too long for the budget; its last sentence is cut away,
	// so a quotation of it cannot be verified.
	var b strings.Builder
	for i := range 60 {
		fmt.Fprintf(&b, "Paragraph %d of the notice repeats the berth fee schedule. ", i)
	}
	b.WriteString("The harbour master resigned on Friday after the vote.")
	ps := []SummaryPassage{{N: 1, Source: "Harbor Ledger", Text: b.String()}}
	f := replying(`Harbor Ledger reports that "the harbour master resigned on Friday" [1]. The notice repeats the fee schedule [1].`, nil)
	g := newGrounded(f, time.Second, 800, nil, nil)
	text, by := g.summarize(context.Background(), "answer", "q", ps)
	if by != "llm:fake-1" || text != "The notice repeats the fee schedule [1]." {
		t.Errorf("summarize = %q, %q; want the quotation of the cut text dropped", text, by)
	}
}

func TestGroundedMetricsShareARegistry(t *testing.T) {
	reg := prometheus.NewPedanticRegistry()
	a := newGrounded(replying("Fees rose [1].", nil), time.Second, 3000, reg, nil)
	b := newGrounded(replying("Fees rose [1]. Ships sank [8]. Rates fell [5].", nil), time.Second, 3000, reg, nil)
	ps := summaryPassages(t)
	a.summarize(context.Background(), "answer", "q", ps)
	b.summarize(context.Background(), "answer", "q", ps)
	if n := metricValue(t, reg, "briefbot_llm_calls_total", "result", "ok"); n != 2 {
		t.Errorf("calls{result=ok} = %v, want 2", n)
	}
	if n := metricValue(t, reg, "briefbot_llm_dropped_sentences_total", "reason", "bad_citation"); n != 1 {
		t.Errorf("dropped{reason=bad_citation} = %v, want 1", n)
	}
}

// metricValue sums the counters called name whose label has value (any
// when label is "").
func metricValue(t *testing.T, reg prometheus.Gatherer, name, label, value string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	var sum float64
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			match := label == ""
			for _, l := range m.GetLabel() {
				if l.GetName() == label && l.GetValue() == value {
					match = true
				}
			}
			if match {
				sum += m.GetCounter().GetValue()
			}
		}
	}
	return sum
}
