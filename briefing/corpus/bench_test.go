package corpus

import (
	"math/rand/v2"
	"os"
	"strings"
	"testing"
)

// benchWords is a small news-like vocabulary for generated articles.
var benchWords = strings.Fields(`the of and to in a is that for on with as by at from its was are has have
it be this an or which but not their more than been new said would could will also after about into over
DeepSeek Nvidia chips export controls China United States model models training cost costs million billion
market shares investors open source Europe Mistral data centre processors GPUs reasoning efficiency startup
laboratory research engineers hardware software analysts policy Washington Beijing semiconductor industry
kalo mitor vasel drinex quator porlim ustber chosel renva limtor nexqua selvari torka`)

// genArticle writes an article shaped like ../shared/bench/gencorpus.py's:
// a title line, then 4-9 paragraphs of 2-6 sentences of 8-24 words.
func genArticle(seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 42))
	pick := func() string { return benchWords[r.IntN(len(benchWords))] }
	var b strings.Builder
	title := make([]string, 5+r.IntN(6))
	for i := range title {
		title[i] = pick()
	}
	b.WriteString(capitalize(strings.Join(title, " ")))
	for p, np := 0, 4+r.IntN(6); p < np; p++ {
		b.WriteString("\n\n")
		for s, ns := 0, 2+r.IntN(5); s < ns; s++ {
			if s > 0 {
				b.WriteByte(' ')
			}
			ws := make([]string, 8+r.IntN(17))
			for i := range ws {
				ws[i] = pick()
			}
			b.WriteString(capitalize(strings.Join(ws, " ")) + ".")
		}
	}
	b.WriteByte('\n')
	return []byte(b.String())
}

func capitalize(s string) string { return strings.ToUpper(s[:1]) + strings.ToLower(s[1:]) }

// benchArticle is a generated article of about 600 words.
func benchArticle(b *testing.B) []byte {
	for seed := uint64(1); ; seed++ {
		data := genArticle(seed)
		if n := countWords(string(data)); n >= 560 && n <= 640 {
			return data
		}
		if seed > 10000 {
			b.Fatal("no article of about 600 words")
		}
	}
}

func BenchmarkParseSplit(b *testing.B) {
	data := benchArticle(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		d, err := Parse("bench/doc000001.txt", data)
		if err != nil {
			b.Fatal(err)
		}
		if len(Split(d)) == 0 {
			b.Fatal("no passages")
		}
	}
}

func BenchmarkParse(b *testing.B) {
	data := benchArticle(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse("bench/doc000001.txt", data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSplit(b *testing.B) {
	data := benchArticle(b)
	d, err := Parse("bench/doc000001.txt", data)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(d.Text)))
	b.ReportAllocs()
	for b.Loop() {
		Split(d)
	}
}

func BenchmarkParseSplitHTML(b *testing.B) {
	data, err := os.ReadFile("testdata/wordpress.html")
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		d, err := Parse("wordpress.html", data)
		if err != nil {
			b.Fatal(err)
		}
		Split(d)
	}
}
