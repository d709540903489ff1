package briefing

import (
	"regexp"
	"slices"
	"testing"
)

// wordSpans finds exactly the matches of the word pattern it replaces.
func TestWordSpans(t *testing.T) {
	re := regexp.MustCompile(`[\p{L}\p{N}][\p{L}\p{N}'’\-]*`)
	for _, s := range []string{
		"", " ", "a", "DeepSeek's V3 cost $5.6 million, 50,000 GPUs.",
		"state-of-the-art -lead- 'quoted' ’curly’ don’t", "Zürich Straße naïve ½ Ⅻ ٣٤",
		"--x--y''", "a\xffb \xe2\x80 c", "end-", "日本語のテキスト", "x\u2019s\u2019", "tab\tsep\nline",
	} {
		var want [][2]int
		for _, m := range re.FindAllStringIndex(s, -1) {
			want = append(want, [2]int{m[0], m[1]})
		}
		if got := wordSpans(nil, s); !slices.Equal(got, want) {
			t.Errorf("wordSpans(%q) = %v, want %v", s, got, want)
		}
	}
}

func FuzzWordSpans(f *testing.F) {
	f.Add("DeepSeek's V3 cost $5.6 million")
	re := regexp.MustCompile(`[\p{L}\p{N}][\p{L}\p{N}'’\-]*`)
	f.Fuzz(func(t *testing.T, s string) {
		var want [][2]int
		for _, m := range re.FindAllStringIndex(s, -1) {
			want = append(want, [2]int{m[0], m[1]})
		}
		if got := wordSpans(nil, s); !slices.Equal(got, want) {
			t.Errorf("wordSpans(%q) = %v, want %v", s, got, want)
		}
	})
}
