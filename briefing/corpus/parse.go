package corpus

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math/bits"
	"net/url"
	"path"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

var (
	errEmpty  = errors.New("empty file")
	errBinary = errors.New("binary data, not text")
	errNoText = errors.New("no article text left after cleaning")
)

// Parse turns one file's bytes into a cleaned Document. The format follows
// the extension of path (.txt, .md, .markdown, .html, .htm, any case);
// path is the slash-separated path under the corpus root. ID is path
// without its extension and Hash the hex SHA-256 of data.
//
// Metadata comes from markup first (Markdown front matter; HTML meta tags
// and readability) and then from the text: the first short headline-like
// line near the top is the title, a "By ..." line the byline, a line that is
// only a date the publication date, and credit lines ("Source: ...",
// "Originally published on ...", "© 2025 ...") the source. Lines used as
// metadata and page furniture are removed from Text.
//
// Parse fails, naming path, on an unsupported extension, binary or empty
// input, and input with no article text left after cleaning.
func Parse(p string, data []byte) (Document, error) {
	ext := path.Ext(p)
	var (
		pg  page
		err error
	)
	switch strings.ToLower(ext) {
	case ".txt":
		var s string
		if s, err = decodeText(data); err == nil {
			pg.blocks = textBlocks(s)
		}
	case ".md", ".markdown":
		var s string
		if s, err = decodeText(data); err == nil {
			pg = markdownPage(s)
		}
	case ".html", ".htm":
		pg, err = htmlPage(data)
	default:
		err = fmt.Errorf("unsupported file type %q", ext)
	}
	if err != nil {
		return Document{}, fmt.Errorf("corpus: parse %s: %w", p, err)
	}
	clean(&pg)
	if pg.published.IsZero() {
		pg.published = pg.lateDate
	}
	text := joinKept(pg.blocks)
	if text == "" {
		return Document{}, fmt.Errorf("corpus: parse %s: %w", p, errNoText)
	}
	sum := sha256.Sum256(data)
	d := Document{
		ID:        strings.TrimSuffix(p, ext),
		Path:      p,
		Title:     normalize(pg.title),
		Source:    normalize(pg.source),
		Author:    normalize(pg.author),
		URL:       strings.TrimSpace(pg.url),
		Published: pg.published,
		Text:      text,
		Hash:      hex.EncodeToString(sum[:]),
	}
	if d.Title == "" {
		d.Title = sentenceTitle(text) // never a placeholder
	}
	if badTitle(d.Source) {
		d.Source = "" // a menu, a date or a widget, not an outlet
	}
	if d.Source == "" && d.URL != "" {
		if u, err := url.Parse(d.URL); err == nil && u.Host != "" {
			d.Source = strings.TrimPrefix(u.Hostname(), "www.")
		}
	}
	return d, nil
}

// joinKept joins the text of the kept blocks with blank lines.
func joinKept(bs []block) string {
	n := 0
	for i := range bs {
		if bs[i].why == keep {
			n += len(bs[i].text) + 2
		}
	}
	if n == 0 {
		return ""
	}
	var b strings.Builder
	b.Grow(n)
	for i := range bs {
		if bs[i].why != keep {
			continue
		}
		if b.Len() > 0 {
			b.WriteString("\n\n")
		}
		b.WriteString(bs[i].text)
	}
	return b.String()
}

// decodeText returns data as UTF-8 text: a byte-order mark is dropped,
// UTF-16 with a BOM is decoded, and bytes that are not UTF-8 are read as
// Windows-1252. Binary data is an error.
func decodeText(data []byte) (string, error) {
	switch {
	case bytes.HasPrefix(data, []byte{0xef, 0xbb, 0xbf}):
		data = data[3:]
	case len(data) >= 2 && (data[0] == 0xff && data[1] == 0xfe || data[0] == 0xfe && data[1] == 0xff):
		return decodeUTF16(data), nil
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return "", errEmpty
	}
	if isBinary(data) {
		return "", errBinary
	}
	if utf8.Valid(data) {
		return string(data), nil
	}
	return decodeWindows1252(data), nil
}

