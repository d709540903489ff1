package corpus

import (
	"strings"
	"testing"
)

// TestTextFurniture checks each rule for furniture inside plain-text pages
// on lines of our own writing: what must go, what must stay, and the
// metadata the furniture gives away.
func TestTextFurniture(t *testing.T) {
	const body = "The orchard cooperative sold its whole apple crop to a cider maker in the valley, its chair said on Friday."
	tests := []struct {
		name   string
		text   string
		keep   []string
		drop   []string
		source string
		url    string
	}{
		{
			name: "inline link tags",
			text: "Orchard sells its crop\n\nThe <a href=\"https://example.org/coop\" target=\"_blank\">orchard cooperative</a> sold its whole apple crop to a <b>cider maker</b> in the valley, its chair said on Friday.",
			keep: []string{body},
			drop: []string{"<a", "href", "</a>", "<b>"},
		},
		{
			name: "entities",
			text: "Orchard sells its crop\n\nGrowers&nbsp;said prices for apples &amp; pears rose by a fifth &ndash; the best year since the frost.",
			keep: []string{"apples & pears", "a fifth – the best"},
			drop: []string{"&amp;", "&nbsp;", "&ndash;"},
		},
		{
			name: "tag-only lines",
			text: "Orchard sells its crop\n<div class=\"story\">\n<p>" + body + "</p>\n</div>",
			keep: []string{body},
			drop: []string{"<div", "<p>", "</div>"},
		},
		{
			name: "a less-than sign is text",
			text: "Orchard sells its crop\n\nFewer than 3 in 10 growers, or a share < 30%, sold to the cooperative last year, its records show.",
			keep: []string{"a share < 30%"},
		},
		{
			name:   "copyright glued to the last sentence",
			text:   "Orchard sells its crop\n\n" + body + "Copyright(c) 2024 Valley Ledger Media. All Rights Reserved",
			keep:   []string{body},
			drop:   []string{"Copyright", "Rights Reserved", "Valley Ledger"},
			source: "Valley Ledger Media",
		},
		{
			name:   "copyright sign after a space",
			text:   "Orchard sells its crop\n\n" + body + " © 2023 The Hill Courier",
			keep:   []string{body},
			drop:   []string{"©", "Hill Courier"},
			source: "The Hill Courier",
		},
		{
			name: "all rights reserved alone at the end",
			text: "Orchard sells its crop\n\n" + body + " Ridge Press Group, all rights reserved.",
			keep: []string{body},
			drop: []string{"rights reserved"},
		},
		{
			name: "copyright in a sentence stays",
			text: "Orchard sells its crop\n\nThe cooperative said its copyright 2019 claim over the label design was settled out of court last spring.",
			keep: []string{"its copyright 2019 claim over the label design was settled"},
		},
		{
			name: "related link in brackets",
			text: "Orchard sells its crop\n\nThe orchard cooperative sold its whole apple crop to a cider maker in the valley. (RELATED: Frost threatens blossom in the upper valley) Its chair said on Friday that the price was fair.",
			keep: []string{"sold its whole apple crop to a cider maker in the valley. Its chair said on Friday"},
			drop: []string{"RELATED", "Frost threatens"},
		},
		{
			name: "read more in square brackets",
			text: "Orchard sells its crop\n\n" + body + " [Read more: Cider makers expand]",
			keep: []string{body},
			drop: []string{"Read more", "Cider makers expand"},
		},
		{
			name: "a bracket that is prose stays",
			text: "Orchard sells its crop\n\nThe cooperative (related to the older growers' union) sold its whole apple crop to a cider maker in the valley.",
			keep: []string{"(related to the older growers' union)"},
		},
		{
			name: "embedded post residue",
			text: "Orchard sells its crop\n\n" + body + "\n\nWhat a harvest for the valley this year pic.twitter.com/Ab12Cd34Ef — Valley Growers (@valleygrowers) October 4, 2024\n\nThe buyer plans to press the fruit within the month and bottle it by spring.",
			keep: []string{body, "The buyer plans to press the fruit"},
			drop: []string{"pic.twitter.com", "@valleygrowers"},
		},
		{
			name: "trailing read more",
			text: "Orchard sells its crop\n\n" + body + " Read more",
			keep: []string{body},
			drop: []string{"Read more"},
		},
		{
			name: "live blog chrome",
			text: "Orchard sells its crop\nLive\nUpdated 12 minutes ago\nShow key events only\n\n" + body + "\n\nRead more\nLoad more updates\nShare this update",
			keep: []string{body},
			drop: []string{"Updated 12", "key events", "Load more", "Share this update", "Read more"},
		},
		{
			name:   "menus at the top, share and footer at the bottom",
			text:   "Skip to main content\nFront   Valley   Farming   Business   Sport\nSearch\nOrchard sells its crop\n14 October 2024\n\n" + body + "\n\nThis story is from the Valley Ledger and is used with permission. Original: https://ledger.example.net/2024/10/orchard\n\nShare\nPrint   Email   Save\n© 2024 Hill Courier",
			keep:   []string{body},
			drop:   []string{"Skip to", "Farming", "Search", "Share", "Print", "Hill Courier", "Original:"},
			source: "Valley Ledger",
			url:    "https://ledger.example.net/2024/10/orchard",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := Parse("page.txt", []byte(tt.text))
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range tt.keep {
				if !strings.Contains(d.Text, s) {
					t.Errorf("lost %q", s)
				}
			}
			for _, s := range tt.drop {
				if strings.Contains(d.Text, s) {
					t.Errorf("kept %q", s)
				}
			}
			if tt.source != "" && d.Source != tt.source {
				t.Errorf("Source = %q, want %q", d.Source, tt.source)
			}
			if tt.url != "" && d.URL != tt.url {
				t.Errorf("URL = %q, want %q", d.URL, tt.url)
			}
			if d.Title != "Orchard sells its crop" {
				t.Errorf("Title = %q", d.Title)
			}
			if t.Failed() {
				t.Logf("Text:\n%s", d.Text)
			}
		})
	}
}

