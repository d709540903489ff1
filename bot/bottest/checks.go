package bottest

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"briefbot/bot"
)

// testAsk asks about every fixture article and checks the answers and the
// requests the handler saw.
func (s *suite) testAsk(t *testing.T, h Harness, rec *recorder, kind bot.Kind) {
	arts := s.articles
	if kind != bot.Command {
		arts = arts[:1] // one is enough to check the way in; commands check all
	}
	convs := make([]Conversation, len(arts))
	for i, a := range arts {
		convs[i] = send(t, h, kind, "ask "+a.question)
	}
	for i, a := range arts {
		msgs := convs[i].Replies(t)
		s.checkAnswer(t, msgs, a)
		if kind == bot.Mention && len(msgs) > 0 && msgs[0].Thread != convs[i].Origin() {
			t.Errorf("the answer to a mention is not in its thread or a reply to it: thread %q, want %q", msgs[0].Thread, convs[i].Origin())
		}
	}

	reqs := rec.requests()
	if len(reqs) != len(arts) {
		t.Fatalf("the handler got %d requests for %d questions: %+v", len(reqs), len(arts), reqs)
	}
	for _, req := range reqs {
		if req.Kind != kind {
			t.Errorf("request kind %v, want %v: %+v", req.Kind, kind, req)
		}
		if req.Platform == "" || req.Channel == "" || req.User == "" {
			t.Errorf("request lacks platform, channel or user: %+v", req)
		}
		if req.Platform != reqs[0].Platform {
			t.Errorf("platform %q, then %q", reqs[0].Platform, req.Platform)
		}
	}
	var got, want []string
	for i, a := range arts {
		got = append(got, reqs[i].Text)
		want = append(want, "ask "+a.question)
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("request texts %q, want %q (what the user typed, without /brief or the mention)", got, want)
	}
}

// checkAnswer checks an answer about a: public, citing a by title, link and
// marker, with at least one quote, every quote verbatim from the corpus.
func (s *suite) checkAnswer(t *testing.T, msgs []Message, a article) {
	t.Helper()
	if len(msgs) == 0 {
		t.Fatalf("no answer to %q", a.question)
	}
	all := joined(msgs)
	for _, m := range msgs {
		if m.Ephemeral {
			t.Errorf("an answer is for everyone, but a message is ephemeral:\n%s", m.Text)
		}
	}
	if !strings.Contains(all, a.title) {
		t.Errorf("the answer to %q does not name the source %q:\n%s", a.question, a.title, all)
	}
	if !slices.ContainsFunc(msgs, func(m Message) bool { return slices.Contains(m.Links, a.url) }) {
		t.Errorf("the answer to %q does not link %s", a.question, a.url)
	}
	if !strings.Contains(all, "[1]") {
		t.Errorf("the answer has no citation marker [1]:\n%s", all)
	}
	quotes := quoteLines(all)
	if len(quotes) == 0 {
		t.Fatalf("the answer quotes nothing:\n%s", all)
	}
	fromA := false
	for _, q := range quotes {
		text, cites := splitCites(q)
		if len(cites) == 0 {
			t.Errorf("quote without a citation marker: %q", q)
		}
		src := s.source(text)
		if src == nil {
			t.Errorf("quote is not verbatim from any article: %q", text)
			continue
		}
		fromA = fromA || src.title == a.title
	}
	if !fromA {
		t.Errorf("the answer to %q quotes nothing from %q:\n%s", a.question, a.title, all)
	}
}

// source returns the article that contains quote verbatim (white space
// aside), or nil.
func (s *suite) source(quote string) *article {
	q := bot.OneLine(quote)
	if q == "" {
		return nil
	}
	for i := range s.articles {
		if strings.Contains(s.articles[i].body, q) {
			return &s.articles[i]
		}
	}
	return nil
}

// testBare checks that "<question>" gets the same answer as "ask <question>".
func (s *suite) testBare(t *testing.T, h Harness, kind bot.Kind) {
	a := s.articles[1]
	bare := send(t, h, kind, a.question)
	asked := send(t, h, kind, "ask "+a.question)
	got, want := bare.Replies(t), asked.Replies(t)
	s.checkAnswer(t, got, a)
	if joined(got) != joined(want) {
		t.Errorf("a bare question got a different answer from ask:\n--- bare\n%s\n--- ask\n%s", joined(got), joined(want))
	}
}

