package corpus

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func readFixture(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestParseFixtures parses pages with heavy furniture and checks what a
// reader would: the metadata, that the article's sentences survive and that
// none of the furniture does.
func TestParseFixtures(t *testing.T) {
	tests := []struct {
		file      string
		title     string
		author    string
		source    string
		url       string
		published time.Time
		keep      []string // article text that must survive
		drop      []string // furniture and metadata lines that must not
	}{
		{
			file:      "wordpress.html",
			title:     "How Small Labs Learned to Train Big Models",
			author:    "Dana Whitfield",
			source:    "Silicon Example Notes",
			url:       "https://notes.example.net/2025/02/18/small-labs-big-models/",
			published: time.Date(2025, 2, 18, 6, 15, 0, 0, time.UTC),
			keep: []string{
				"For most of the past decade, the recipe for a better language model was simple",
				"Sparse models do less work per word",
				"- Routing: a learned gate scores the experts and keeps the top few for every token.",
				"- Shared experts: some blocks see every token and hold general knowledge.",
				"But the gap between a well-funded giant and a disciplined small team is narrower than the headline budgets suggest.",
			},
			drop: []string{"Skip to content", "Menu", "Chips, code and the people", "Posted on", "Share this", "Click to share",
				"Like Loading", "Tagged", "About the Author", "former chip designer", "Previous Post", "Next Post",
				"What the H20 can and cannot do", "thoughts on", "Great overview", "Leave a Reply", "Cancel reply",
				"will not be published", "Save my name", "Post Comment", "Recent Posts", "Categories", "Proudly powered",
				".wp-block", "wpAjax"},
		},
		{
			file:      "news.html",
			title:     "Regulators Weigh New Limits on AI Chip Sales",
			author:    "Jane Doe and John Roe",
			source:    "The Example Daily",
			url:       "https://daily.example.org/business/2025/02/12/chip-limits",
			published: date(2025, 2, 12),
			keep: []string{
				"Trade officials are reviewing whether the rules that limit sales of advanced artificial intelligence chips to China go far enough",
				"They say enforcement, not the thresholds, is the weak point",
				"A decision is not expected before the summer, the people said.",
			},
			drop: []string{"cookies", "Home", "Business › Technology", "By Jane Doe", "Published Wednesday", "Photo:",
				"Related:", "Chipmakers brace", "Advertisement", "Story continues", "Tweet", "Read more",
				"Chip stocks swing", "Morning Brief", "Sign up", "All rights reserved", "Privacy policy"},
		},
		{
			file:      "post.md",
			title:     "Open weights, open questions",
			author:    "Sam Okoro and Lea Brandt",
			source:    "Example Lab Notes",
			url:       "https://blog.example.com/posts/open-weights",
			published: time.Date(2025, 2, 9, 17, 0, 0, 0, time.UTC),
			keep: []string{
				"When a lab publishes the weights of a model, anyone can run it, study it and build on it.",
				"the usual word open source does not answer",
				"What is actually released",
				"sometimes a technical report.",
				"- you can run and fine-tune the model;",
				"- the licence decides whether you may use it commercially.",
				"Releasing weights is closer to publishing a compiled program than its source code.",
				"Setext heading",
				"The trade-off is control:",
			},
			drop: []string{"---", "tags:", "Header image", "**", "](", "![", "```", "model.generate", "Enjoyed this post",
				"Subscribe", "Photo by", "#OpenSource", "> Releasing"},
		},
		{
			file:      "scraped.txt",
			title:     "Startup Claims Breakthrough in Low-Power AI Training—What It Means for Data Centres",
			author:    "Alex Marin",
			source:    "lowpower-example.com",
			published: date(2025, 3, 3),
			keep: []string{
				"Summary: A young company says it can train capable language models",
				"Why Power Is the New Bottleneck",
				"Grid operators in some regions now ask new facilities to wait years for a connection.",
				"A peer-reviewed paper is promised for the autumn.",
			},
			drop: []string{".cls-1", "stroke", "@media", "March 3, 2025", "By ", "#GreenAI", "Click Here", "Featured image",
				"Alex Marin", "founder of", "Curious About More Stories", "Join Our Growing Community"},
		},
		{
			file:  "teaser.txt",
			title: "Cheap Models, Costly Questions",
			keep: []string{
				"Learn why a cheaper model from a small lab has investors rethinking what AI really costs to build.",
				"1. Why the Price Tag Matters",
				"Comparing one lab's final run with another lab's annual budget mixes very different things.",
			},
			drop: []string{"Cheap Models, Costly Questions"},
		},
		{
			file:      "notitle.txt",
			title:     "The semiconductor industry spent the first weeks of the year absorbing a surprise",
			published: date(2025, 3, 5),
			keep: []string{
				"The semiconductor industry spent the first weeks of the year absorbing a surprise.",
				"Others expect customers to demand more efficient chips and to buy fewer of the most expensive parts.",
			},
			drop: []string{"call us", "5 Mar"},
		},
		{
			file:  "blogpost.txt",
			title: "Why Efficient Models Change the Chip Trade",
			keep: []string{
				"A new generation of efficient language models is changing how buyers think about AI hardware.",
				"Lessons for Buyers",
				"Several report that a well-tuned mid-sized model handles most of their tasks at a much lower running cost.",
			},
			drop: []string{"Share this article", "Shareable URL", "Prev Post", "Port operators", "Next Post", "cycling lanes",
				"Leave a Reply", "Your email address", "Read next"},
		},
		{
			file:      "memberpost.txt",
			title:     "Why Cheap Models Matter",
			author:    "Jane Doe",
			published: date(2025, 1, 28),
			keep: []string{
				"A new model changes the economics of AI", // the standfirst
				"That belief shaped budgets, valuations and national policies.",
				"What changed",
				"the software that moves data between chips.",
			},
			drop: []string{"Sign up", "Sign in", "Member-only", "Follow", "min read", "Listen", "Share", "Written by",
				"Followers", "Writer on technology", "More from", "Ten charts", "Help", "Careers", "Privacy", "Terms"},
		},
		{
			file:      "newsletter.txt",
			title:     "Open models are winning the argument",
			author:    "Sam Writer",
			source:    "Sam Writer",
			published: date(2025, 2, 10),
			keep: []string{
				"What a cheap reasoning model tells us about the next year",
				"Each lab that publishes a technique makes the next lab faster.",
				"There is a catch.",
			},
			drop: []string{"The Example Letter", "Subscribe", "Sign in", "Share", "Thanks for reading", "Discussion",
				"Comments", "Restacks", "Ready for more", "Privacy", "Start Writing", "Get the app", "home for great culture"},
		},
		{
			file:      "newsroom.txt",
			title:     "Chipmaker shares rebound after a week of losses",
			author:    "Ana Ruiz and Tom Becker",
			source:    "Example News Network",
			published: date(2025, 2, 4),
			keep: []string{
				"Shares of the largest AI chip designer rose on Tuesday as investors bought back into the stock",
				"\"The orders are still coming in.\"",
			},
			drop: []string{"Skip to", "Menu", "Search", "Markets", "By Ana", "Published", "Advertisement", "Most Read",
				"Oil prices", "Gold hits", "newsletter", "inbox", "All rights reserved", "Cookie Settings"},
		},
		{
			file:      "wrapped.txt",
			title:     "Wafer Makers Expand as AI Demand Holds Up",
			author:    "Jane Doe and John Roe",
			source:    "Example Wire Service",
			published: date(2025, 2, 4),
			keep: []string{
				// hard-wrapped lines are joined into paragraphs
				"Suppliers of silicon wafers say orders from AI chip makers remain strong despite recent volatility in technology shares.",
				"- Capacity additions are planned in two countries.",
				"any cut in their spending plans would quickly reach the suppliers.",
			},
			drop: []string{"Source:", "Tuesday", "By Jane"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			d, err := Parse(tt.file, readFixture(t, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			if d.Title != tt.title {
				t.Errorf("Title = %q, want %q", d.Title, tt.title)
			}
			if d.Author != tt.author {
				t.Errorf("Author = %q, want %q", d.Author, tt.author)
			}
			if d.Source != tt.source {
				t.Errorf("Source = %q, want %q", d.Source, tt.source)
			}
			if d.URL != tt.url {
				t.Errorf("URL = %q, want %q", d.URL, tt.url)
			}
			if !d.Published.Equal(tt.published) {
				t.Errorf("Published = %v, want %v", d.Published, tt.published)
			}
			for _, s := range tt.keep {
				if !strings.Contains(d.Text, s) {
					t.Errorf("Text lost %q", s)
				}
			}
			for _, s := range tt.drop {
				if strings.Contains(d.Text, s) {
					t.Errorf("Text still has %q", s)
				}
			}
			if t.Failed() {
				t.Logf("Text:\n%s", d.Text)
			}
		})
	}
}

func TestParseIdentity(t *testing.T) {
	data := []byte("A Short Headline\n\nOne paragraph of plain article text that says something.\n")
	d, err := Parse("news/2025/item.one.TXT", data)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	if d.ID != "news/2025/item.one" || d.Path != "news/2025/item.one.TXT" || d.Hash != hex.EncodeToString(sum[:]) {
		t.Errorf("ID %q Path %q Hash %q", d.ID, d.Path, d.Hash)
	}
	if d.Title != "A Short Headline" || d.Text != "One paragraph of plain article text that says something." {
		t.Errorf("Title %q Text %q", d.Title, d.Text)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		path string
		data []byte
		want string
	}{
		{"empty", "a.txt", nil, "empty"},
		{"blank", "a.md", []byte(" \n\t\n"), "empty"},
		{"binary", "a.txt", []byte("PK\x03\x04\x00\x00binary"), "binary"},
		{"binary html", "a.html", []byte("<html>\x00\x01</html>"), "binary"},
		{"unsupported", "a.pdf", []byte("%PDF-1.7"), "unsupported"},
		{"furniture only", "a.txt", []byte("Share this article\nLeave a Reply\n#one #two #three\n"), "no article text"},
		{"front matter only", "a.md", []byte("---\ntitle: Nothing here\n---\n"), "no article text"},
		{"empty page", "a.html", []byte("<html><head><title>x</title></head><body><nav><a href=/>Home</a></nav></body></html>"), "no article text"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(tt.path, tt.data)
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), tt.path) {
				t.Errorf("error %q should name %q and say %q", err, tt.path, tt.want)
			}
		})
	}
}

