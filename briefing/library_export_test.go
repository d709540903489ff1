package briefing

// What the external tests of the library need from inside the package:
// they are external because they open a briefing/store, which imports
// briefing.

// ParserKey is the meta key of the parser version.
const ParserKey = parserKey

// Possessive exposes possessive.
var Possessive = possessive

// IndexLen is the number of passages in l's index.
func IndexLen(l *Library) int {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.ix.Len()
}

// MergeInBackground makes l merge its index in the background whatever
// its size.
func MergeInBackground(l *Library) {
	l.refreshMu.Lock()
	defer l.refreshMu.Unlock()
	l.inline = -1
}

// LowerLogCap makes l merge its index once the change log holds more than
// n bytes of records, whatever the base's size.
func LowerLogCap(l *Library, n int64) {
	l.refreshMu.Lock()
	defer l.refreshMu.Unlock()
	l.logCap = n
}
