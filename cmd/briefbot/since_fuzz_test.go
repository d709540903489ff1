package main

import (
	"errors"
	"testing"
	"time"
)

// FuzzParseSince checks `digest --since`: any input gives a time not after
// now, or a usage error that names the flag.
func FuzzParseSince(f *testing.F) {
	for _, s := range []string{"24h", "90m", "7d", "2025-02-01", "2025-02-01T08:00", "2025-02-01 08:00", "2025-02-01T08:00:00Z", "0d", "-5h", "9999999999d", "last tuesday", ""} {
		f.Add(s)
	}
	now := time.Date(2025, 3, 10, 8, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		from, err := parseSince(s, now, time.UTC)
		if err != nil {
			var ue usageError
			if !errors.As(err, &ue) {
				t.Fatalf("parseSince(%q): %v is not a usage error", s, err)
			}
			return
		}
		if from.After(now) {
			t.Fatalf("parseSince(%q) = %v, after now %v", s, from, now)
		}
	})
}
