package corpus

import (
	"regexp"
	"strings"
	"testing"
	"unicode"
)

// placeholderTitle matches the names a renderer makes up for an untitled
// article ("Article 002", "13 Feb 2025 article (003)").
var placeholderTitle = regexp.MustCompile(`(?i)^(\d{1,2} \w{3,9},? \d{4} )?article \(?[0-9a-z_-]+\)?$`)

// furnitureTitle says what kind of page furniture a title looks like ("a
// breadcrumb", "a menu line", ...), or "" when it may be a headline. It is
// the tests' own judgement, written independently of the loader's rules.
func furnitureTitle(title string) string {
	t := strings.TrimSpace(title)
	lt := strings.ToLower(t)
	words := strings.Fields(t)
	switch {
	case t == "":
		return "missing"
	case placeholderTitle.MatchString(t):
		return "a placeholder"
	case strings.Contains(t, " > ") || strings.Contains(t, " » ") || strings.Contains(t, " › ") || strings.Count(t, " | ") >= 2:
		return "a breadcrumb or menu"
	case strings.HasPrefix(lt, "skip to") || strings.HasPrefix(lt, "jump to"):
		return "a skip link"
	case strings.HasPrefix(lt, "by ") || strings.HasPrefix(lt, "written by "):
		return "a byline"
	case strings.HasPrefix(lt, "date ") || strings.HasPrefix(lt, "published") || strings.HasPrefix(lt, "posted on") || strings.HasPrefix(lt, "updated"):
		return "a date marker"
	}
	menu := map[string]bool{"menu": true, "open": true, "close": true, "search": true, "subscribe": true, "sign": true,
		"in": true, "login": true, "home": true, "navigation": true, "sections": true, "toggle": true}
	allMenu := true
	for _, w := range words {
		if !menu[strings.ToLower(w)] {
			allMenu = false
		}
	}
	if allMenu {
		return "a menu button"
	}
	if strings.ToUpper(t) == t {
		// A headline in capitals: furniture only when it is made of
		// section names.
		nav := 0
		for _, w := range words {
			switch strings.ToLower(strings.Trim(w, "|·•,")) {
			case "home", "news", "world", "sport", "sports", "business", "politics", "opinion", "culture", "latest",
				"top", "stories", "local", "national", "international", "weather", "health", "money", "tech", "science":
				nav++
			}
		}
		if nav*2 >= len(words) {
			return "a section label or menu in capitals"
		}
		return ""
	}
	// Kickers and menus: short, or long runs of bare capitalised words
	// with no verb in lower case.
	lower := 0
	for _, w := range words {
		if r := []rune(w)[0]; unicode.IsLower(r) && len(w) > 3 {
			lower++
		}
	}
	if len(words) <= 3 && lower == 0 && !strings.HasSuffix(t, "?") {
		return "a kicker or section label"
	}
	if len(words) >= 5 && lower == 0 && !strings.ContainsAny(t, ",:;'’-") {
		caps := 0
		for _, w := range words {
			if unicode.IsUpper([]rune(w)[0]) {
				caps++
			}
		}
		if caps == len(words) {
			return "a menu line"
		}
	}
	return ""
}

func TestFurnitureTitle(t *testing.T) {
	for _, tt := range []struct{ title, want string }{
		{"Article 014", "a placeholder"},
		{"2 Mar 2024 article (007)", "a placeholder"},
		{"Front Page > Science", "a breadcrumb or menu"},
		{"Skip to main content", "a skip link"},
		{"Open Menu", "a menu button"},
		{"By Carla Mendes", "a byline"},
		{"date 2021-06-30", "a date marker"},
		{"Rivers vs Wells", "a kicker or section label"},
		{"Nav Home Regional Weather Opinion", "a menu line"},
		{"WORLD NEWS", "a section label or menu in capitals"},
		{"FERRY SERVICE RESUMES", ""},
		{"Port strike ends", ""},
		{"Museum reopens its dinosaur hall", ""},
		{"Why Efficient Models Change the Chip Trade", ""},
	} {
		if got := furnitureTitle(tt.title); got != tt.want {
			t.Errorf("furnitureTitle(%q) = %q, want %q", tt.title, got, tt.want)
		}
	}
}
