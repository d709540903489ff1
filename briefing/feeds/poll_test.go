package feeds

import (
	"testing"
	"time"
)

// noStore satisfies New's requirement of a Store for tests of the
// Poller's arithmetic, which touch no storage (a call would panic).
type noStore struct{ Store }

func TestNextHonoursHints(t *testing.T) {
	fe := NewFetcher(FetcherOptions{})
	t.Cleanup(fe.Close)
	p, err := New(Options{Store: noStore{}, Fetcher: fe, Rand: func() float64 { return 0.5 }})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC) // a Tuesday
	tests := []struct {
		name   string
		h      hints
		maxAge time.Duration
		want   time.Time
	}{
		{"interval", hints{}, 0, now.Add(15 * time.Minute)},
		{"max-age", hints{}, 2 * time.Hour, now.Add(2 * time.Hour)},
		{"max-age capped at a day", hints{}, 30 * 24 * time.Hour, now.Add(24 * time.Hour)},
		{"ttl", hints{ttl: time.Hour}, 0, now.Add(time.Hour)},
		{"skip hour", hints{skipHours: map[int]bool{10: true, 11: true}}, 0, time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)},
		{"skip day", hints{skipDays: map[time.Weekday]bool{time.Tuesday: true}}, 0, time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		if got := p.next(now, tt.h, tt.maxAge); !got.Equal(tt.want) {
			t.Errorf("%s: next %v, want %v", tt.name, got, tt.want)
		}
	}
	// Backoff doubles from the interval up to the cap; Retry-After wins when longer.
	for _, tt := range []struct {
		failures int
		retry    time.Duration
		want     time.Duration
	}{{1, 0, 15 * time.Minute}, {2, 0, 30 * time.Minute}, {4, 0, 2 * time.Hour}, {30, 0, 24 * time.Hour}, {1, 3 * time.Hour, 3 * time.Hour}} {
		if got := p.backoff(tt.failures, tt.retry); got != tt.want {
			t.Errorf("backoff(%d, %v) = %v, want %v", tt.failures, tt.retry, got, tt.want)
		}
	}
	// Jitter stays within ±10%.
	p.opt.Rand = func() float64 { return 0 }
	if got := p.jitter(100 * time.Minute); got != 90*time.Minute {
		t.Errorf("jitter low %v", got)
	}
}
