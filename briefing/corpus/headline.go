package corpus

import (
	"encoding/json"
	"strings"
	"time"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// ldHeadline returns the headline a JSON-LD block declares (at its top, in
// a list, or in an @graph), or "".
func ldHeadline(data string) string {
	var v any
	if json.Unmarshal([]byte(data), &v) != nil {
		return ""
	}
	var find func(v any, depth int) string
	find = func(v any, depth int) string {
		if depth > 4 {
			return ""
		}
		switch x := v.(type) {
		case map[string]any:
			if h, ok := x["headline"].(string); ok && strings.TrimSpace(h) != "" {
				return strings.TrimSpace(h)
			}
			if g, ok := x["@graph"]; ok {
				return find(g, depth+1)
			}
		case []any:
			for _, e := range x {
				if h := find(e, depth+1); h != "" {
					return h
				}
			}
		}
		return ""
	}
	return find(v, 0)
}

// pageHeadline returns the text of the page's main heading: its first
// <h1> outside the header, navigation, sidebars and footer, or else the
// first <h2> inside an <article> or <main>; "" when there is none.
func pageHeadline(body *html.Node) string {
	if body == nil {
		return ""
	}
	var h1, h2 string
	var walk func(n *html.Node, inMain, chrome bool)
	walk = func(n *html.Node, inMain, chrome bool) {
		if n.Type == html.ElementNode {
			switch n.DataAtom {
			case atom.Header, atom.Nav, atom.Aside, atom.Footer, atom.Script, atom.Style, atom.Template:
				if n.DataAtom != atom.Header || !inMain {
					chrome = true // an article's own <header> holds its headline
				}
			case atom.Article, atom.Main:
				inMain = true
			case atom.H1:
				if !chrome && h1 == "" && !isLogo(n) {
					h1 = normalize(nodeText(n))
				}
				return
			case atom.H2:
				if !chrome && inMain && h2 == "" {
					h2 = normalize(nodeText(n))
				}
				return
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, inMain, chrome)
		}
	}
	walk(body, false, false)
	if h1 != "" {
		return h1
	}
	return h2
}

// isLogo reports whether a heading is the site's name rather than a
// headline: it links to the site's front page, or its class or id names a
// logo, brand or masthead.
func isLogo(n *html.Node) bool {
	for _, k := range [...]string{"class", "id"} {
		v := strings.ToLower(attr(n, k))
		for _, w := range [...]string{"logo", "brand", "masthead", "site-title", "site-name", "sitename", "site_title"} {
			if strings.Contains(v, w) {
				return true
			}
		}
	}
	var link func(n *html.Node) bool
	link = func(n *html.Node) bool {
		if n.Type == html.ElementNode && n.DataAtom == atom.A {
			if h := strings.TrimSpace(attr(n, "href")); h == "/" || h == "./" || strings.HasSuffix(h, "://"+hostOf(h)+"/") {
				return true
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if link(c) {
				return true
			}
		}
		return false
	}
	return link(n)
}

// hostOf returns the host of an absolute URL, or "".
func hostOf(u string) string {
	_, rest, ok := strings.Cut(u, "://")
	if !ok {
		return ""
	}
	host, _, _ := strings.Cut(rest, "/")
	return host
}

// nodeText is the text inside n.
func nodeText(n *html.Node) string {
	var b strings.Builder
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
			return
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
			if c.Type == html.ElementNode && c.DataAtom == atom.Br {
				b.WriteByte(' ')
			}
		}
	}
	walk(n)
	return b.String()
}

// reconcileTitle chooses between the title readability or the head of the
// page gave and the page's main heading h. The heading wins when it is the
// title without a site name ("Headline | Site": the site is returned), and
// when the title comes only from the <title> element and does not contain
// the heading (a <title> of site and section names). A title the page
// declares as metadata (og:title, JSON-LD) otherwise stands, unless it is
// only the site's name.
func reconcileTitle(title, site string, m htmlMeta, h string) (string, string) {
	title, h = normalize(title), normalize(h)
	if h == "" || badTitle(h) || len(h) > 300 {
		return title, ""
	}
	if title == "" || badTitle(title) || foldKey(title) == foldKey(site) {
		return h, "" // no title, or only the site's name
	}
	ft, fh := foldKey(title), foldKey(h)
	if ft == fh {
		return h, ""
	}
	if site := siteAround(title, h); site != "" && countWords(site) <= countWords(h) {
		return h, site
	}
	if m.declared != "" && foldKey(m.declared) == ft {
		return title, ""
	}
	if !strings.Contains(ft, fh) && countWords(h) >= 3 {
		return h, "" // a <title> of site and section names
	}
	return title, ""
}

// siteAround returns the site name a title adds to the headline h before
// or after a separator ("Headline | Site", "Site - Headline"), or "" when
// the title is not the headline and a short site name joined by a
// separator.
func siteAround(title, h string) string {
	lt, lh := strings.ToLower(title), strings.ToLower(h)
	var rest string
	switch {
	case strings.HasPrefix(lt, lh):
		rest = strings.TrimSpace(title[len(h):])
		if !strings.HasPrefix(rest, "|") && !strings.HasPrefix(rest, "-") && !strings.HasPrefix(rest, "–") &&
			!strings.HasPrefix(rest, "—") && !strings.HasPrefix(rest, ":") && !strings.HasPrefix(rest, "·") &&
			!strings.HasPrefix(rest, "•") && !strings.HasPrefix(rest, "»") {
			return ""
		}
	case strings.HasSuffix(lt, lh):
		rest = strings.TrimSpace(title[:len(title)-len(h)])
		if !strings.HasSuffix(rest, "|") && !strings.HasSuffix(rest, "-") && !strings.HasSuffix(rest, "–") &&
			!strings.HasSuffix(rest, "—") && !strings.HasSuffix(rest, ":") && !strings.HasSuffix(rest, "·") &&
			!strings.HasSuffix(rest, "•") && !strings.HasSuffix(rest, "»") {
			return ""
		}
	default:
		return ""
	}
	rest = strings.Trim(rest, " |-–—:·•»")
	if n := countWords(rest); n >= 1 && n <= 5 && isTitleCase(rest) {
		return rest
	}
	return ""
}

// pageTime returns the date of the first <time datetime="..."> of the page
// outside the header, navigation, sidebars and footer (an article's own
// header counts), or the zero time.
func pageTime(body *html.Node) time.Time {
	var found time.Time
	var walk func(n *html.Node, inMain, chrome bool)
	walk = func(n *html.Node, inMain, chrome bool) {
		if !found.IsZero() {
			return
		}
		if n.Type == html.ElementNode {
			switch n.DataAtom {
			case atom.Header, atom.Nav, atom.Aside, atom.Footer:
				if n.DataAtom != atom.Header || !inMain {
					chrome = true
				}
			case atom.Article, atom.Main:
				inMain = true
			case atom.Time:
				if !chrome {
					if t, ok := parseDateValue(attr(n, "datetime")); ok {
						found = t
						return
					}
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, inMain, chrome)
		}
	}
	if body != nil {
		walk(body, false, false)
	}
	return found
}
