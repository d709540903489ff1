package search

import (
	"strconv"
	"strings"
	"time"
)

// When is the time a question asks about, as written: "this week",
// "since Monday", "in January 2025", "latest". The zero When asks about no
// time.
type When struct {
	// Days: the last Days days ("today" 1, "this week" 7, "this month" 31).
	Days int
	// Since: from the most recent Weekday ("since Monday"), or from the
	// first of Month of Year ("since March", "since March 2024"; Year 0 is
	// the latest such month).
	Since   bool
	Weekday time.Weekday
	// Month and Year: "in January 2025" (both), "in 2009" (Year only).
	Month time.Month
	Year  int
	// Latest: "latest", "newest", "most recent": the newest first.
	Latest bool
}

// Relative reports whether w is counted back from now ("this week", "since
// Monday"): such a question is restricted to its window. An absolute month
// or year only favours articles of that time, since news of an event is
// often published after it.
func (w When) Relative() bool { return w.Days > 0 || w.Since }

// Zero reports whether w asks about no time.
func (w When) Zero() bool { return w == When{} }

// Window returns the time range [from, to) that w names, given now; ok is
// false when w names no range (only Latest, or nothing).
func (w When) Window(now time.Time) (from, to time.Time, ok bool) {
	day := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, now.Location())
	switch {
	case w.Days > 0:
		return day.AddDate(0, 0, 1-w.Days), now.Add(time.Nanosecond), true
	case w.Since && w.Month != 0:
		y := w.Year
		if y == 0 {
			y = now.Year()
			if w.Month > now.Month() {
				y--
			}
		}
		return time.Date(y, w.Month, 1, 0, 0, 0, 0, now.Location()), now.Add(time.Nanosecond), true
	case w.Since:
		back := (int(now.Weekday()) - int(w.Weekday) + 7) % 7
		return day.AddDate(0, 0, -back), now.Add(time.Nanosecond), true
	case w.Month != 0 && w.Year != 0:
		from = time.Date(w.Year, w.Month, 1, 0, 0, 0, 0, now.Location())
		return from, from.AddDate(0, 1, 0), true
	case w.Year != 0:
		from = time.Date(w.Year, 1, 1, 0, 0, 0, 0, now.Location())
		return from, from.AddDate(1, 0, 0), true
	}
	return time.Time{}, time.Time{}, false
}

// parseWhen finds the time words of a question (lower-cased words, edge
// punctuation trimmed) and returns what they ask for and which word
// indexes are the time phrase of a relative window (they are no subject).
func parseWhen(words []string) (When, map[int]bool) {
	var w When
	drop := map[int]bool{}
	at := func(i int) string {
		if i >= 0 && i < len(words) {
			return words[i]
		}
		return ""
	}
	for i, x := range words {
		switch x {
		case "latest", "newest":
			w.Latest = true
			drop[i] = true
		case "recent":
			if at(i-1) == "most" {
				w.Latest = true
				drop[i], drop[i-1] = true, true
			}
		case "today":
			w.Days = 1
			drop[i] = true
		case "yesterday":
			w.Days = 2
			drop[i] = true
		case "week", "month", "fortnight":
			if p := at(i - 1); p == "this" || p == "past" || p == "last" {
				w.Days = map[string]int{"week": 7, "month": 31, "fortnight": 14}[x]
				if p == "last" {
					w.Days *= 2 // last week: counting back to its start
				}
				drop[i], drop[i-1] = true, true
				if at(i-2) == "the" {
					drop[i-2] = true
				}
			}
		case "since":
			next := at(i + 1)
			if d, ok := weekdays[next]; ok {
				w.Since, w.Weekday = true, d
				drop[i], drop[i+1] = true, true
			} else if m, ok := months[next]; ok {
				w.Since, w.Month = true, m
				drop[i], drop[i+1] = true, true
				if y, ok := year(at(i + 2)); ok {
					w.Year = y
					drop[i+2] = true
				}
			}
		case "in", "during", "of":
			next := at(i + 1)
			if m, ok := months[next]; ok {
				if y, ok := year(at(i + 2)); ok {
					w.Month, w.Year = m, y
				}
			} else if y, ok := year(next); ok && !w.Since {
				w.Year = y
			}
		}
	}
	return w, drop
}

func year(s string) (int, bool) {
	if len(s) != 4 {
		return 0, false
	}
	y, err := strconv.Atoi(s)
	return y, err == nil && y >= 1900 && y <= 2199
}

var weekdays = map[string]time.Weekday{
	"sunday": time.Sunday, "monday": time.Monday, "tuesday": time.Tuesday, "wednesday": time.Wednesday,
	"thursday": time.Thursday, "friday": time.Friday, "saturday": time.Saturday,
}

var months = func() map[string]time.Month {
	m := map[string]time.Month{}
	for i := time.January; i <= time.December; i++ {
		name := strings.ToLower(i.String())
		m[name] = i
		if len(name) > 3 {
			m[name[:3]] = i
		}
	}
	m["sept"] = time.September
	return m
}()
