package search

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Query is an analysed question.
type Query struct {
	Text string // the original question
	// Topic is the subject in the user's own words, question framing
	// removed: "what did sources say about export controls?" gives
	// "export controls", "tell me about Nvidia" gives "Nvidia".
	Topic string
	// Terms are the distinct stemmed content terms, in question order;
	// framing ("say", "mean", "sources") and stop words are dropped.
	Terms []string
	// Phrases are stemmed runs of words to keep together and reward when
	// adjacent in a passage: "export controls" gives [export control].
	Phrases [][]string
	// AboutSources is set when the question asks what sources, outlets or
	// reports said: results are spread over as many articles as possible.
	AboutSources bool
	// Quantity is set when the question asks for an amount ("how much",
	// "how many", "what was the price of"): passages stating one (money,
	// percentages, large numbers) are preferred when their text is at hand.
	Quantity bool
	// Names are the terms of runs of words written with a capital in the
	// topic ("Nokia", "Harry Reid"), unless the whole question is in
	// capitals: a name the corpus lacks entirely is the question's core.
	Names [][]string
	// Joins pair adjacent topic words with the term of the two written as
	// one ("Hugging Face" gives hug, face and huggingfac), so that a
	// passage spelling the name joined (or split) still matches.
	Joins []Join
	// Phrasals are the topic's verbs followed by a particle ("turn down",
	// "step down", "laid off"): the phrase, not the verb alone, is what
	// its synonyms stand in for ("rejected", "resigned", "dismissed").
	Phrasals []Phrasal
	// When is the time the question asks about ("this week", "since
	// Monday", "in January 2025", "latest"); the words of a relative
	// window are not Terms.
	When When
}

// Phrasal is a query term that is the verb of a phrasal verb, and the
// particle that follows it in the question.
type Phrasal struct {
	Term, Particle string
}

// IsParticle reports whether w (lower case) makes a phrasal verb of the
// verb before it. scripts/lexicon names the lexicon's phrasal verb entries
// with these particles.
func IsParticle(w string) bool {
	_, ok := particles[w]
	return ok
}

// "about" is left out: after a verb it mostly frames the subject ("what did
// they say about ...").
var particles = setOf("up", "down", "off", "out", "over", "away", "back", "in", "into", "on",
	"through", "around", "along", "apart", "aside", "forward")

// phrasals returns the topic words that are a verb term followed by a
// particle.
func phrasals(words []word, terms []string) []Phrasal {
	var out []Phrasal
	for i := 0; i+1 < len(words); i++ {
		if !IsParticle(words[i+1].norm) {
			continue
		}
		if t := Analyze(words[i].norm); len(t) == 1 && slices.Contains(terms, t[0]) {
			out = append(out, Phrasal{Term: t[0], Particle: words[i+1].norm})
		}
	}
	return out
}

// Join is two adjacent query terms and the term of their words joined.
type Join struct {
	A, B, Joined string
}

// ParseQuery analyses a question: it strips the framing around the subject
// ("what did sources say about", "tell me about", "how much did it", a
// trailing "please"), stems the remaining content words and finds the
// phrases among them. A question that is all framing has no Terms and
// matches nothing.
func ParseQuery(question string) Query {
	q := Query{Text: question}
	all := splitWords(question)
	shouting := isShouting(question)
	for _, w := range all {
		if _, ok := sourceWords[w.norm]; ok {
			q.AboutSources = true
			break
		}
	}
	q.Quantity = asksQuantity(all)

	// Leading framing: the longest run of framing words that ends on a
	// strong one ("sources" alone may be the subject; "sources on" is not).
	cut := 0
	for i, w := range all {
		if w.acronym(shouting) {
			break
		}
		if _, ok := strongFraming[w.norm]; ok {
			cut = i + 1
			continue
		}
		if _, ok := measureWords[w.norm]; ok && i > 0 && all[i-1].norm == "how" {
			cut = i + 1 // "how far", "how long": the measure asked for, not the subject
			continue
		}
		if _, ok := weakFraming[w.norm]; ok {
			continue
		}
		break
	}
	// The time asked about; a trailing relative window ("… since Monday")
	// is no part of the subject.
	norms := make([]string, len(all))
	for i, w := range all {
		norms[i] = w.norm
	}
	var drop map[int]bool
	q.When, drop = parseWhen(norms)
	last := len(all)
	for last > cut && drop[last-1] && (q.When.Relative() || q.When.Latest) {
		last--
	}
	end := cut + trimTrailingFraming(all[cut:last], shouting)
	if cut >= end {
		// All framing: no subject to search for.
		q.Topic = strings.TrimRightFunc(strings.TrimSpace(question), isTrailingPunct)
		return q
	}
	words := all[cut:end]
	q.Topic = question[words[0].start:words[len(words)-1].end]
	q.Topic = strings.TrimLeftFunc(strings.TrimRightFunc(q.Topic, isTrailingPunct), isQuote)

	seen := make(map[string]bool)
	for i := range drop {
		if q.When.Relative() || q.When.Latest {
			for _, t := range Analyze(all[i].norm) {
				seen[t] = true // a time phrase, not the subject
			}
		}
	}
	for _, t := range Analyze(q.Topic) {
		if !framingStems[t] && !seen[t] {
			seen[t] = true
			q.Terms = append(q.Terms, t)
		}
	}
	q.Phrases = phrases(words, shouting)
	q.Names, q.Joins = namesAndJoins(words, shouting)
	q.Phrasals = phrasals(words, q.Terms)
	return q
}

