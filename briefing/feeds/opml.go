package feeds

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"strings"

	"golang.org/x/net/html/charset"
)

// opml is the subset of OPML 1.0/2.0 that feed readers exchange.
type opml struct {
	XMLName xml.Name  `xml:"opml"`
	Version string    `xml:"version,attr"`
	Title   string    `xml:"head>title"`
	Body    []outline `xml:"body>outline"`
}

type outline struct {
	Text     string    `xml:"text,attr"`
	Title    string    `xml:"title,attr,omitempty"`
	Type     string    `xml:"type,attr,omitempty"`
	XMLURL   string    `xml:"xmlUrl,attr,omitempty"`
	HTMLURL  string    `xml:"htmlUrl,attr,omitempty"`
	Outlines []outline `xml:"outline"`
}

// ReadOPML returns the feed URLs of an OPML document (outlines with an
// xmlUrl, at any depth, in document order, each once).
func ReadOPML(r io.Reader) ([]string, error) {
	var doc opml
	dec := xml.NewDecoder(r)
	dec.CharsetReader = charset.NewReaderLabel
	dec.Strict = false
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("not an OPML file (an <opml> document with <outline xmlUrl=\"...\"> entries, as feed readers export): %w", err)
	}
	var out []string
	seen := map[string]bool{}
	var walk func([]outline)
	walk = func(os []outline) {
		for _, o := range os {
			if u := strings.TrimSpace(o.XMLURL); u != "" && !seen[u] {
				seen[u] = true
				out = append(out, u)
			}
			walk(o.Outlines)
		}
	}
	walk(doc.Body)
	return out, nil
}

// WriteOPML writes feeds as an OPML 2.0 document every feed reader imports.
func WriteOPML(w io.Writer, list []Feed) error {
	doc := opml{Version: "2.0", Title: "briefbot feeds"}
	for _, f := range list {
		doc.Body = append(doc.Body, outline{Text: f.Name(), Title: f.Title, Type: "rss", XMLURL: f.URL, HTMLURL: f.SiteURL})
	}
	var b bytes.Buffer
	b.WriteString(xml.Header)
	enc := xml.NewEncoder(&b)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	b.WriteString("\n")
	_, err := w.Write(b.Bytes())
	return err
}
