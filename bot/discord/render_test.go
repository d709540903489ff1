package discord

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"briefbot/bot"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// golden compares got with testdata/name.golden, rewriting it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if string(got) != string(want) {
		t.Errorf("%s differs from the golden file; run go test -update and review the diff\ngot:\n%s", path, got)
	}
}

// sentence returns a deterministic sentence of about n characters.
func sentence(seed, n int) string {
	words := []string{"tidal", "turbines", "in", "the", "strait", "produced", "more", "power", "than", "forecast",
		"while", "operators", "said", "maintenance", "costs", "fell", "by", "a", "third", "over", "winter"}
	var b strings.Builder
	for i := seed; b.Len() < n; i++ {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(words[(i*i+3*i+seed)%len(words)])
	}
	return strings.ToUpper(b.String()[:1]) + b.String()[1:] + "."
}

// longReply is an answer that needs several messages: 14 sources with
// three quoted passages each, a numbered and a bulleted section, and
// references.
func longReply() bot.Reply {
	r := bot.Reply{Title: "What sources said about tidal power · 14 sources", Footer: "Extractive answer · quotes are verbatim from the articles"}
	n := 0
	for s := 0; s < 14; s++ {
		url := fmt.Sprintf("https://news.example.org/energy/%02d-tidal-report", s)
		sec := bot.Section{Heading: fmt.Sprintf("Tidal report %d: the strait_project *update*", s), URL: url, Meta: "Coastal Times · 3 Mar 2025"}
		if s%5 == 4 {
			url, sec.URL = "", "" // a source without a link
		}
		for q := 0; q < 3; q++ {
			n++
			sec.Lines = append(sec.Lines, bot.Line{Text: sentence(n, 180+40*q), Style: bot.Quote, Cites: []bot.Cite{{N: n, URL: url}}})
		}
		r.Sections = append(r.Sections, sec)
	}
	num := bot.Section{Heading: "Steps"}
	bul := bot.Section{Heading: "Across sources"}
	for i := 0; i < 4; i++ {
		num.Lines = append(num.Lines, bot.Line{Text: sentence(100+i, 60), Style: bot.Numbered})
		bul.Lines = append(bul.Lines, bot.Line{Text: "turbines — " + sentence(200+i, 50), Style: bot.Bullet})
	}
	refs := bot.Section{Heading: "Sources"}
	for s := 0; s < 14; s++ {
		refs.Lines = append(refs.Lines, bot.Line{Text: fmt.Sprintf("[%d] Tidal report %d · Coastal Times", s+1, s), URL: fmt.Sprintf("https://news.example.org/energy/%02d-tidal-report", s)})
	}
	r.Sections = append(r.Sections, num, bul, refs)
	return r
}

func TestRenderGolden(t *testing.T) {
	tests := []struct {
		name      string
		reply     bot.Reply
		wantMsgs  int // 0: do not check
		wantSplit bool
	}{
		{name: "answer_long", reply: longReply(), wantSplit: true},
		{name: "answer_short", reply: bot.Reply{
			Title:  "What sources said about wave farms",
			Footer: "Extractive answer",
			Sections: []bot.Section{
				{Heading: "Harbour Gazette", URL: "https://harbour.example/wave-farm", Meta: "Ida Berg · 2 Feb 2025", Lines: []bot.Line{
					{Text: "The wave farm > expectations: 12 MW *peak* output, said the [operator].", Style: bot.Quote, Cites: []bot.Cite{{N: 1, URL: "https://harbour.example/wave-farm"}}},
				}},
				{Heading: "Sources", Lines: []bot.Line{{Text: "[1] Harbour Gazette · Ida Berg", URL: "https://harbour.example/wave-farm"}}},
			},
		}, wantMsgs: 1},
		{name: "usage", reply: bot.Reply{Ephemeral: true, Title: "`ask` needs a question. How to use /brief:", Sections: []bot.Section{{Lines: []bot.Line{
			{Text: "/brief ask <question> — what sources said. Example: /brief ask what about wave farms?"},
			{Text: "# not a heading, - not a list, 3. not a list item, <@123> not a mention, @everyone"},
		}}}}, wantMsgs: 1},
		{name: "title_only", reply: bot.Reply{Title: "Scheduled digests are not available on this bot."}, wantMsgs: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msgs := render(tt.reply)
			checkLimits(t, msgs)
			checkComplete(t, tt.reply, msgs)
			if tt.wantMsgs > 0 && len(msgs) != tt.wantMsgs {
				t.Errorf("%d messages, want %d", len(msgs), tt.wantMsgs)
			}
			if tt.wantSplit && len(msgs) < 2 {
				t.Errorf("%d message(s); the reply is long enough to need more", len(msgs))
			}
			var b bytes.Buffer
			enc := json.NewEncoder(&b)
			enc.SetEscapeHTML(false)
			enc.SetIndent("", "  ")
			if err := enc.Encode(msgs); err != nil {
				t.Fatal(err)
			}
			golden(t, tt.name, b.Bytes())
		})
	}
}

