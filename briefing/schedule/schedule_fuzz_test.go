package schedule

import (
	"errors"
	"testing"
	"time"
)

// FuzzParse checks the schedule grammar: any spec is accepted or refused
// with an error wrapping ErrInvalid; an accepted one round-trips through
// Spec, describes itself, and fires strictly later each time (or never).
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"daily 08:00", "weekdays 7:05", "weekly mon 09:30", "weekly Sunday 23:59 tz Europe/Berlin",
		`cron "0 8 * * 1-5"`, "*/15 * * * *", "0 0 30 2 *", "@hourly", "@every 90m", "@every 0s",
		"daily 25:00", "tz", "daily 02:30 tz America/New_York", `cron "0 8 * *`, "weekly xyz 10:00",
	} {
		f.Add(s)
	}
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		s, err := Parse(spec, berlin)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("Parse(%q): %v does not wrap ErrInvalid", spec, err)
			}
			return
		}
		again, err := Parse(s.Spec(), s.Location())
		if err != nil || again.Spec() != s.Spec() || again.Location().String() != s.Location().String() {
			t.Fatalf("Parse(%q).Spec() = %q does not round-trip: %v, %q", spec, s.Spec(), err, again.Spec())
		}
		if s.String() == "" {
			t.Fatalf("Parse(%q) describes itself as nothing", spec)
		}
		// Through the spring-forward and fall-back days of 2025 in Berlin.
		for _, at := range []time.Time{
			time.Date(2025, 3, 29, 23, 0, 0, 0, berlin),
			time.Date(2025, 10, 25, 23, 0, 0, 0, berlin),
		} {
			for range 5 {
				next := s.Next(at)
				if next.IsZero() {
					break
				}
				if !next.After(at) {
					t.Fatalf("Parse(%q).Next(%v) = %v, not after", spec, at, next)
				}
				at = next
			}
		}
	})
}