func TestParseEncodings(t *testing.T) {
	// Windows-1252 curly quotes and a UTF-8 BOM.
	cp := []byte("Title Line\n\nShe said \x93cheap\x94 chips were enough \x96 for now.\n")
	d, err := Parse("cp.txt", cp)
	if err != nil {
		t.Fatal(err)
	}
	if d.Text != "She said “cheap” chips were enough – for now." {
		t.Errorf("Windows-1252 text = %q", d.Text)
	}
	bom := append([]byte{0xef, 0xbb, 0xbf}, "Title Line\r\n\r\nA body line with\u00a0a no-break space.\r\n"...)
	d, err = Parse("bom.txt", bom)
	if err != nil {
		t.Fatal(err)
	}
	if d.Title != "Title Line" || d.Text != "A body line with a no-break space." {
		t.Errorf("BOM/CRLF: Title %q Text %q", d.Title, d.Text)
	}
}

func TestTitleRules(t *testing.T) {
	tests := []struct {
		name, text, title string
	}{
		{"first short line", "Nvidia Shares Slide\n\nThe company lost a large part of its value on Monday after a rival model appeared.", "Nvidia Shares Slide"},
		{"sentence case headline", "Chip stocks fall after cheap model launch\nThe company lost a large part of its value on Monday.", "Chip stocks fall after cheap model launch"},
		{"long first paragraph", "The company lost a large part of its value on Monday after a rival model appeared. Analysts were split on what happens next and whether the fall would last.\nA Heading Later\nMore text follows here in a sentence.", "The company lost a large part of its value on Monday after a rival model appeared"},
		{"long first sentence", "Harbour pilots in the northern port walked off the job on Thursday, leaving a dozen container ships waiting at anchor outside the breakwater overnight. The union said talks would resume.", "Harbour pilots in the northern port walked off the job on Thursday…"},
		{"breadcrumb above", "Front Page > Science\n\nGlacier retreat speeds up in the Andes\nPosted: 3 April 2019\n\nSurveyors found that the ice had lost a tenth of its area in five years, the ministry said.", "Glacier retreat speeds up in the Andes"},
		{"breadcrumb with guillemets", "Home » Regions » North\nFerry service resumes after storm\n14/02/2020\nThe ferry between the two islands ran again on Friday after a week without crossings.", "Ferry service resumes after storm"},
		{"menu with wide gaps", "Home   Town   County   Farming   Schools\nLog in\n\nCouncil approves new bridge over the river\nMay 2, 2018\n\nThe county council voted on Tuesday to fund a footbridge, ending years of argument over the crossing.", "Council approves new bridge over the river"},
		{"menu word and sections", "MENU Home Regional Weather Opinion Events\nCouncil approves new bridge over the river\nThe county council voted on Tuesday to fund a footbridge, ending years of argument over the crossing.", "Council approves new bridge over the river"},
		{"skip link and menu button", "Skip to content\nOpen Menu\nCouncil approves new bridge over the river\nThe county council voted on Tuesday to fund a footbridge, ending years of argument over the crossing.", "Council approves new bridge over the river"},
		{"kicker above headline", "FARMING\nDry spring leaves wheat farmers counting the cost\nBy Olu Adeyemi\nThe driest spring in forty years has cut yields across the plains, growers said this week.", "Dry spring leaves wheat farmers counting the cost"},
		{"short kicker above headline", "Rural Affairs\nDry spring leaves wheat farmers counting the cost\nThe driest spring in forty years has cut yields across the plains, growers said this week.", "Dry spring leaves wheat farmers counting the cost"},
		{"kicker after teaser", "Read how one village rebuilt its water supply with help from volunteers and a small grant.\nRivers vs Wells\n1. The First Year\nThe village dug three wells in the first year and repaired the old pump house on the hill.", "Read how one village rebuilt its water supply with help from volunteers and a small grant"},
		{"date marker first", "date 2021-06-30\nMuseum reopens its dinosaur hall\nThe natural history museum reopened its largest gallery on Wednesday after two years of repairs.", "Museum reopens its dinosaur hall"},
		{"sidebar heading", "What's Hot\nMuseum reopens its dinosaur hall\nThe natural history museum reopened its largest gallery on Wednesday after two years of repairs.", "Museum reopens its dinosaur hall"},
		{"glued nav label", "Natural HistoryLatest News\nMuseum reopens its dinosaur hall\nThe natural history museum reopened its largest gallery on Wednesday after two years of repairs.", "Museum reopens its dinosaur hall"},
		{"byline before headline", "By Carla Mendes\nMuseum reopens its dinosaur hall\nThe natural history museum reopened its largest gallery on Wednesday after two years of repairs.", "Museum reopens its dinosaur hall"},
		{"bare link bar above headline", "Politics Foreign Affairs Culture Fellows Program\nSenate panel delays vote on farm bill\nMarch 3, 2022\nThe committee put off its vote by a week to give members time to read the final text.", "Senate panel delays vote on farm bill"},
		{"masthead above short headline", "RIVERSIDE ECHO\nPort strike ends\nDock workers returned to work on Monday after a four-day strike over pay.", "Port strike ends"},
		{"title case headline with dek", "Trump Signs Executive Order Banning Imports\nThe order takes effect next month and covers steel and aluminium from three countries.\nIt was signed on Friday.", "Trump Signs Executive Order Banning Imports"},
		{"sidebar above the article", "What's Hot\nBus fares to rise in May\nDecember 2, 2021\nNew cafe opens on the quay\nNovember 28, 2021\nLibrary extends opening hours\nApril 19, 2022\nThe central library will stay open until ten in the evening for the next six weeks, the council said.", "Library extends opening hours"},
		{"sidebar above a headline with standfirst", "Most Read\nBus fares to rise in May\nNew cafe opens on the quay\nLibrary extends opening hours\nStudents get a quiet place to revise before exams\nBy Maya Brennan\nThe central library will stay open until ten in the evening for the next six weeks, the council said.", "Library extends opening hours"},
		{"site name above a short headline", "The Riverside Gazette\nJapan enters recession\nPublished 17 Nov 2008\nThe economy shrank for a second quarter in a row, official figures showed on Monday.", "Japan enters recession"},
		{"short headline on its own", "Port Strike Ends\nDock workers returned to work on Monday after a four-day strike over pay.", "Port Strike Ends"},
		{"short sentence-case title", "Port strike ends\nPublished 9 Jan 2016\nDock workers returned to work on Monday after a four-day strike over pay.", "Port strike ends"},
		{"teaser without period", "Find out how a small team trained a competitive model with older chips and a modest budget this year\nSmall Team, Big Model\nThe body starts here with a full sentence of text.", "Small Team, Big Model"},
		{"pipe site suffix", "Chip Rules Tighten | Example Post\n\nThe body starts here with a full sentence of text.", "Chip Rules Tighten"},
		{"question headline", "Is the AI Boom Over?\n\nThe body starts here with a full sentence of text.", "Is the AI Boom Over?"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := Parse("t.txt", []byte(tt.text))
			if err != nil {
				t.Fatal(err)
			}
			if d.Title != tt.title {
				t.Errorf("Title = %q, want %q", d.Title, tt.title)
			}
			if tt.title != "" && strings.Contains(d.Text, tt.title) && !strings.HasPrefix(d.Text, strings.TrimSuffix(tt.title, "…")) {
				t.Errorf("title left in Text: %q", d.Text)
			}
		})
	}
}

