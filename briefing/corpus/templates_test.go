package corpus

import (
	"strings"
	"testing"
	"time"
)

// TestInventedTemplates parses pages in site templates of our own making,
// unlike each other and unlike any corpus the project is measured on, so
// that the title, date, byline and source rules are seen to be general.
func TestInventedTemplates(t *testing.T) {
	tests := []struct {
		file                  string
		title, author, source string
		published             time.Time
		first                 string // the start of the text
		drop                  []string
	}{
		{
			file: "ledger.txt", title: "Beavers return to the upper Calder after two centuries", author: "Ines Okafor",
			source: "The Hill Ledger", published: date(2019, 6, 3), first: "Volunteers counted three dams",
			drop: []string{"HILL LEDGER", "Sections", "You are here", "ENVIRONMENT", "Share", "<a", "RELATED", "Most Read",
				"Ferry timetable", "Council names", "rights reserved"},
		},
		{
			file: "wire.txt", title: "Telescope team finds water ice on a distant moon", source: "Northline Wire",
			published: date(2016, 9, 14), first: "Astronomers using a mountain-top telescope",
			drop: []string{"date:", "category", "Reporting by", "Originally published"},
		},
		{
			file: "portal.html", title: "Library extends opening hours for exam season", author: "Maya Brennan",
			source: "Riverbend Post", published: time.Date(2022, 4, 19, 6, 30, 0, 0, time.UTC), first: "The central library will stay open",
			drop: []string{"Skip to", "Open Menu", "Home", "What's Hot", "Bus fares", "Education", "By Maya", "Privacy", "rights reserved"},
		},
		{
			file: "notes.md", title: "Glass recycling rate climbs for a third year", author: "Lena Duarte",
			source: "Greenway Notes", published: date(2021, 3, 5), first: "The share of glass bottles",
			drop: []string{"Home", "World", "Posted", "©"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			name := "tpl-" + tt.file
			d, err := Parse(tt.file, readFixture(t, name))
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
			if !d.Published.Equal(tt.published) {
				t.Errorf("Published = %v, want %v", d.Published, tt.published)
			}
			if !strings.HasPrefix(d.Text, tt.first) {
				t.Errorf("Text starts %.80q, want %q", d.Text, tt.first)
			}
			for _, s := range tt.drop {
				if strings.Contains(d.Text, s) {
					t.Errorf("kept %q", s)
				}
			}
			if why := furnitureTitle(d.Title); why != "" {
				t.Errorf("Title %q is %s", d.Title, why)
			}
		})
	}
}