func (s *suite) testDigest(t *testing.T, h Harness, kind bot.Kind) {
	msgs := send(t, h, kind, "digest").Replies(t)
	if len(msgs) == 0 {
		t.Fatal("no digest")
	}
	all := joined(msgs)
	if !strings.Contains(all, "3 new articles") {
		t.Errorf("the digest does not count the 3 new articles:\n%s", all)
	}
	for _, a := range s.articles {
		if !strings.Contains(all, a.title) {
			t.Errorf("the digest does not list %q:\n%s", a.title, all)
		}
	}
	quotes := quoteLines(all)
	if len(quotes) == 0 {
		t.Errorf("the digest quotes nothing:\n%s", all)
	}
	for _, q := range quotes {
		text, cites := splitCites(q)
		if len(cites) == 0 || s.source(text) == nil {
			t.Errorf("digest quote not verbatim and cited: %q", q)
		}
	}
	for _, m := range msgs {
		if m.Ephemeral {
			t.Errorf("a digest is for everyone, but a message is ephemeral:\n%s", m.Text)
		}
	}
}

func (s *suite) testSources(t *testing.T, h Harness) {
	msgs := h.Command(t, "sources").Replies(t)
	all := joined(msgs)
	for _, a := range s.articles {
		if !strings.Contains(all, a.title) {
			t.Errorf("sources does not list %q:\n%s", a.title, all)
		}
	}
}

func testHelp(t *testing.T, h Harness, kind bot.Kind) {
	msgs := send(t, h, kind, "help").Replies(t)
	checkUsage(t, msgs)
	if kind == bot.Command && h.Ephemeral(kind) {
		checkEphemeral(t, msgs)
	}
}

func testBadInput(t *testing.T, h Harness, kind bot.Kind, text, problem string) {
	msgs := send(t, h, kind, text).Replies(t)
	checkUsage(t, msgs)
	if all := joined(msgs); !strings.Contains(all, problem) {
		t.Errorf("the reply to %q does not say what is wrong (%q):\n%s", text, problem, all)
	}
	if h.Ephemeral(kind) {
		checkEphemeral(t, msgs)
	}
}

// checkUsage checks that msgs show how to use /brief, with an example.
func checkUsage(t *testing.T, msgs []Message) {
	t.Helper()
	if len(msgs) == 0 {
		t.Fatal("no reply")
	}
	all := joined(msgs)
	for _, want := range []string{"How to use /brief", "/brief ask", "Example: /brief ask"} {
		if !strings.Contains(all, want) {
			t.Errorf("usage lacks %q:\n%s", want, all)
		}
	}
}

func checkEphemeral(t *testing.T, msgs []Message) {
	t.Helper()
	for _, m := range msgs {
		if !m.Ephemeral {
			t.Errorf("only the asker should see this reply, but everyone sees:\n%s", m.Text)
		}
	}
}

// testSelf checks that the bot ignores its own message, while the same text
// from a user is answered.
// testPanic sends a request whose handler panics, then a good question:
// the first gets an apology, the second its answer.
func (s *suite) testPanic(t *testing.T, h Harness, kind bot.Kind) {
	bad := send(t, h, kind, panicQuestion)
	good := send(t, h, kind, "ask "+s.articles[0].question)
	msgs := bad.Replies(t)
	if len(msgs) == 0 {
		t.Fatal("a request whose handler panicked got no reply")
	}
	if all := joined(msgs); !strings.Contains(all, "Sorry, something went wrong on my side") {
		t.Errorf("the reply to a request whose handler panicked is not an apology:\n%s", all)
	}
	if h.Ephemeral(kind) {
		checkEphemeral(t, msgs)
	}
	s.checkAnswer(t, good.Replies(t), s.articles[0])
}

