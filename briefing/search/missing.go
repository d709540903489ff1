package search

// Unknown reports whether q is about a name the corpus lacks entirely
// (spelled exactly, joined, split or one letter off): the reason Search
// finds nothing relevant to "What did Nokia say?" in a corpus without
// Nokia. Rankings that add to Search's (dense retrieval) use it to keep
// that "nothing" honest.
func (ix *Index) Unknown(q Query) bool {
	if ix.live == 0 || len(q.Terms) == 0 {
		return false
	}
	_, _, missing := ix.concepts(q)
	return missing
}