func TestRepeatedParagraph(t *testing.T) {
	const p1 = "The ferry company added a second boat on the island route for the summer, its manager said."
	const p2 = "Tickets for the extra crossings go on sale next week and can be bought at the harbour office."
	d, err := Parse("ferry.txt", []byte("Ferry adds summer boat\n\n"+p1+"\n\n"+p2+"\n\n"+p1+"\n\nYes.\n\nYes."))
	if err != nil {
		t.Fatal(err)
	}
	if want := p1 + "\n\n" + p2 + "\n\nYes.\n\nYes."; d.Text != want {
		t.Errorf("Text = %q, want %q", d.Text, want)
	}
}

func TestDateLines(t *testing.T) {
	for _, tt := range []struct {
		line string
		want string // "" when the line gives no date
	}{
		{"Published: Nov. 20, 2004", "2004-11-20"},
		{"Posted 3rd of March 2021", "2021-03-03"},
		{"Tuesday, 4 February 2025 10:32 GMT", "2025-02-04"},
		{"date 2021-06-30", "2021-06-30"},
		{"14.02.2020", "2020-02-14"},
		{"Updated: 14/02/2020 09:15", "2020-02-14"},
		{"02/14/2020", "2020-02-14"},
		{"03.04.2019", "2019-04-03"},
		{"03/04/2019", ""}, // day or month first: unknown
		{"Jan 3 2005", "2005-01-03"},
		{"31/02/2020", ""},
		{"Filed 20-Nov-2004 at 09:00", "2004-11-20"},
		{"2004.11.20", "2004-11-20"},
		{"Saturday, November 20th, 2004", "2004-11-20"},
	} {
		got := ""
		if d, ok := dateLine(tt.line); ok {
			got = d.Format("2006-01-02")
		}
		if got != tt.want {
			t.Errorf("dateLine(%q) = %q, want %q", tt.line, got, tt.want)
		}
	}
}

// TestSidebarDate checks that the dates of other stories listed above the
// headline are not taken for the article's.
func TestSidebarDate(t *testing.T) {
	page := "Trending\nBus fares to rise in May\nDecember 2, 2021\nNew cafe opens on the quay\nNovember 28, 2021\n" +
		"Library extends opening hours\nApril 19, 2022\n" +
		"The central library will stay open until ten in the evening for the next six weeks, the council said.\n"
	d, err := Parse("library.txt", []byte(page))
	if err != nil {
		t.Fatal(err)
	}
	if d.Title != "Library extends opening hours" || d.Published.Format("2006-01-02") != "2022-04-19" {
		t.Errorf("Title %q Published %v", d.Title, d.Published)
	}
	if strings.Contains(d.Text, "Bus fares") || strings.Contains(d.Text, "2021") {
		t.Errorf("sidebar left in Text: %q", d.Text)
	}
}