// TestFurnitureLines checks single lines between two real paragraphs at the
// bottom of an article: furniture goes, article lines stay.
func TestFurnitureLines(t *testing.T) {
	const before = "Headline Here\n\nThe first paragraph of the article explains the news in a complete sentence, with enough words to count as body text for the cleaner.\n\n"
	const after = "\n\nThe last paragraph of the article closes the story with another complete sentence that a reader would want to keep.\n"
	tests := []struct {
		line string
		drop bool
	}{
		{".st1{fill:#0A0A0A;stroke:none;}", true},
		{"@media screen and (min-width: 40em) { .nav { display: block; } }", true},
		{"<div class=\"promo\"></div>", true},
		{"#AI #Chips #Markets #Tech", true},
		{"Share this story", true},
		{"Share on Facebook", true},
		{"Click to share on LinkedIn (Opens in new window)", true},
		{"Follow us on Twitter", true},
		{"Advertisement", true},
		{"Related articles", true},
		{"Tags: AI, chips, Nvidia", true},
		{"Photo: Example Agency", true},
		{"Image credit: Example Photographer", true},
		{"Subscribe to our newsletter", true},
		{"Want More Analysis Like This? Click Here", true},
		{"Interested in Reading More Stories?", true},
		{"Join our community of readers today!", true},
		{"We use cookies to give you the best experience. By continuing you agree to our cookie policy.", true},
		{"Your email address will not be published. Required fields are marked *", true},
		{"Home | News | Tech | Markets", true},
		{"Home › Business › Technology", true},
		{"5 min read", true},
		{"© 2025 Example Media Group. All rights reserved.", true},
		// real text that uses some of the same words
		{"Investors want to learn more about the real training costs before they buy.", false},
		{"Users can sign up for the service for free, the company said.", false},
		{"Copyright law in the European Union treats model weights in unclear ways.", false},
		{"The report was published in a journal last week.", false},
		{"- Mixture of Experts (MoE): Distributes processing across specialized experts.", false},
		{"Next Steps for Regulators", false},
		{"The company shares its research openly, and its app is popular.", false},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			d, err := Parse("f.txt", []byte(before+tt.line+after))
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Contains(d.Text, tt.line); got == tt.drop {
				t.Errorf("kept = %v, want %v; Text:\n%s", got, !tt.drop, d.Text)
			}
			if !strings.Contains(d.Text, "The last paragraph of the article") {
				t.Errorf("lost the last paragraph: %q", d.Text)
			}
		})
	}
}