// namesAndJoins finds the runs of capitalised words among the topic's
// words and the joined forms of adjacent words (see Query.Names and
// Query.Joins).
func namesAndJoins(words []word, shouting bool) ([][]string, []Join) {
	var names [][]string
	var joins []Join
	var run []string
	prev, prevLetters := "", ""
	for _, w := range words {
		ts := Analyze(w.raw)
		if !shouting && w.capitalised() && len(ts) > 0 {
			for _, t := range ts {
				if !framingStems[t] {
					run = append(run, t)
				}
			}
		} else if len(run) > 0 {
			names = append(names, run)
			run = nil
		}
		cur, letters := "", ""
		if len(ts) == 1 && !framingStems[ts[0]] {
			cur = ts[0]
			letters = strings.Map(func(r rune) rune {
				if unicode.IsLetter(r) || unicode.IsDigit(r) {
					return r
				}
				return -1
			}, strings.TrimSuffix(strings.TrimSuffix(w.norm, "'s"), "'"))
		}
		if prev != "" && cur != "" {
			if j := Analyze(prevLetters + letters); len(j) == 1 && j[0] != prev && j[0] != cur {
				joins = append(joins, Join{A: prev, B: cur, Joined: j[0]})
			}
		}
		prev, prevLetters = cur, letters
	}
	if len(run) > 0 {
		names = append(names, run)
	}
	return names, joins
}

// asksQuantity reports whether a question asks for an amount: "how" before
// a word of measure, or a question about a price, cost or figure.
func asksQuantity(words []word) bool {
	for i, w := range words {
		if w.norm == "how" && i+1 < len(words) {
			if _, ok := measureWords[words[i+1].norm]; ok {
				return true
			}
		}
	}
	if len(words) > 0 {
		if _, ok := strongFraming[words[0].norm]; ok {
			for _, w := range words {
				if _, ok := amountWords[w.norm]; ok {
					return true
				}
			}
		}
	}
	return false
}

var measureWords = setOf("much", "many", "expensive", "cheap", "big", "large", "high", "low",
	"long", "far", "fast", "often", "old")

var amountWords = setOf("price", "prices", "cost", "costs", "amount", "figure", "figures",
	"number", "valuation", "budget", "percentage", "total", "sum", "spend", "spent")

// word is one whitespace-separated word of a question.
type word struct {
	raw        string // as typed, punctuation included
	norm       string // lower-cased, straight apostrophes, edge punctuation trimmed
	start, end int    // byte offsets of raw in the question
}

func splitWords(s string) []word {
	var out []word
	i := 0
	for i < len(s) {
		r, n := utf8.DecodeRuneInString(s[i:])
		if unicode.IsSpace(r) {
			i += n
			continue
		}
		j := i
		for j < len(s) {
			r, n := utf8.DecodeRuneInString(s[j:])
			if unicode.IsSpace(r) {
				break
			}
			j += n
		}
		raw := s[i:j]
		norm := strings.TrimFunc(raw, func(r rune) bool {
			return !unicode.IsLetter(r) && !unicode.IsDigit(r)
		})
		norm = apostrophes.Replace(strings.ToLower(norm))
		if norm != "" {
			out = append(out, word{raw: raw, norm: norm, start: i, end: j})
		}
		i = j
	}
	return out
}

// apostrophes straightens curly apostrophes.
var apostrophes = strings.NewReplacer("’", "'", "ʼ", "'", "‘", "'")

