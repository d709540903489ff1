// Package corpus turns a folder of news articles (.txt, .md, .html) into clean
// Documents and sentence-aware Passages.
//
// List finds the article files of a folder, Parse turns one file into a
// Document, Split cuts a Document into Passages, and Sentences finds the
// sentences of a text. Sample is the embedded default corpus.
//
// Loading is tolerant: a file that cannot be read or parsed is reported in the
// returned error list and the rest still load. Cleaning removes page furniture
// (CSS fragments, share/comment/newsletter widgets, navigation, hashtag lines,
// author bios, promo blocks, image credits, cookie banners, other articles'
// headlines) by general rules on line shape, link and symbol density,
// position on the page and widget vocabulary, and finds the title, byline,
// date and source the text carries.
package corpus

import "time"

// ParserVersion names the rules Parse and Split apply. It changes whenever
// their output for the same file changes (titles, metadata, furniture), so
// that a store of documents parsed by older rules is parsed again.
const ParserVersion = "2026-12-01.5"

// Document is one article after cleaning.
type Document struct {
	ID        string    // path under the corpus root, slash-separated, without extension
	Path      string    // path under the corpus root with extension
	Title     string    // "" when unknown
	Source    string    // publication or site name; "" when unknown
	Author    string    // byline; "" when unknown
	URL       string    // canonical link; "" when unknown
	Published time.Time // zero when unknown
	Text      string    // cleaned main text; paragraphs separated by "\n\n"
	Hash      string    // hex sha256 of the raw file bytes
}

// Passage is a run of whole sentences (roughly 40-120 words) of one Document.
// Text is exactly Document.Text[Start:End], so a quote of it is verbatim.
type Passage struct {
	Doc   string // Document.ID
	Seq   int    // 0-based position within the document
	Start int    // byte offset into Document.Text
	End   int    // byte offset into Document.Text (exclusive)
	Text  string
}
