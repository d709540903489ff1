package feeds

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/mmcdole/gofeed"
	"github.com/mmcdole/gofeed/rss"
	"golang.org/x/net/html"
	"golang.org/x/net/html/charset"

	"briefbot/briefing/corpus"
)

// parsed is a feed after parsing: its own metadata, polling hints and items.
type parsed struct {
	Title     string
	SiteURL   string
	TTL       time.Duration
	SkipHours map[int]bool          // UTC hours not to poll in (RSS skipHours)
	SkipDays  map[time.Weekday]bool // days not to poll on (RSS skipDays)
	Items     []item
}

// item is one feed item, reduced to what briefbot keeps.
type item struct {
	Key       string // hex hash of the GUID, else the canonical link, else the content
	Hash      string // hex hash of what the item says (title and content)
	Title     string
	Link      string // canonical
	Author    string
	Published time.Time // zero when unknown
	HTML      string    // content, else description (HTML or text)
}

// hintTranslator keeps the RSS polling hints gofeed's universal feed drops.
type hintTranslator struct {
	gofeed.DefaultRSSTranslator
	ttl       string
	skipHours []string
	skipDays  []string
}

func (t *hintTranslator) Translate(feed any) (*gofeed.Feed, error) {
	if f, ok := feed.(*rss.Feed); ok {
		t.ttl, t.skipHours, t.skipDays = f.TTL, f.SkipHours, f.SkipDays
	}
	return t.DefaultRSSTranslator.Translate(feed)
}

// parseFeed parses an RSS (0.9x, 1.0, 2.0), Atom or JSON Feed document
// fetched from base. Character sets other than UTF-8 are decoded as the
// document declares them.
func parseFeed(body []byte, base string) (parsed, error) {
	tr := &hintTranslator{}
	p := gofeed.NewParser()
	p.RSSTranslator = tr
	f, err := p.Parse(bytes.NewReader(body))
	if err != nil {
		if errors.Is(err, gofeed.ErrFeedTypeNotDetected) {
			return parsed{}, errors.New("not a feed: the response is neither RSS, Atom nor JSON Feed")
		}
		return parsed{}, fmt.Errorf("malformed feed: %w", err)
	}
	out := parsed{Title: oneLine(f.Title), SiteURL: resolve(base, f.Link)}
	if n, err := strconv.Atoi(strings.TrimSpace(tr.ttl)); err == nil && n > 0 {
		out.TTL = time.Duration(n) * time.Minute
	}
	for _, h := range tr.skipHours {
		if n, err := strconv.Atoi(strings.TrimSpace(h)); err == nil && n >= 0 && n <= 24 {
			if out.SkipHours == nil {
				out.SkipHours = map[int]bool{}
			}
			out.SkipHours[n%24] = true
		}
	}
	for _, d := range tr.skipDays {
		for wd := time.Sunday; wd <= time.Saturday; wd++ {
			if strings.EqualFold(strings.TrimSpace(d), wd.String()) {
				if out.SkipDays == nil {
					out.SkipDays = map[time.Weekday]bool{}
				}
				out.SkipDays[wd] = true
			}
		}
	}
	siteBase := base
	if out.SiteURL != "" {
		siteBase = out.SiteURL
	}
	seen := map[string]bool{}
	for _, it := range f.Items {
		if it == nil {
			continue
		}
		x := item{
			Title: oneLine(it.Title),
			Link:  canonical(resolve(siteBase, it.Link)),
			HTML:  strings.TrimSpace(it.Content),
		}
		if x.HTML == "" {
			x.HTML = strings.TrimSpace(it.Description)
		}
		switch {
		case it.PublishedParsed != nil:
			x.Published = it.PublishedParsed.UTC()
		case it.UpdatedParsed != nil:
			x.Published = it.UpdatedParsed.UTC()
		}
		var names []string
		for _, a := range it.Authors {
			if a != nil && strings.TrimSpace(a.Name) != "" {
				names = append(names, oneLine(a.Name))
			}
		}
		x.Author = strings.Join(names, ", ")
		if x.Title == "" && x.HTML == "" {
			continue
		}
		x.Hash = hashOf(x.Title, x.HTML)
		switch guid := strings.TrimSpace(it.GUID); {
		case guid != "":
			x.Key = hashOf("guid", guid)
		case x.Link != "":
			x.Key = hashOf("link", x.Link)
		default:
			x.Key = hashOf("content", x.Hash)
		}
		if seen[x.Key] {
			continue // the same item twice in one document: the first wins
		}
		seen[x.Key] = true
		out.Items = append(out.Items, x)
	}
	return out, nil
}