func TestMetadataLines(t *testing.T) {
	tests := []struct {
		head      string
		author    string
		source    string
		published time.Time
	}{
		{"By  Joe Smith", "Joe Smith", "", time.Time{}},
		{"By Jane Doe and John Roe", "Jane Doe and John Roe", "", time.Time{}},
		{"BY JANE DOE", "Jane Doe", "", time.Time{}},
		{"By Jane Doe, Staff Writer", "Jane Doe", "", time.Time{}},
		{"By Jane Doe | The Example Times | Feb. 4, 2025", "Jane Doe", "The Example Times", date(2025, 2, 4)},
		{"Written by Ana de la Cruz on 4 February 2025", "Ana de la Cruz", "", date(2025, 2, 4)},
		{"February 4, 2025", "", "", date(2025, 2, 4)},
		{"13 Feb, 2025", "", "", date(2025, 2, 13)},
		{"2025-02-04", "", "", date(2025, 2, 4)},
		{"4 February 2025", "", "", date(2025, 2, 4)},
		{"Feb. 4, 2025", "", "", date(2025, 2, 4)},
		{"Tuesday, February 4, 2025", "", "", date(2025, 2, 4)},
		{"Published: Tue 4 Feb 2025 10:32 GMT", "", "", date(2025, 2, 4)},
		{"Updated 4th February 2025, 9:15 am", "", "", date(2025, 2, 4)},
		{"Posted by admin on February 4, 2025", "", "", date(2025, 2, 4)},
		{"Published: March 12, 2025 | Updated: March 13, 2025", "", "", date(2025, 3, 12)},
		{"By Martina Rossi, Technology Correspondent", "Martina Rossi", "", time.Time{}},
		{"Source: Reuters", "", "Reuters", time.Time{}},
		{"Originally published on The Example Times.", "", "The Example Times", time.Time{}},
		{"This article first appeared in Example Weekly on February 3, 2025.", "", "Example Weekly", time.Time{}},
		{"© 2025 The Example Times", "", "The Example Times", time.Time{}},
		{"Copyright © 2024-2025 Example Media. All rights reserved.", "", "Example Media", time.Time{}},
	}
	const body = "\n\nThe article begins with a full sentence that is long enough to be body text for the cleaner to keep. It has a second sentence too."
	for _, tt := range tests {
		t.Run(tt.head, func(t *testing.T) {
			d, err := Parse("m.txt", []byte("Some Headline Here\n"+tt.head+body))
			if err != nil {
				t.Fatal(err)
			}
			if d.Author != tt.author || d.Source != tt.source || !d.Published.Equal(tt.published) {
				t.Errorf("Author %q Source %q Published %v; want %q %q %v", d.Author, d.Source, d.Published, tt.author, tt.source, tt.published)
			}
			if strings.Contains(d.Text, tt.head) {
				t.Errorf("metadata line left in Text: %q", d.Text)
			}
			if d.Title != "Some Headline Here" {
				t.Errorf("Title = %q", d.Title)
			}
		})
	}
}