// isBinary reports whether data holds NUL bytes or more than 1% other
// control characters.
func isBinary(data []byte) bool {
	if bytes.IndexByte(data, 0) >= 0 {
		return true
	}
	ctl := 0
	i := 0
	for ; i+8 <= len(data); i += 8 { // eight bytes a step
		x := binary.LittleEndian.Uint64(data[i:])
		lt := ^(x&lo7 + 0x6060606060606060) & ^x & hi1 // the bytes < 0x20
		if lt == 0 {
			continue
		}
		ok := eqBytes(x, '\n') | eqBytes(x, '\r') | eqBytes(x, '\t') | eqBytes(x, '\f') | eqBytes(x, '\v') | eqBytes(x, 0x1b)
		ctl += bits.OnesCount64(lt &^ ok)
	}
	for _, c := range data[i:] {
		if c < 0x20 && c != '\n' && c != '\r' && c != '\t' && c != '\f' && c != '\v' && c != 0x1b {
			ctl++
		}
	}
	return ctl*100 > len(data)
}

func decodeUTF16(data []byte) string {
	big := data[0] == 0xfe
	data = data[2:]
	u := make([]uint16, 0, len(data)/2)
	for i := 0; i+1 < len(data); i += 2 {
		if big {
			u = append(u, uint16(data[i])<<8|uint16(data[i+1]))
		} else {
			u = append(u, uint16(data[i+1])<<8|uint16(data[i]))
		}
	}
	return string(utf16.Decode(u))
}

// cp1252 maps bytes 0x80-0x9f of Windows-1252 to runes; the rest of the
// upper half is Latin-1.
var cp1252 = [32]rune{
	'€', 0x81, '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', 0x8d, 'Ž', 0x8f,
	0x90, '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', 0x9d, 'ž', 'Ÿ',
}

// decodeWindows1252 keeps valid UTF-8 sequences and reads other bytes as
// Windows-1252, which is what mislabelled text usually is.
func decodeWindows1252(data []byte) string {
	var b strings.Builder
	b.Grow(len(data) + len(data)/8)
	for len(data) > 0 {
		r, n := utf8.DecodeRune(data)
		if r == utf8.RuneError && n <= 1 {
			c := data[0]
			if c >= 0x80 && c < 0xa0 {
				b.WriteRune(cp1252[c-0x80])
			} else {
				b.WriteRune(rune(c))
			}
			data = data[1:]
			continue
		}
		b.WriteRune(r)
		data = data[n:]
	}
	return b.String()
}

// textBlocks turns plain text into blocks: one per line, or, when the text
// is hard-wrapped (short lines filling blank-line separated paragraphs), one
// per paragraph.
func textBlocks(s string) []block {
	maxLen, nonEmpty, continued, blank := 0, 0, 0, false
	prevNonEmpty := false
	for rest := s; rest != ""; {
		line, tail, _ := strings.Cut(rest, "\n")
		rest = tail
		l := len(strings.TrimSpace(line))
		if l == 0 {
			if nonEmpty > 0 {
				blank = true
			}
			prevNonEmpty = false
			continue
		}
		nonEmpty++
		if prevNonEmpty {
			continued++
		}
		prevNonEmpty = true
		maxLen = max(maxLen, len(line))
	}
	bs := make([]block, 0, nonEmpty)
	if !(blank && nonEmpty >= 4 && maxLen <= 120 && continued*2 >= nonEmpty) {
		for rest := s; rest != ""; {
			line, tail, _ := strings.Cut(rest, "\n")
			rest = tail
			if t, gaps := plainTextLine(line); t != "" {
				bs = append(bs, block{text: t, gaps: gaps})
			}
		}
		return bs
	}
	// Hard-wrapped: join the lines of a paragraph.
	var cur []string
	flush := func() {
		if len(cur) > 0 {
			gaps := 0
			if len(cur) == 1 {
				_, gaps = plainTextLine(cur[0])
			}
			if t, _ := plainTextLine(strings.Join(cur, " ")); t != "" {
				bs = append(bs, block{text: t, gaps: gaps})
			}
			cur = cur[:0]
		}
	}
	prevShort := false
	for rest := s; rest != ""; {
		line, tail, _ := strings.Cut(rest, "\n")
		rest = tail
		t := strings.TrimSpace(line)
		if t == "" {
			flush()
			continue
		}
		_, bullet := bulletRest(t)
		_, numbered := numberedRest(t)
		if bullet || numbered || prevShort {
			flush()
		}
		cur = append(cur, t)
		prevShort = len(line)*2 < maxLen
	}
	flush()
	return bs
}
