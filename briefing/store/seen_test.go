package store

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestSeenSurvivesReopenAndExpires(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	now := time.Date(2025, 5, 1, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }

	st, err := Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	seen, err := OpenSeen(ctx, st, clock)
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		key  string
		want bool
	}{
		{"slack:event:Ev1", true},
		{"slack:event:Ev1", false},
		{"discord:interaction:77", true},
		{"discord:interaction:77", false},
	}
	for _, s := range steps {
		if got, err := seen.FirstSeen(ctx, s.key, time.Hour); err != nil || got != s.want {
			t.Errorf("FirstSeen(%q) = %v, %v; want %v", s.key, got, err, s.want)
		}
	}
	st.Close()

	// A restart remembers; past the ttl the key is new again.
	st, err = Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	seen, err = OpenSeen(ctx, st, clock)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := seen.FirstSeen(ctx, "slack:event:Ev1", time.Hour); got {
		t.Error("a key recorded before the restart is first seen again")
	}
	now = now.Add(61 * time.Minute)
	if got, _ := seen.FirstSeen(ctx, "slack:event:Ev1", time.Hour); !got {
		t.Error("a key past its ttl is still remembered")
	}
	if got, _ := seen.FirstSeen(ctx, "slack:event:Ev1", time.Hour); got {
		t.Error("a key recorded again after expiry is first seen twice")
	}
}

func TestSeenConcurrentCallsSeeOneFirst(t *testing.T) {
	ctx := context.Background()
	st, err := Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	seen, err := OpenSeen(ctx, st, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	var firsts atomic.Int32
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			ok, err := seen.FirstSeen(ctx, "discord:interaction:3", time.Hour)
			if err != nil {
				t.Error(err)
			}
			if ok {
				firsts.Add(1)
			}
		})
	}
	wg.Wait()
	if n := firsts.Load(); n != 1 {
		t.Errorf("%d callers saw the key first, want 1", n)
	}
}