func TestNotMetadata(t *testing.T) {
	// Lines that look a little like metadata but are article text.
	for _, line := range []string{
		"By contrast, smaller labs spent far less on hardware.",
		"By 2030 the market could be twice as large, analysts said.",
		"On February 4, 2025, the company released its second model to the public.",
	} {
		d, err := Parse("n.txt", []byte("Some Headline Here\n\n"+line+"\n\nA closing paragraph with a complete sentence for good measure."))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(d.Text, line) || d.Author != "" || !d.Published.IsZero() {
			t.Errorf("%q: Author %q Published %v Text %q", line, d.Author, d.Published, d.Text)
		}
	}
}

func TestMarkdownFrontMatterVariants(t *testing.T) {
	tests := []struct {
		name, doc, title, author, source string
		published                        time.Time
	}{
		{"yaml", "---\ntitle: 'Quoted: Title'\nauthor: \"Jo Bloggs\"\npublication: Example Review\ndate: 2025-01-30\n---\nBody text goes here as a sentence.", "Quoted: Title", "Jo Bloggs", "Example Review", date(2025, 1, 30)},
		{"toml", "+++\ntitle = \"Toml Title\"\nauthor = \"Jo Bloggs\"\ndate = 2025-01-30T10:00:00Z\n+++\nBody text goes here as a sentence.", "Toml Title", "Jo Bloggs", "", time.Date(2025, 1, 30, 10, 0, 0, 0, time.UTC)},
		{"list authors", "---\ntitle: T List\nauthors:\n  - Ann Lee\n  - Bo Chan\n  - Cy Diaz\n---\nBody text goes here as a sentence.", "T List", "Ann Lee, Bo Chan and Cy Diaz", "", time.Time{}},
		{"no front matter", "# A Markdown Heading\n\nBody text goes here as a sentence.", "A Markdown Heading", "", "", time.Time{}},
		{"unclosed fence", "---\nnot front matter\n\nBody text goes here as a sentence.", "not front matter", "", "", time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := Parse("fm.md", []byte(tt.doc))
			if err != nil {
				t.Fatal(err)
			}
			if d.Title != tt.title || d.Author != tt.author || d.Source != tt.source || !d.Published.Equal(tt.published) {
				t.Errorf("got %q %q %q %v", d.Title, d.Author, d.Source, d.Published)
			}
			if !strings.Contains(d.Text, "Body text goes here as a sentence.") {
				t.Errorf("Text = %q", d.Text)
			}
		})
	}
}