func hashOf(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))[:32]
}

// resolve returns ref made absolute against base; "" when ref is empty or
// not an http(s) URL.
func resolve(base, ref string) string {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return ""
	}
	b, err := url.Parse(base)
	if err != nil {
		return ""
	}
	u, err := b.Parse(ref)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	return u.String()
}

// canonical normalises a link so that the same page gets the same key:
// lower-case scheme and host, no fragment, no default port, no utm_*
// tracking parameters.
func canonical(s string) string {
	if s == "" {
		return ""
	}
	u, err := url.Parse(s)
	if err != nil {
		return s
	}
	u.Scheme, u.Host = strings.ToLower(u.Scheme), strings.ToLower(u.Host)
	u.Host = strings.TrimSuffix(strings.TrimSuffix(u.Host, ":80"), ":443")
	u.Fragment, u.RawFragment = "", ""
	if u.RawQuery != "" {
		q := u.Query()
		for k := range q {
			if strings.HasPrefix(strings.ToLower(k), "utm_") {
				q.Del(k)
			}
		}
		u.RawQuery = q.Encode()
	}
	return u.String()
}

func oneLine(s string) string { return strings.Join(strings.Fields(html.UnescapeString(s)), " ") }

// itemText returns an item's content as clean text: through the corpus's
// HTML path (the folder corpus's furniture rules) when that leaves text,
// else the text of the markup as it is.
func itemText(x item) string {
	if x.HTML == "" {
		return ""
	}
	page := "<!DOCTYPE html><html><head><title></title></head><body><article>" + x.HTML + "</article></body></html>"
	if d, err := corpus.Parse("item.html", []byte(page)); err == nil && words(d.Text) >= words(plainText(x.HTML))/2 {
		return d.Text
	}
	return plainText(x.HTML)
}

// plainText is the text of an HTML fragment, blocks separated by blank lines.
func plainText(s string) string {
	z := html.NewTokenizer(strings.NewReader(s))
	var b strings.Builder
	var para []string
	flush := func() {
		if t := strings.Join(strings.Fields(strings.Join(para, "")), " "); t != "" {
			if b.Len() > 0 {
				b.WriteString("\n\n")
			}
			b.WriteString(t)
		}
		para = para[:0]
	}
	skip := 0
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			flush()
			return b.String()
		case html.TextToken:
			if skip == 0 {
				para = append(para, string(z.Text()))
			}
		case html.StartTagToken, html.EndTagToken, html.SelfClosingTagToken:
			name, _ := z.TagName()
			tag := string(name)
			switch tag {
			case "script", "style":
				if tt == html.StartTagToken {
					skip++
				} else if tt == html.EndTagToken && skip > 0 {
					skip--
				}
			case "p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "tr", "section", "article":
				flush()
			default:
				para = append(para, " ")
			}
		}
	}
}

func words(s string) int { return len(strings.Fields(s)) }

// isTeaser reports whether text looks like a summary of an article rather
// than the article: short, or ending in a truncation mark or a "read
// more" link.
func isTeaser(text string) bool {
	if words(text) < 150 {
		return true
	}
	t := strings.ToLower(strings.TrimSpace(text))
	t = strings.TrimRight(t, " \u00a0»›>→")
	for _, end := range []string{"…", "...", "[…]", "[...]", "read more", "continue reading", "read the full story", "read full article", "(more)"} {
		if strings.HasSuffix(t, end) {
			return true
		}
	}
	return false
}

// decodeCharset returns body as UTF-8 when the Content-Type names another
// character set and the document does not declare its own (an XML
// declaration's encoding wins, as the XML parser honours it).
func decodeCharset(body []byte, contentType string) []byte {
	_, params, err := mime.ParseMediaType(contentType)
	cs := strings.ToLower(strings.TrimSpace(params["charset"]))
	if err != nil || cs == "" || cs == "utf-8" || cs == "utf8" || cs == "us-ascii" {
		return body
	}
	head := body[:min(len(body), 256)]
	if bytes.HasPrefix(bytes.TrimSpace(head), []byte("<?xml")) && bytes.Contains(head, []byte("encoding=")) {
		return body
	}
	r, err := charset.NewReaderLabel(cs, bytes.NewReader(body))
	if err != nil {
		return body
	}
	out, err := io.ReadAll(r)
	if err != nil {
		return body
	}
	return out
}
