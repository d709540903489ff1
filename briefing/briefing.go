// Package briefing is briefbot's domain: articles, retrieval, cited answers
// and digests (scheduled ones are briefing/schedule's). It imports no chat
// SDK and no config; callers hand it what it needs.
package briefing

import (
	"context"
	"time"
)

// Article describes one article of the corpus.
type Article struct {
	ID        string    // path under the corpus root without extension
	Title     string    // "" when the page has none
	Source    string    // publication name; "" when unknown
	Author    string    // byline; "" when unknown
	URL       string    // "" when unknown
	Published time.Time // zero when unknown
	FirstSeen time.Time // when briefbot first indexed it
}

// Passage is a retrieved run of verbatim article text.
type Passage struct {
	Article Article
	Seq     int     // position within the article
	Text    string  // verbatim
	Score   float64 // relevance, higher is better
}

// Quote is verbatim text from one passage, cited as [Cite].
type Quote struct {
	Text string
	Cite int
}

// Group is what one article said: its best quotes, in article order.
type Group struct {
	Article Article
	Quotes  []Quote
}

// Citation is a numbered reference [N] to a passage of an article.
type Citation struct {
	N       int
	Article Article
	Passage int // index into Answer.Passages (or Digest source passages)
}

// Answer answers a question from the corpus. An Answer with no Passages means
// the corpus has nothing relevant; Corpus then says what it does cover.
type Answer struct {
	Question     string
	Topic        string // the question's subject, e.g. "export controls"
	Subject      string // the subject as a noun phrase fit for a heading; "" when only the question says it
	Passages     []Passage
	Groups       []Group
	Citations    []Citation
	Summary      string // verified summary with [n] markers; "" when extractive
	SummarizedBy string // "extractive" or "llm:MODEL"
	Corpus       Overview
}

// Overview describes the corpus as a whole, for "nothing on that" replies.
type Overview struct {
	Articles int
	Earliest time.Time // earliest Published date known; zero when none
	Latest   time.Time
	Topics   []string // a few frequent key phrases
}

// DigestRequest asks for what is new in [Since, Until), optionally on a Topic.
type DigestRequest struct {
	Since time.Time
	Until time.Time // zero means now
	Topic string
}

// Digest is what is new in a window: themes first, then one item per story.
type Digest struct {
	Since, Until time.Time
	Topic        string
	Articles     int // new articles in the window (after the topic filter)
	Sources      int // distinct sources among them
	More         int // new articles left out of Items: a digest lists the newest MaxDigestArticles
	Themes       []Theme
	Items        []DigestItem
	Citations    []Citation
	Overview     string // verified LLM overview; "" when extractive
	SummarizedBy string
}

// Theme is a key phrase several articles of a digest share, and one short
// verbatim sentence on it from one of them.
type Theme struct {
	Phrase   string
	Articles []Article
	Quote    Quote // Cite is the item's number in Digest.Items; empty when no sentence fits
}

// DigestItem is one story: an article and any near-duplicates folded into it.
type DigestItem struct {
	Article Article   // the primary article
	Also    []Article // near-duplicates reporting the same story
	Summary []Quote   // one or two verbatim sentences
}

// Summarizer writes a short summary of numbered passages, citing them as
// [n]. The passages are untrusted data. Implementations must honour ctx.
type Summarizer interface {
	Summarize(ctx context.Context, req SummaryRequest) (Summary, error)
}

// SummaryRequest is what a Summarizer may see: the question (or digest
// subject) and the numbered passages, Passages[i] being [i+1].
type SummaryRequest struct {
	Kind     string // "answer" or "digest"
	Question string
	Passages []SummaryPassage
}

// SummaryPassage is one numbered passage given to a Summarizer.
type SummaryPassage struct {
	N      int
	Title  string
	Source string
	Date   string
	Text   string
}

// Summary is a Summarizer's reply before verification.
type Summary struct {
	Text  string
	Model string
}