// TestPageLayouts covers whole small pages whose shape matters: menus and
// site names at the top, lists and inline teasers in the middle.
func TestPageLayouts(t *testing.T) {
	const para = "The article body is a complete paragraph with more than enough words to be taken for real text by the cleaner, which matters here. It even has a second sentence."
	tests := []struct {
		name      string
		page      string
		title     string
		author    string
		source    string
		published time.Time
		keep      []string
		drop      []string
	}{
		{
			name:  "menu above a short title",
			page:  "Home\nNews\nTech\nMarkets\nChip Stocks Fall\nBy Jane Doe\n" + para,
			title: "Chip Stocks Fall", author: "Jane Doe",
			drop: []string{"Home", "Markets"},
		},
		{
			name:  "site name repeated in the credit line",
			page:  "The Example Times\nChip Stocks Fall Sharply\n" + para + "\n© 2025 The Example Times",
			title: "Chip Stocks Fall Sharply", source: "The Example Times",
			drop: []string{"The Example Times"},
		},
		{
			name:  "short list in the middle survives",
			page:  "Who Is Racing\n" + para + "\nThe main players:\nOpenAI\nGoogle\nMeta\nDeepSeek\n" + para,
			title: "Who Is Racing",
			keep:  []string{"The main players:\n\nOpenAI\n\nGoogle\n\nMeta\n\nDeepSeek"},
		},
		{
			name:  "inline teaser does not swallow the next heading",
			page:  "Chip Rules Explained\n" + para + "\nRead more: Nvidia falls after a rival model appears\nWhat Comes Next\n" + para,
			title: "Chip Rules Explained",
			keep:  []string{"What Comes Next"},
			drop:  []string{"Nvidia falls"},
		},
		{
			name:  "name and date line",
			page:  "Chip Rules Explained\nJane Doe, February 4, 2025\n" + para,
			title: "Chip Rules Explained", author: "Jane Doe", published: date(2025, 2, 4),
		},
		{
			name:  "date then name",
			page:  "Chip Rules Explained\nFebruary 4, 2025 | Jane Doe\n" + para,
			title: "Chip Rules Explained", author: "Jane Doe", published: date(2025, 2, 4),
		},
		{
			name:  "publication date preferred to update date",
			page:  "Chip Rules Explained\nLast updated: February 6, 2025\nPublished February 4, 2025\n" + para,
			title: "Chip Rules Explained", published: date(2025, 2, 4),
		},
		{
			name:  "update date when it is all there is",
			page:  "Chip Rules Explained\nUpdated February 6, 2025\n" + para,
			title: "Chip Rules Explained", published: date(2025, 2, 6),
		},
		{
			name:  "agency byline",
			page:  "Chip Rules Explained\nBy The Example Press\n" + para,
			title: "Chip Rules Explained", source: "The Example Press",
		},
		{
			name:  "byline with outlet",
			page:  "Chip Rules Explained\nBy Jane Doe, EXN Business\n" + para,
			title: "Chip Rules Explained", author: "Jane Doe", source: "EXN Business",
		},
		{
			name:  "wire credits at the end",
			page:  "Chip Rules Explained\n" + para + "\n(Reporting by Jane Doe; Editing by John Roe)",
			title: "Chip Rules Explained",
			drop:  []string{"Reporting by"},
		},
		{
			name:  "author box after the article",
			page:  "Chip Rules Explained\nBy Jane Doe\n" + para + "\nAbout the Author\nJane Doe is a technology correspondent based in Brussels who covers chips and trade.",
			title: "Chip Rules Explained", author: "Jane Doe",
			drop: []string{"About the Author", "correspondent"},
		},
		{
			name:  "comment section after the article",
			page:  "Chip Rules Explained\n" + para + "\n" + para + "\n3 Comments\nGreat read, thanks for writing this up so clearly, I learned a lot about export rules today.\nReply",
			title: "Chip Rules Explained",
			drop:  []string{"Comments", "Great read", "Reply"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := Parse("p.txt", []byte(tt.page))
			if err != nil {
				t.Fatal(err)
			}
			if d.Title != tt.title || d.Author != tt.author || d.Source != tt.source || !d.Published.Equal(tt.published) {
				t.Errorf("Title %q Author %q Source %q Published %v; want %q %q %q %v",
					d.Title, d.Author, d.Source, d.Published, tt.title, tt.author, tt.source, tt.published)
			}
			if !strings.Contains(d.Text, para) {
				t.Errorf("lost the body: %q", d.Text)
			}
			for _, s := range tt.keep {
				if !strings.Contains(d.Text, s) {
					t.Errorf("lost %q: %q", s, d.Text)
				}
			}
			for _, s := range tt.drop {
				if strings.Contains(d.Text, s) {
					t.Errorf("kept %q: %q", s, d.Text)
				}
			}
		})
	}
}

func TestCapitalBylines(t *testing.T) {
	for _, tt := range []struct{ line, author string }{
		{"BY JANE DOE | FEB. 4, 2025", "Jane Doe"},
		{"FEBRUARY 4, 2025 | JANE DOE", "Jane Doe"},
		{"By Jane Doe on Tuesday, February 4, 2025 at 10:32 GMT", "Jane Doe"},
	} {
		d, err := Parse("c.txt", []byte("Some Headline Here\n"+tt.line+"\n\nThe article begins with a full sentence that is long enough to be body text. It has a second sentence too."))
		if err != nil {
			t.Fatal(err)
		}
		if d.Author != tt.author || !d.Published.Equal(date(2025, 2, 4)) {
			t.Errorf("%q: Author %q Published %v", tt.line, d.Author, d.Published)
		}
	}
}