// checkLimits fails when a message breaks one of Discord's limits.
func checkLimits(t *testing.T, msgs []message) {
	t.Helper()
	if len(msgs) == 0 {
		t.Fatal("no messages")
	}
	for i, m := range msgs {
		if chars(m.Content) > maxContent {
			t.Errorf("message %d: content %d > %d", i, chars(m.Content), maxContent)
		}
		if m.Content == "" && len(m.Embeds) == 0 {
			t.Errorf("message %d is empty", i)
		}
		if len(m.Embeds) > maxEmbeds {
			t.Errorf("message %d: %d embeds > %d", i, len(m.Embeds), maxEmbeds)
		}
		total := 0
		for j, e := range m.Embeds {
			if chars(e.Title) > maxTitle {
				t.Errorf("message %d embed %d: title %d > %d", i, j, chars(e.Title), maxTitle)
			}
			if chars(e.Description) > maxDescription {
				t.Errorf("message %d embed %d: description %d > %d", i, j, chars(e.Description), maxDescription)
			}
			if e.Title == "" && e.Description == "" && e.Footer == nil {
				t.Errorf("message %d embed %d is empty", i, j)
			}
			total += chars(e.Title) + chars(e.Description)
			if e.Footer != nil {
				if chars(e.Footer.Text) > maxFooter {
					t.Errorf("message %d embed %d: footer %d > %d", i, j, chars(e.Footer.Text), maxFooter)
				}
				total += chars(e.Footer.Text)
			}
			for _, f := range e.Fields {
				if chars(f.Value) > maxFieldValue {
					t.Errorf("message %d embed %d: field value %d > %d", i, j, chars(f.Value), maxFieldValue)
				}
				total += chars(f.Name) + chars(f.Value)
			}
		}
		if total > maxEmbedChars {
			t.Errorf("message %d: %d embed characters > %d", i, total, maxEmbedChars)
		}
	}
}

var (
	linkedCiteRE = regexp.MustCompile(`\[\[\d+\]\]\([^)\s]+\)`)
	citeRE       = regexp.MustCompile(`\[\[\d+\]\]\([^)\s]+\)|\[\d+\]`)
)

// checkComplete fails when a line's text, a heading or a citation is missing,
// duplicated, out of order or cut.
func checkComplete(t *testing.T, r bot.Reply, msgs []message) {
	t.Helper()
	var all strings.Builder
	for _, m := range msgs {
		for _, e := range m.Embeds {
			all.WriteString(e.Description)
			all.WriteString("\n\n")
		}
	}
	text := all.String()
	pos := 0
	for _, s := range r.Sections {
		if s.Heading != "" {
			h := "**" + link(escape(s.Heading), s.URL) + "**"
			i := strings.Index(text[pos:], h)
			if i < 0 {
				t.Errorf("heading %q missing or out of order", s.Heading)
				continue
			}
			pos += i + len(h)
		}
		for _, l := range s.Lines {
			want := link(escape(l.Text), l.URL) + renderCites(l.Cites)
			i := strings.Index(text[pos:], want)
			if i < 0 {
				t.Errorf("line %.60q (with its citations) missing, cut or out of order", l.Text)
				continue
			}
			pos += i + len(want)
		}
	}
	// Every linked citation once, whole, in order (unlinked ones, "[n]",
	// are checked with their lines above).
	var want []string
	for _, s := range r.Sections {
		for _, l := range s.Lines {
			for _, c := range l.Cites {
				if c.URL != "" {
					want = append(want, cite(c))
				}
			}
		}
	}
	if got := linkedCiteRE.FindAllString(text, -1); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("linked citations\n got %v\nwant %v", got, want)
	}
	if r.Title != "" && msgs[0].Embeds[0].Title == "" {
		t.Error("the title is not on the first embed")
	}
	if r.Footer != "" {
		last := msgs[len(msgs)-1].Embeds
		if f := last[len(last)-1].Footer; f == nil || f.Text != r.Footer {
			t.Errorf("the footer is not on the last embed: %+v", f)
		}
	}
}