// TestBadSource checks that navigation and menu text is never a source.
func TestBadSource(t *testing.T) {
	page := "Port strike ends | Open Menu\n\nDock workers returned to work on Monday after a four-day strike over pay, the union said.\n"
	d, err := Parse("port.txt", []byte(page))
	if err != nil {
		t.Fatal(err)
	}
	if d.Source != "" {
		t.Errorf("Source = %q, want none", d.Source)
	}
}

func TestFrontMatterQuotes(t *testing.T) {
	for _, tt := range []struct{ fm, want string }{
		{`title: 'The mayor''s bridge opens'`, "The mayor's bridge opens"},
		{`title: "The \"new\" bridge opens"`, `The "new" bridge opens`},
		{`title: Council wins #1 spot in cycling table`, "Council wins #1 spot in cycling table"},
	} {
		d, err := Parse("b.md", []byte("---\n"+tt.fm+"\n---\nThe bridge over the river opened to walkers and cyclists on Saturday morning.\n"))
		if err != nil {
			t.Fatal(err)
		}
		if d.Title != tt.want {
			t.Errorf("%s: Title = %q, want %q", tt.fm, d.Title, tt.want)
		}
	}
}

func TestMayHoldNotice(t *testing.T) {
	for _, tt := range []struct {
		s    string
		want bool
	}{
		{"Copyright 2024 Example", true},
		{"ALL RIGHTS RESERVED", true},
		{"© Example", true},
		{"(C) 2020", true},
		{"The bridge opened on Saturday.", false},
		{"They reserve the right to appeal.", false},
	} {
		if got := mayHoldNotice(tt.s); got != tt.want {
			t.Errorf("mayHoldNotice(%q) = %v, want %v", tt.s, got, tt.want)
		}
	}
}

// TestHTMLTimeElement checks that a <time datetime> in the article dates a
// page whose text gives only a relative time, and that one in a sidebar
// does not.
func TestHTMLTimeElement(t *testing.T) {
	const body = `<p>The council voted on Tuesday to rebuild the old pier, which storms damaged two winters ago, at a cost the town can meet from reserves.</p><p>Work will start in the spring and should take a year, officials said at the meeting.</p>`
	for _, tt := range []struct{ name, page, want string }{
		{"in the article", `<html><body><article><h1>Council votes to rebuild pier</h1><time datetime="2015-03-03T10:00:00Z">2 days ago</time>` + body + `</article></body></html>`, "2015-03-03"},
		{"in a sidebar only", `<html><body><aside><time datetime="2014-11-02">Nov 2</time></aside><article><h1>Council votes to rebuild pier</h1>` + body + `</article></body></html>`, "0001-01-01"},
	} {
		d, err := Parse("pier.html", []byte(tt.page))
		if err != nil {
			t.Fatal(err)
		}
		if got := d.Published.Format("2006-01-02"); got != tt.want {
			t.Errorf("%s: Published %s, want %s", tt.name, got, tt.want)
		}
		if strings.Contains(d.Text, "days ago") {
			t.Errorf("%s: relative time left in Text: %q", tt.name, d.Text)
		}
	}
}

// TestDateBelowArticle checks a page that gives its date and byline only
// below the text.
func TestDateBelowArticle(t *testing.T) {
	page := "Ferry adds summer boat\n\nThe ferry company added a second boat on the island route for the summer, its manager said.\n\n" +
		"Tickets for the extra crossings go on sale next week at the harbour office.\n\nPosted by Ana Costa on 4 May 2016\nNext story: Harbour fees rise\n"
	d, err := Parse("ferry.txt", []byte(page))
	if err != nil {
		t.Fatal(err)
	}
	if d.Published.Format("2006-01-02") != "2016-05-04" || d.Author != "Ana Costa" {
		t.Errorf("Published %v Author %q", d.Published, d.Author)
	}
	if strings.Contains(d.Text, "Posted by") || strings.Contains(d.Text, "Next story") {
		t.Errorf("footer left in Text: %q", d.Text)
	}
}
