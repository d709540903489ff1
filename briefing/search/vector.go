package search

import "sync"

// sharedLexicon is the embedded lexicon, loaded once for the Analyzers:
// the same stems as every PassageVectors' and Index's.
var sharedLexicon = sync.OnceValue(builtinLexicon)

// stem returns t's lexicon stem, -1 when the lexicon does not know it.
func (lx *Lexicon) stem(t string) int32 {
	if i, ok := lx.id(t); ok {
		return i
	}
	return -1
}

// AppendTermStems is AppendTerms that also appends each term's stem in the
// embedded lexicon (-1 when it has none) to stems, for
// PassageVectors.AppendStems: an Analyzer's memo holds a word's stem with
// its term, so most words cost no lexicon lookup. The two slices grow
// together.
func (a *Analyzer) AppendTermStems(terms []string, stems []int32, text string) ([]string, []int32) {
	if a == nil {
		a = newAnalyzer(2)
	}
	terms = a.appendTerms(terms, &stems, text)
	return terms, stems
}

// AppendStems appends to dst the vector of a passage whose terms have the
// lexicon stems stems (as Analyzer.AppendTermStems gives them, -1 for a
// term the lexicon does not know): the same bytes Append computes from
// the terms.
func (pv *PassageVectors) AppendStems(dst []int8, stems []int32) []int8 {
	if pv.lex.dims == 0 {
		return dst
	}
	// As in Append: a stem's count is its term's.
	pv.seen = pv.seen[:0]
	for _, li := range stems {
		pv.count(li)
	}
	return pv.appendCounted(dst)
}