func TestRenderLongLine(t *testing.T) {
	url := "https://news.example.org/a-very-long-page"
	long := strings.Repeat(sentence(3, 400)+" ", 14) // ~5600 characters, longer than any embed allows
	r := bot.Reply{Title: "One long passage", Sections: []bot.Section{{Heading: "Coastal Times", URL: url, Lines: []bot.Line{
		{Text: long, Style: bot.Quote, Cites: []bot.Cite{{N: 7, URL: url}, {N: 8, URL: url}}},
		{Text: "After the long one.", Cites: []bot.Cite{{N: 9}}},
	}}}}
	msgs := render(r)
	checkLimits(t, msgs)
	var pieces []string
	for _, m := range msgs {
		for _, e := range m.Embeds {
			pieces = append(pieces, e.Description)
		}
	}
	if len(pieces) < 2 {
		t.Fatalf("a %d-character line fits %d embed(s)", len(long), len(pieces))
	}
	joined := strings.Join(pieces, "\n")
	if c := strings.Count(joined, "[[7]]("+url+") [[8]]("+url+")"); c != 1 {
		t.Errorf("citations 7 and 8 appear whole %d times, want once at the line's end", c)
	}
	if !strings.HasSuffix(strings.Split(pieces[len(pieces)-1], "\n")[0], "[[8]]("+url+")") &&
		!strings.Contains(joined, "[[8]]("+url+")\nAfter the long one. [9]") {
		t.Error("the citations do not end the long line")
	}
	var words []string
	for _, p := range pieces {
		for _, line := range strings.Split(p, "\n") {
			if strings.HasPrefix(line, "> ") {
				words = append(words, strings.Fields(citeRE.ReplaceAllString(strings.TrimPrefix(line, "> "), ""))...)
			}
		}
	}
	if got, want := strings.Join(words, " "), bot.OneLine(long); got != want {
		t.Errorf("the long line lost or changed words: got %d chars, want %d", len(got), len(want))
	}
}

func TestEscape(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain words", "plain words"},
		{"*bold* _it_ ~s~ `c` |sp|", `\*bold\* \_it\_ \~s\~ \` + "`c\\` " + `\|sp\|`},
		{"[1] (x)", `\[1\] (x)`},
		{"> not a quote", `\> not a quote`},
		{"# not a heading", `\# not a heading`},
		{"- not a list", `\- not a list`},
		{"12. not a list", `12\. not a list`},
		{"a > b - c", "a > b - c"},
		{"<@123> hi", `\<@123> hi`},
		{`back\slash`, `back\\slash`},
	}
	for _, tt := range tests {
		if got := escape(tt.in); got != tt.want {
			t.Errorf("escape(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestSafeURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://example.org/a", "https://example.org/a"},
		{"https://example.org/a_(b)", "https://example.org/a_%28b%29"},
		{"javascript:alert(1)", ""},
		{"/relative", ""},
		{"https://example.org/a b", ""},
		{"https://example.org/" + strings.Repeat("x", maxURL), ""},
	}
	for _, tt := range tests {
		if got := safeURL(tt.in); got != tt.want {
			t.Errorf("safeURL(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestTruncate(t *testing.T) {
	if got := truncate("short", 10); got != "short" {
		t.Errorf("truncate kept %q", got)
	}
	got := truncate(strings.Repeat("ab ", 200), 256)
	if chars(got) > 256 || !strings.HasSuffix(got, "…") {
		t.Errorf("truncate to 256 gave %d chars: %q", chars(got), got)
	}
	if got := truncate(`aaaa\*bbbb`, 6); strings.HasSuffix(strings.TrimSuffix(got, "…"), `\`) {
		t.Errorf("truncate left a dangling escape: %q", got)
	}
	if n := chars("😀"); n != 2 {
		t.Errorf("chars(emoji) = %d, want 2 UTF-16 units", n)
	}
}