// acronym reports whether w is written in capitals ("US", "IT", "WHO") in a
// question that is not itself in capitals: then it is a name, not framing.
func (w word) acronym(shouting bool) bool {
	if shouting || utf8.RuneCountInString(w.norm) < 2 {
		return false
	}
	letters := 0
	for _, r := range w.raw {
		if unicode.IsLetter(r) {
			if !unicode.IsUpper(r) {
				return false
			}
			letters++
		}
	}
	return letters >= 2
}

// capitalised reports whether w starts with a capital letter.
func (w word) capitalised() bool {
	for _, r := range w.raw {
		if unicode.IsLetter(r) {
			return unicode.IsUpper(r)
		}
		if unicode.IsDigit(r) {
			return false
		}
	}
	return false
}

func isShouting(s string) bool {
	upper, letters := 0, 0
	for _, r := range s {
		if unicode.IsLetter(r) {
			letters++
			if unicode.IsUpper(r) {
				upper++
			}
		}
	}
	return letters >= 8 && upper*10 >= letters*7
}

func isTrailingPunct(r rune) bool {
	return unicode.IsSpace(r) || strings.ContainsRune("?!.,;:…\"'“”’)]", r)
}

func isQuote(r rune) bool { return strings.ContainsRune("\"'“‘«([", r) }

// trimTrailingFraming returns how many of words remain once trailing framing
// is removed: "… please", "… according to the press", "… in the news",
// "… lately".
func trimTrailingFraming(words []word, shouting bool) int {
	n := len(words)
	for n > 0 {
		if _, ok := trailingFraming[words[n-1].norm]; ok && !words[n-1].acronym(shouting) {
			n--
			continue
		}
		break
	}
	if n >= 3 && words[n-3].norm == "in" && words[n-2].norm == "the" && words[n-1].norm == "news" {
		n -= 3
	}
	// "DeepSeek news", "Nvidia updates": a name then a word for coverage.
	if n >= 2 && words[n-2].capitalised() {
		if _, ok := weakFraming[words[n-1].norm]; ok && !words[n-1].capitalised() {
			n--
		}
	}
	for j := n - 1; j > 0; j-- {
		if words[j].norm != "according" {
			continue
		}
		rest := true
		for _, w := range words[j+1 : n] {
			_, strong := strongFraming[w.norm]
			_, weak := weakFraming[w.norm]
			if (!strong && !weak) || w.acronym(shouting) {
				rest = false
				break
			}
		}
		if rest {
			n = j
		}
		break
	}
	return n
}

// trailingFraming words end a question without being its subject: "what did
// Marc Andreessen say about it?".
var trailingFraming = setOf("please", "thanks", "lately", "recently", "now", "say", "says",
	"said", "saying", "think", "thinks", "mean", "means", "do", "does", "did", "have", "has",
	"had", "is", "are", "was", "were", "about", "of", "on", "it", "this", "that", "them")

// phrases returns the stemmed runs of two or more content terms among the
// topic's words. A run ends at a stop word (except "of"), punctuation, a
// framing word, a common verb, and where a capitalised name starts after a
// lower-case word ("train DeepSeek V3" gives [deepseek v3]). Quoted text is
// one run.
func phrases(words []word, shouting bool) [][]string {
	var out [][]string
	seen := make(map[string]bool)
	var run []string
	prevLower := false
	inQuote := false
	end := func() {
		if len(run) >= 2 {
			key := strings.Join(run, " ")
			if !seen[key] {
				seen[key] = true
				out = append(out, run)
			}
		}
		run = nil
	}
	for _, w := range words {
		opens, closes := quoteEdges(w.raw)
		if opens {
			end()
			inQuote = true
		}
		if !inQuote {
			if w.norm == "of" && len(run) > 0 {
				continue
			}
			if _, verb := breakVerbs[w.norm]; verb {
				end()
				prevLower = false
				continue
			}
			if !shouting && w.capitalised() && prevLower {
				end()
			}
		}
		terms := Analyze(w.norm)
		if len(terms) == 0 && !inQuote {
			end()
		}
		for _, t := range terms {
			if framingStems[t] {
				end()
				continue
			}
			run = append(run, t)
		}
		prevLower = !w.capitalised()
		if closes {
			inQuote = false
			end()
			continue
		}
		if !inQuote && strings.ContainsAny(w.raw[len(w.raw)-1:], ",;:?!.") {
			end()
		}
	}
	end()
	return out
}

