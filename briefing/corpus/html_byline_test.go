package corpus

import (
	"strings"
	"testing"
	"time"
)

// A date that a page states only in its byline is its publication date.
func TestHTMLBylineDate(t *testing.T) {
	page := `<html><head><title>Chipmakers brace for new rules - Example Daily</title></head><body>
<header><ul class="menu"><li><a href="/">News</a></li><li><a href="/tech">Tech</a></li></ul></header>
<main><h1>Chipmakers brace for new rules</h1>
<div class="byline">By <a href="/authors/tom">Tom Baker</a> · January 30, 2025</div>
<p>Semiconductor companies are preparing for another round of export restrictions that could cut sales of high-end accelerators to several more countries, according to people familiar with the draft.</p>
<p>The draft would create three tiers of countries, with only close allies allowed to import unlimited volumes of the most capable chips. Executives said the rules could push customers toward rival suppliers.</p>
<div class="share-bar"><a href="#">Share on Facebook</a> <a href="#">Share on X</a></div>
</main><footer><p>© 2025 Example Daily Media Group. All rights reserved.</p></footer></body></html>`
	d, err := Parse("news/chips.html", []byte(page))
	if err != nil {
		t.Fatal(err)
	}
	if d.Title != "Chipmakers brace for new rules" || d.Author != "Tom Baker" || !d.Published.Equal(time.Date(2025, 1, 30, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("metadata: title %q author %q published %v", d.Title, d.Author, d.Published)
	}
	for _, furniture := range []string{"Share on Facebook", "All rights reserved", "Tom Baker"} {
		if strings.Contains(d.Text, furniture) {
			t.Errorf("text keeps %q:\n%s", furniture, d.Text)
		}
	}
}
