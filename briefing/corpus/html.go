package corpus

import (
	"bytes"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	readability "codeberg.org/readeck/go-readability/v2"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
	"golang.org/x/net/html/charset"
)

// htmlPage reads an HTML article: readability finds the main content and
// most metadata (title, byline, site name, published time from meta tags
// and JSON-LD); the canonical link comes from <link rel="canonical"> or
// og:url. The content is rendered to blocks (headings and list items of
// their own, link density recorded) for the common cleaning.
func htmlPage(data []byte) (page, error) {
	var pg page
	if len(bytes.TrimSpace(data)) == 0 {
		return pg, errEmpty
	}
	if bytes.IndexByte(data, 0) >= 0 {
		return pg, errBinary
	}
	var r io.Reader = bytes.NewReader(data)
	if !utf8.Valid(data) {
		enc, name, _ := charset.DetermineEncoding(data, "text/html")
		if name == "utf-8" {
			// Mostly UTF-8 with stray bytes: read those as Windows-1252,
			// as for text files, so no invalid UTF-8 gets through.
			r = strings.NewReader(decodeWindows1252(data))
		} else {
			r = enc.NewDecoder().Reader(r)
		}
	}
	doc, err := html.Parse(r)
	if err != nil {
		return pg, fmt.Errorf("html: %w", err)
	}
	m := readMeta(doc)
	pg.url = m.url
	var base *url.URL
	if u, err := url.Parse(m.url); err == nil && u.IsAbs() {
		base = u
	}
	body := findElement(doc, atom.Body)
	p := readability.NewParser()
	art, err := p.ParseDocument(doc, base) // a copy: doc stays whole for the fallback
	if err == nil && art.Node != nil {
		pg.blocks = renderBlocks(art.Node)
	}
	if countKeptWords(pg.blocks) < 20 && body != nil {
		// Readability found nothing worth having: fall back to the whole
		// body; the renderer skips scripts, styles and navigation.
		pg.blocks = renderBlocks(body)
	}
	if err == nil {
		pg.title = strings.TrimSpace(art.Title())
		var bylineDate time.Time
		if a, _, d, ok := parseByline("By " + strings.TrimPrefix(strings.TrimSpace(art.Byline()), "By ")); ok {
			pg.author, bylineDate = a, d
		}
		pg.source = strings.TrimSpace(art.SiteName())
		if t, err := art.PublishedTime(); err == nil {
			pg.published = t
		} else if !bylineDate.IsZero() {
			pg.published = bylineDate // "By Tom Baker · January 30, 2025"
		}
	}
	if pg.title == "" {
		pg.title = m.title
	}
	pg.lateDate = pageTime(body)
	var site string
	pg.title, site = reconcileTitle(pg.title, pg.source, m, pageHeadline(body))
	if pg.source == "" {
		pg.source = site
	}
	if pg.source == "" {
		pg.source = titleSuffix(m.docTitle, pg.title)
	}
	if pg.author == "" && m.author != "" {
		if a, _, _, ok := parseByline("By " + m.author); ok {
			pg.author = a
		}
	}
	if pg.published.IsZero() && m.date != "" {
		if t, ok := parseDateValue(m.date); ok {
			pg.published = t
		}
	}
	return pg, nil
}

// titleSuffix returns the site name a page's <title> adds to its headline
// ("Headline - The Example Daily"), or "".
func titleSuffix(docTitle, title string) string {
	docTitle = normalize(docTitle)
	title = normalize(title)
	if title == "" || !strings.HasPrefix(docTitle, title) {
		return ""
	}
	rest := strings.TrimSpace(docTitle[len(title):])
	for _, sep := range [...]string{"|", "-", "–", "—", "::", "·", "•", "»"} {
		if strings.HasPrefix(rest, sep) {
			site := strings.TrimSpace(rest[len(sep):])
			if n := countWords(site); n >= 1 && n <= 6 {
				return site
			}
		}
	}
	return ""
}

func countKeptWords(bs []block) int {
	n := 0
	for i := range bs {
		n += countWords(bs[i].text)
	}
	return n
}

// htmlMeta is what readMeta finds in the head of a page.
type htmlMeta struct {
	url, title, author, date string
	docTitle                 string // the <title> element
	declared                 string // a title stated as metadata: og:title, twitter:title, JSON-LD headline
}