// quoteEdges reports whether raw opens and whether it closes a quotation.
func quoteEdges(raw string) (opens, closes bool) {
	first, _ := utf8.DecodeRuneInString(raw)
	opens = strings.ContainsRune("\"“(", first)
	body := strings.TrimRight(raw, "?!.,;:")
	last, _ := utf8.DecodeLastRuneInString(body)
	closes = strings.ContainsRune("\"”)", last) && (!opens || utf8.RuneCountInString(body) > 1)
	return opens, closes
}

// strongFraming words frame a question around its subject; a leading run of
// them is removed ("what did sources say about …").
var strongFraming = setOf(
	// question words and auxiliaries
	"what", "what's", "whats", "how", "how's", "who", "who's", "why", "when", "where",
	"which", "whom", "did", "do", "does", "is", "are", "was", "were", "has", "have", "had",
	"can", "could", "would", "will", "should", "been", "be", "being", "'s",
	// pronouns
	"it", "this", "that", "these", "those", "they", "there", "there's", "i", "i'd",
	"me", "we", "you", "my", "our",
	// requests and framing verbs
	"please", "tell", "show", "give", "brief", "explain", "describe", "summarize",
	"summarise", "list", "find", "get", "know", "learn", "hear", "want", "like", "need",
	"say", "said", "saying", "says", "mean", "means", "meant", "think", "thinks",
	"happen", "happened", "happening", "happens", "going", "known", "written", "wrote",
	"write", "reported", "much", "many", "exactly", "really", "currently", "actually",
	// prepositions and articles that join framing to the subject
	"about", "on", "regarding", "concerning", "re", "of", "for", "with", "to", "in",
	"into", "around", "behind", "the", "a", "an",
)

// weakFraming words are framing only when more framing follows: "news on
// Nvidia" drops "news on", "News Corp" keeps "News".
var weakFraming = setOf(
	"news", "any", "latest", "recent", "update", "updates", "info", "information", "anything",
	"something", "everything", "all", "more", "source", "sources", "outlet", "outlets",
	"report", "reports", "article", "articles", "media", "press", "coverage", "experts",
	"analysts", "people", "us", "reporting", "writing", "story", "stories", "summary", "overview", "details",
)

// framingStems never count as content, wherever they appear in a question.
var framingStems = map[string]bool{
	"say": true, "said": true, "mean": true, "meant": true, "think": true,
	"happen": true, "tell": true, "told": true, "explain": true, "describ": true,
	"summar": true, "summaris": true, "know": true, "known": true,
	// "how did X affect Y" asks about X and Y together; "how did X react
	// to Y" and "how did X respond" ask what X did.
	"affect": true, "react": true, "respond": true,
}

// sourceWords mark a question about what sources said.
var sourceWords = setOf(
	"source", "sources", "outlet", "outlets", "press", "media", "coverage", "reporting",
	"reports", "reported", "articles", "publications", "newspapers", "journalists",
	"commentators", "say", "said",
	"saying", "says", "wrote", "written", "claim", "claimed", "claims", "according",
)

// breakVerbs end a phrase: "how did export controls affect Nvidia" keeps
// [export control] apart from [nvidia].
var breakVerbs = setOf(
	"affect", "affects", "affected", "affecting", "react", "reacts", "reacted", "reacting",
	"respond", "responds", "responded", "responding", "cause", "caused", "causes", "make",
	"made", "makes", "get", "got", "gets", "become", "became", "use", "used", "uses",
	"help", "helped", "helps", "hurt", "hurts", "want", "wants", "need", "needs", "vs",
	"versus", "and", "or",
)

// synonymGroups is a small table of general news vocabulary (as stems) whose
// members stand in for one another, at a discount, when a query uses one.
var synonymGroups = [][]string{
	{"chip", "semiconductor", "microchip"},
	{"control", "restrict", "curb"},
	{"cost", "price", "spend", "spent", "expens"},
	{"sanction", "embargo"},
	{"lawsuit", "sue", "litig"},
	{"law", "legisl"},
	{"regul", "regulatori"},
	{"ban", "prohibit"},
	{"car", "vehicl", "automobil"},
	{"phone", "smartphon"},
	{"layoff", "redund"},
	{"consequ", "implic", "impact", "effect", "repercuss"},
	{"investor", "trader", "sharehold"},
}

// synonyms maps a stem to the other members of its synonymGroups group.
var synonyms = func() map[string][]string {
	m := make(map[string][]string)
	for _, g := range synonymGroups {
		for _, a := range g {
			for _, b := range g {
				if a != b {
					m[a] = append(m[a], b)
				}
			}
		}
	}
	return m
}()
