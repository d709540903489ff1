package search

// StatesAmount reports whether text states an amount: money, a percentage, a
// number with a scale word ("5.6 million") or a number with thousands
// separators. A question with Quantity set is answered by such text.
func StatesAmount(text string) bool { return amountPattern.MatchString(text) }