// readMeta collects the canonical URL and fallbacks for the title, author
// and date from <link> and <meta> elements.
func readMeta(doc *html.Node) htmlMeta {
	var m htmlMeta
	var ogURL string
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			switch n.DataAtom {
			case atom.Link:
				if strings.EqualFold(attr(n, "rel"), "canonical") && m.url == "" {
					m.url = strings.TrimSpace(attr(n, "href"))
				}
			case atom.Meta:
				key := strings.ToLower(attr(n, "property"))
				if key == "" {
					key = strings.ToLower(attr(n, "name"))
				}
				if key == "" {
					key = strings.ToLower(attr(n, "itemprop"))
				}
				v := strings.TrimSpace(attr(n, "content"))
				switch key {
				case "og:url":
					ogURL = v
				case "og:title", "twitter:title":
					if m.title == "" {
						m.title = v
						m.declared = v
					}
				case "author", "article:author", "byl", "sailthru.author", "dc.creator":
					if m.author == "" && !strings.Contains(v, "://") {
						m.author = v
					}
				case "article:published_time", "datepublished", "date", "pubdate", "publishdate", "publish-date",
					"publication_date", "sailthru.date", "dc.date", "dc.date.issued", "citation_publication_date", "og:published_time":
					if m.date == "" {
						m.date = v
					}
				}
			case atom.Time:
				if m.date == "" && strings.EqualFold(attr(n, "itemprop"), "datePublished") {
					m.date = attr(n, "datetime")
				}
			case atom.Title:
				if m.docTitle == "" && n.FirstChild != nil {
					m.docTitle = strings.TrimSpace(n.FirstChild.Data)
				}
			case atom.Script:
				if m.declared == "" && strings.Contains(strings.ToLower(attr(n, "type")), "ld+json") && n.FirstChild != nil {
					m.declared = ldHeadline(n.FirstChild.Data)
				}
				return
			case atom.Style:
				return
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	if m.url == "" {
		m.url = ogURL
	}
	if m.title == "" {
		m.title = m.docTitle
	}
	return m
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func findElement(n *html.Node, a atom.Atom) *html.Node {
	if n.Type == html.ElementNode && n.DataAtom == a {
		return n
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if f := findElement(c, a); f != nil {
			return f
		}
	}
	return nil
}

// renderer turns an HTML subtree into blocks.
type renderer struct {
	blocks []block
	buf    strings.Builder
	kind   blockKind
	links  int // bytes of text inside links in buf
	inLink int
}

// renderBlocks renders n: block elements end blocks, headings and list
// items are blocks of their own, invisible and interactive elements, figure
// captions and navigation are skipped.
func renderBlocks(n *html.Node) []block {
	var r renderer
	r.walk(n)
	r.flush()
	return r.blocks
}

func (r *renderer) flush() {
	raw := r.buf.String()
	total := len(raw)
	t := normalize(raw)
	if t != "" {
		if r.kind == kItem {
			t = "- " + t
		}
		b := block{text: t, kind: r.kind}
		if total > 0 {
			b.link = float64(r.links) / float64(len(strings.TrimSpace(raw)))
		}
		r.blocks = append(r.blocks, b)
	}
	r.buf.Reset()
	r.links = 0
	r.kind = kPara
}

func (r *renderer) walk(n *html.Node) {
	switch n.Type {
	case html.TextNode:
		r.buf.WriteString(n.Data)
		if r.inLink > 0 {
			r.links += len(strings.TrimSpace(n.Data))
		}
		return
	case html.ElementNode:
	case html.DocumentNode:
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			r.walk(c)
		}
		return
	default:
		return
	}
	if attr(n, "hidden") != "" || strings.EqualFold(attr(n, "aria-hidden"), "true") {
		return
	}
	a := n.DataAtom
	if a == 0 {
		// Readability renames elements (a <div> of text becomes a <p>)
		// by their name alone.
		a = atom.Lookup([]byte(strings.ToLower(n.Data)))
	}
	switch a {
	case atom.Script, atom.Style, atom.Noscript, atom.Template, atom.Svg, atom.Canvas, atom.Iframe, atom.Object,
		atom.Embed, atom.Form, atom.Button, atom.Select, atom.Option, atom.Textarea, atom.Input, atom.Label,
		atom.Nav, atom.Aside, atom.Figcaption, atom.Img, atom.Picture, atom.Video, atom.Audio, atom.Head, atom.Math:
		return
	case atom.Br, atom.Hr:
		r.flush()
		return
	case atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6:
		r.flush()
		r.kind = kHeading
		r.children(n)
		r.flush()
		return
	case atom.Li, atom.Dt, atom.Dd:
		r.flush()
		r.kind = kItem
		r.children(n)
		r.flush()
		return
	case atom.A:
		r.inLink++
		r.children(n)
		r.inLink--
		return
	case atom.Td, atom.Th:
		r.buf.WriteByte(' ')
		r.children(n)
		r.buf.WriteByte(' ')
		return
	case atom.P, atom.Div, atom.Section, atom.Article, atom.Main, atom.Header, atom.Footer, atom.Blockquote,
		atom.Pre, atom.Ul, atom.Ol, atom.Dl, atom.Table, atom.Tr, atom.Figure, atom.Address, atom.Details,
		atom.Summary, atom.Fieldset, atom.Caption, atom.Body, atom.Html:
		r.flush()
		r.children(n)
		r.flush()
		return
	}
	r.children(n)
}

func (r *renderer) children(n *html.Node) {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		r.walk(c)
	}
}
