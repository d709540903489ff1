package corpus

import (
	"fmt"
	"html"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// wrapper renders an article into a page of an invented site template: its
// title, date and paragraphs, with another article's title for the
// furniture that lists other stories.
type wrapper struct {
	ext    string
	render func(title string, day time.Time, paras []string, other string) string
}

// templateChrome is the furniture the invented templates put around an
// article; none of it may reach the text.
var templateChrome = []string{"MORNING LANTERN", "Sign in", "Lantern Staff", "Related articles", "Breaking News",
	"Updated 10:32", "Follow us", "Toggle navigation", "NEWS / WORLD", "Share this", "Like Loading", "Previous Post",
	"Europe", "Listen", "min read", "Trending now", "All rights reserved", "More stories", "Skip to content",
	"Harbour Times", "Popular", "Northgate Courier", "Most Read", "STAFF WRITER", "Share on", "Valley Post",
	"RELATED", "You might also like", "What's On", "Fenland Echo", "Tidewater Notes", "Coastal Tribune", "Open Menu",
	"Don't Miss", "Fellows Program", "Posted by", "Previous article", "Borough Gazette", "Your borough", "Recent Posts", "Filed on", "Next story", "Sections"}

// inventedTemplates are site templates of our own making, unlike the five
// the news corpus was saved in, to check that the title and date rules
// carry over to pages laid out in other ways.
var inventedTemplates = []wrapper{
	{".txt", func(title string, day time.Time, paras []string, other string) string {
		return "THE MORNING LANTERN\nHome  ·  News  ·  Sport  ·  Business  ·  Culture\nSearch | Sign in\n\nWORLD\n" + title +
			"\nBy Lantern Staff\n" + day.Format("Monday 2 January 2006") + "\n\n" + strings.Join(paras, "\n\n") +
			"\n\nRelated articles\n" + other + "\n\n© " + day.Format("2006") + " The Morning Lantern\n"
	}},
	{".txt", func(title string, day time.Time, paras []string, other string) string {
		return "date " + day.Format("2006-01-02") + "\nBreaking News\n" + title + "\nUpdated 10:32 GMT\n\n" +
			strings.Join(paras, "\n\n") + "\nRead more\nFollow us on Twitter and Facebook\n"
	}},
	{".txt", func(title string, day time.Time, paras []string, other string) string {
		return "Skip to content\nToggle navigation\n☰\nNEWS / WORLD\n\n" + title + "\n\nPosted on " + day.Format("January 2, 2006") +
			" by admin\n\n" + strings.Join(paras, "\n") + "\n\nShare this:\nTwitter\nFacebook\nLike this:\nLike Loading...\n\nPrevious Post\n" + other + "\n"
	}},
	{".txt", func(title string, day time.Time, paras []string, other string) string {
		d := day.Day()
		suffix := "th"
		switch {
		case d == 1 || d == 21 || d == 31:
			suffix = "st"
		case d == 2 || d == 22:
			suffix = "nd"
		case d == 3 || d == 23:
			suffix = "rd"
		}
		return "Top  >  International  >  Europe\nListen\n" + title + "\n" + fmt.Sprintf("%d%s %s", d, suffix, day.Format("January 2006")) +
			" | 5 min read\n\n" + strings.Join(paras, "\n\n") + "\n\nTrending now\n" + other + "\nAll rights reserved. Lantern Media Group\n"
	}},
	{".md", func(title string, day time.Time, paras []string, other string) string {
		return "[Home](/) | [World](/world) | [Science](/science)\n\n**World**\n\n# " + title + "\n\n_" + day.Format("2 Jan 2006") +
			"_\n\n" + strings.Join(paras, "\n\n") + "\n\n## More stories\n\n- [" + other + "](/other)\n"
	}},
	{".html", func(title string, day time.Time, paras []string, other string) string {
		title, other, paras = escapeAll(title, other, paras)
		var b strings.Builder
		b.WriteString("<!doctype html><html><head><title>Harbour Times - World</title></head><body>")
		b.WriteString(`<div class="top"><a href="#c">Skip to content</a> <span>Menu</span></div>`)
		b.WriteString(`<ul class="nav"><li><a href="/">Home</a></li><li><a href="/w">World</a></li><li><a href="/b">Business</a></li></ul>`)
		b.WriteString(`<p class="crumbs"><a href="/">Home</a> &raquo; <a href="/w">World</a></p>`)
		b.WriteString(`<div class="side"><h4>Popular</h4><p><a href="/x">` + other + `</a></p></div>`)
		b.WriteString("<div id=\"c\"><h1>" + title + "</h1><p class=\"date\">" + day.Format("Jan. 2, 2006") + "</p>")
		for _, p := range paras {
			b.WriteString("<p>" + p + "</p>")
		}
		b.WriteString(`</div><div class="foot"><p>Harbour Times &copy; ` + day.Format("2006") + `</p></div></body></html>`)
		return b.String()
	}},
	{".html", func(title string, day time.Time, paras []string, other string) string {
		title, other, paras = escapeAll(title, other, paras)
		var b strings.Builder
		b.WriteString(`<html><head><meta property="og:title" content="` + title + ` | Northgate Courier">`)
		b.WriteString(`<meta property="article:published_time" content="` + day.Format("2006-01-02") + `T09:00:00Z"></head><body>`)
		b.WriteString(`<header><nav><a href="/">Northgate Courier</a></nav><button>Subscribe</button></header><main><article>`)
		b.WriteString("<h2>" + title + "</h2>")
		for _, p := range paras {
			b.WriteString("<p>" + p + "</p>")
		}
		b.WriteString("</article></main><footer>Copyright Northgate Courier. All rights reserved.</footer></body></html>")
		return b.String()
	}},
	{".txt", func(title string, day time.Time, paras []string, other string) string {
		body := append([]string{}, paras...)
		if len(body) > 1 {
			body[0] += " (RELATED: " + other + ")"
		}
		return "Most Read\n" + other + "\n" + day.AddDate(0, -4, 0).Format("Jan. 2, 2006") + "\n\n" + strings.ToUpper(title) +
			"\nBy JOHN ROE, STAFF WRITER\n" + day.Format("Monday, Jan. 2, 2006 3:04 p.m.") + "\nShare on Facebook  Share on X  Email\n\n" +
			strings.Join(body, "\n\n") + "\n\nCopyright " + day.Format("2006") + " Valley Post Media. All Rights Reserved.\n"
	}},
	{".html", func(title string, day time.Time, paras []string, other string) string {
		title, other, paras = escapeAll(title, other, paras)
		var b strings.Builder
		b.WriteString("<html><head><title>" + title + " - Fenland Echo</title></head><body>")
		b.WriteString(`<div class="bar"><a href="/">Home</a> | <a href="/n">News</a> | <a href="/s">Sport</a> | <a href="/w">What's On</a></div>`)
		b.WriteString(`<div class="story"><div class="headline">` + title + `</div><span class="when">Published ` + day.Format("2 January 2006") + `</span>`)
		for _, p := range paras {
			b.WriteString("<p>" + p + "</p>")
		}
		b.WriteString(`</div><div class="more"><b>You might also like</b><a href="/o">` + other + `</a></div></body></html>`)
		return b.String()
	}},
	{".md", func(title string, day time.Time, paras []string, other string) string {
		return "---\nheadline: \"" + strings.ReplaceAll(title, "\"", "\\\"") + "\"\ndate: " + day.Format("2006-01-02") +
			"\nsite: Tidewater Notes\n---\n\n# Tidewater Notes\n\n" + strings.Join(paras, "\n\n") + "\n"
	}},
	{".html", func(title string, day time.Time, paras []string, other string) string {
		title, other, paras = escapeAll(title, other, paras)
		var b strings.Builder
		b.WriteString(`<html><head><meta property="og:site_name" content="Coastal Tribune"><meta property="og:title" content="Coastal Tribune">`)
		b.WriteString(`<script type="application/ld+json">{"@context":"https://schema.org","@graph":[{"@type":"WebSite","name":"Coastal Tribune"},`)
		b.WriteString(`{"@type":"NewsArticle","datePublished":"` + day.Format("2006-01-02") + `T06:00:00Z"}]}</script></head><body>`)
		b.WriteString(`<header><h1 class="logo">Coastal Tribune</h1><button>Open Menu</button></header>`)
		b.WriteString(`<article><header><h1>` + title + `</h1></header>`)
		for _, p := range paras {
			b.WriteString("<p>" + p + "</p>")
		}
		b.WriteString(`</article><aside><h3>Don't Miss</h3><a href="/o">` + other + `</a></aside></body></html>`)
		return b.String()
	}},
	{".txt", func(title string, day time.Time, paras []string, other string) string {
		return "Open Menu\nPolitics Foreign Affairs Culture Fellows Program\nSubscribe\n\n" + title + "\n\nPosted by Editor on " +
			day.Format("2 January 2006") + "\n\n" + strings.Join(paras, "\n\n") + "\n\nShare on Facebook\nPrevious article\n" + other + "\n"
	}},
	{".html", func(title string, day time.Time, paras []string, other string) string {
		title, other, paras = escapeAll(title, other, paras)
		var b strings.Builder
		b.WriteString("<html><head><title>" + title + " | Borough Gazette</title></head><body>")
		b.WriteString(`<div class="top"><h1 class="site-title"><a href="/">Borough Gazette</a></h1><p>Your borough, every day</p></div>`)
		b.WriteString(`<div class="post"><h2 class="entry-title">` + title + `</h2><div class="meta">Posted on ` + day.Format("January 2, 2006") + ` by gazette</div>`)
		for _, p := range paras {
			b.WriteString("<p>" + p + "</p>")
		}
		b.WriteString(`</div><div class="widget"><h3>Recent Posts</h3><ul><li><a href="/r">` + other + `</a></li></ul></div></body></html>`)
		return b.String()
	}},
	{".txt", func(title string, day time.Time, paras []string, other string) string {
		return "Sections  |  Search\n\n" + title + "\n\n" + strings.Join(paras, "\n\n") + "\n\nFiled on " + day.Format("2 January 2006") +
			" at 10:32\nTags: world, news\nNext story: " + other + "\n"
	}},
}

// escapeAll escapes a title, another title and paragraphs for HTML.
func escapeAll(title, other string, paras []string) (string, string, []string) {
	out := make([]string, len(paras))
	for i, p := range paras {
		out[i] = html.EscapeString(p)
	}
	return html.EscapeString(title), html.EscapeString(other), out
}

// TestNewsInInventedTemplates puts the articles of the news corpus into
// invented templates and checks that at least 95% of titles and dates are
// found in each.
func TestNewsInInventedTemplates(t *testing.T) {
	rows := readManifest(t)
	type article struct {
		title string
		day   time.Time
		paras []string
	}
	var arts []article
	for _, r := range rows {
		data, err := os.ReadFile(filepath.Join(newsDir, "articles", r.file))
		if err != nil {
			t.Fatal(err)
		}
		d, err := Parse(r.file, data)
		if err != nil {
			t.Fatal(err)
		}
		day, err := time.Parse("2006-01-02", r.date)
		if err != nil {
			t.Fatalf("%s: date %q: %v", r.file, r.date, err)
		}
		arts = append(arts, article{r.title, day, strings.Split(d.Text, "\n\n")})
	}
	for k, w := range inventedTemplates {
		titles, dates := 0, 0
		for i, a := range arts {
			other := arts[(i+1)%len(arts)].title
			page := w.render(a.title, a.day, a.paras, other)
			d, err := Parse(fmt.Sprintf("t%d/%d%s", k, i, w.ext), []byte(page))
			if err != nil {
				t.Errorf("template %d, %q: %v", k, a.title, err)
				continue
			}
			if foldKey(d.Title) == foldKey(a.title) {
				titles++
			} else if testing.Verbose() {
				t.Logf("template %d: title %q, want %q", k, d.Title, a.title)
			}
			if d.Published.Format("2006-01-02") == a.day.Format("2006-01-02") {
				dates++
			} else if testing.Verbose() {
				t.Logf("template %d: date %v, want %v (%q)", k, d.Published, a.day, a.title)
			}
			if why := furnitureTitle(d.Title); why != "" {
				t.Errorf("template %d: title %q is %s", k, d.Title, why)
			}
			for _, c := range templateChrome {
				if strings.Contains(d.Text, c) && !strings.Contains(strings.Join(a.paras, "\n"), c) {
					t.Errorf("template %d, %q: furniture %q left in the text", k, a.title, c)
				}
			}
		}
		t.Logf("template %d (%s): titles %d/%d, dates %d/%d", k, w.ext, titles, len(arts), dates, len(arts))
		if titles*100 < len(arts)*95 || dates*100 < len(arts)*95 {
			t.Errorf("template %d (%s): titles %d/%d, dates %d/%d, want 95%%", k, w.ext, titles, len(arts), dates, len(arts))
		}
	}
}