func (s *suite) testSelf(t *testing.T, h Harness, rec *recorder) {
	text := "ask " + s.articles[0].question
	self := h.FromSelf(t, text)
	user := h.Direct(t, text)
	if msgs := self.Replies(t); len(msgs) != 0 {
		t.Errorf("the bot answered its own message with %d messages:\n%s", len(msgs), joined(msgs))
	}
	if msgs := user.Replies(t); len(msgs) == 0 {
		t.Error("the same text from a user got no answer")
	}
	if reqs := rec.requests(); len(reqs) != 1 {
		t.Errorf("the handler got %d requests, want 1 (the user's): %+v", len(reqs), reqs)
	}
}

// checkLong checks the long reply as delivered: several messages (each
// within the platform's limits, which the harness checks), every line whole
// in one message, every citation marker exactly once and in order, the
// title first and the footer last.
func (s *suite) checkLong(t *testing.T, msgs []Message) {
	t.Helper()
	r := s.long
	if len(msgs) < 2 {
		t.Fatalf("a reply of %d characters arrived as %d message(s)", replySize(r), len(msgs))
	}
	for _, m := range msgs {
		if m.Ephemeral {
			t.Errorf("the long answer is for everyone, but a message is ephemeral")
		}
	}
	var cites []int
	for _, m := range msgs {
		for _, sm := range citeRE.FindAllStringSubmatch(m.Text, -1) {
			n, _ := strconv.Atoi(sm[1])
			cites = append(cites, n)
		}
	}
	var want []int
	for _, sec := range r.Sections {
		for _, l := range sec.Lines {
			for _, c := range l.Cites {
				want = append(want, c.N)
			}
			needle := bot.OneLine(l.Text) + " " + citeText(l.Cites)
			n := 0
			for _, m := range msgs {
				n += strings.Count(m.Text, needle)
			}
			if n != 1 {
				t.Errorf("line %q with its citation appears whole %d times, want once", needle, n)
			}
		}
	}
	if !slices.Equal(cites, want) {
		t.Errorf("citation markers across the messages:\n%v\nwant each once, in order:\n%v", cites, want)
	}
	last := -1
	all := joined(msgs)
	for _, sec := range r.Sections {
		i := strings.Index(all, sec.Heading)
		if i < last {
			t.Errorf("section %q is missing or out of order", sec.Heading)
		}
		last = i
	}
	if !strings.Contains(msgs[0].Text, r.Title) {
		t.Errorf("the first message lacks the title %q:\n%s", r.Title, msgs[0].Text)
	}
	if !strings.Contains(msgs[len(msgs)-1].Text, r.Footer) {
		t.Errorf("the last message lacks the footer %q:\n%s", r.Footer, msgs[len(msgs)-1].Text)
	}
}

var (
	citeRE      = regexp.MustCompile(`\[(\d+)\]`)
	trailCiteRE = regexp.MustCompile(`(?:\s*\[\d+\])+\s*$`)
)

func citeText(cs []bot.Cite) string {
	parts := make([]string, len(cs))
	for i, c := range cs {
		parts[i] = "[" + strconv.Itoa(c.N) + "]"
	}
	return strings.Join(parts, " ")
}

// quoteLines returns the text of the block-quote lines of text.
func quoteLines(text string) []string {
	var out []string
	for line := range strings.SplitSeq(text, "\n") {
		if q, ok := strings.CutPrefix(line, "> "); ok {
			out = append(out, q)
		}
	}
	return out
}

// splitCites splits the citation markers off the end of a line.
func splitCites(line string) (text string, cites []string) {
	loc := trailCiteRE.FindStringIndex(line)
	if loc == nil {
		return line, nil
	}
	for _, sm := range citeRE.FindAllStringSubmatch(line[loc[0]:], -1) {
		cites = append(cites, sm[1])
	}
	return strings.TrimSpace(line[:loc[0]]), cites
}

// joined is the text of msgs, one after another.
func joined(msgs []Message) string {
	parts := make([]string, len(msgs))
	for i, m := range msgs {
		parts[i] = m.Text
	}
	return strings.Join(parts, "\n")
}

func replySize(r bot.Reply) int {
	n := len(r.Title) + len(r.Footer)
	for _, s := range r.Sections {
		n += len(s.Heading) + len(s.Meta)
		for _, l := range s.Lines {
			n += len(l.Text) + 6*len(l.Cites)
		}
	}
	return n
}
