package schedule

import (
	"context"
	"errors"
	"testing"
	"time"

	"briefbot/briefing/store"
)

// testTables are the tables in a store opened on dir; Close closes the
// store, as a dying process leaves it.
type testTables struct {
	*tables
	Close func() error
}

func openTemp(t *testing.T, dir string) testTables {
	t.Helper()
	st, err := store.Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	tb := &tables{db: st.DB()}
	if err := tb.create(context.Background()); err != nil {
		t.Fatal(err)
	}
	return testTables{tables: tb, Close: st.Close}
}

var t0 = time.Date(2025, 6, 2, 8, 0, 0, 0, time.UTC)

func TestSubscriptions(t *testing.T) {
	ctx := context.Background()
	st := openTemp(t, t.TempDir())
	a, err := st.CreateSubscription(ctx, Subscription{Platform: "slack", Channel: "C1", Spec: "daily 08:00", TZ: "Europe/Berlin", Topic: "chips"}, t0)
	if err != nil {
		t.Fatal(err)
	}
	b, err := st.CreateSubscription(ctx, Subscription{Platform: "discord", Channel: "42", Spec: "@every 1h", TZ: "UTC"}, t0.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if a.ID != "1" || b.ID != "2" || !a.Active || !a.Created.Equal(t0) {
		t.Fatalf("created %+v, %+v; want ids 1 and 2, active, created at %s", a, b, t0)
	}
	got, err := st.Subscription(ctx, "1")
	if err != nil || got != a {
		t.Fatalf("Subscription(1) = %+v, %v; want %+v", got, err, a)
	}
	if _, err := st.Subscription(ctx, "9"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Subscription(9) error = %v, want ErrNotFound", err)
	}
	list, err := st.Subscriptions(ctx, SubscriptionFilter{Platform: "slack", Channel: "C1"})
	if err != nil || len(list) != 1 || list[0].ID != "1" {
		t.Fatalf("slack C1 subscriptions = %+v, %v", list, err)
	}
	if ok, err := st.DeactivateSubscription(ctx, "1"); !ok || err != nil {
		t.Fatalf("deactivate 1 = %v, %v", ok, err)
	}
	if ok, _ := st.DeactivateSubscription(ctx, "1"); ok {
		t.Error("deactivating twice reported it active")
	}
	active, _ := st.Subscriptions(ctx, SubscriptionFilter{Active: true})
	if len(active) != 1 || active[0].ID != "2" {
		t.Errorf("active = %+v, want only 2", active)
	}
	// Ids are never reused.
	c, err := st.CreateSubscription(ctx, Subscription{Platform: "slack", Channel: "C1", Spec: "daily 09:00", TZ: "UTC"}, t0)
	if err != nil || c.ID != "3" {
		t.Errorf("third subscription = %+v, %v; want id 3", c, err)
	}
}

func TestSyncSubscriptions(t *testing.T) {
	ctx := context.Background()
	st := openTemp(t, t.TempDir())
	cfg := []Subscription{
		{ID: "config-slack-C1", Platform: "slack", Channel: "C1", Spec: "daily 08:00", TZ: "UTC"},
		{ID: "config-discord-9", Platform: "discord", Channel: "9", Spec: "daily 08:00", TZ: "UTC"},
	}
	if err := st.SyncSubscriptions(ctx, "config-", cfg, t0); err != nil {
		t.Fatal(err)
	}
	chat, _ := st.CreateSubscription(ctx, Subscription{Platform: "slack", Channel: "C1", Spec: "daily 07:00", TZ: "UTC"}, t0)
	// A delivered digest, then the schedule changes: history is kept.
	if _, err := st.PlanDelivery(ctx, "config-slack-C1", t0.Add(24*time.Hour), 24*time.Hour); err != nil {
		t.Fatal(err)
	}
	st.BeginPost(ctx, "config-slack-C1", t0.Add(24*time.Hour))
	if err := st.MarkPosted(ctx, "config-slack-C1", t0.Add(24*time.Hour), t0.Add(24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	cfg[0].Spec = "weekdays 09:00"
	if err := st.SyncSubscriptions(ctx, "config-", cfg[:1], t0.Add(48*time.Hour)); err != nil {
		t.Fatal(err)
	}
	s1, _ := st.Subscription(ctx, "config-slack-C1")
	if s1.Spec != "weekdays 09:00" || !s1.Active || !s1.Created.Equal(t0) || !s1.LastUntil.Equal(t0.Add(24*time.Hour)) {
		t.Errorf("updated config subscription = %+v; want new spec, same created and last_until", s1)
	}
	s2, _ := st.Subscription(ctx, "config-discord-9")
	if s2.Active {
		t.Error("a subscription removed from the config is still active")
	}
	if c, _ := st.Subscription(ctx, chat.ID); !c.Active {
		t.Error("syncing config subscriptions stopped a chat subscription")
	}
	// Removed and later configured again: starts afresh.
	later := t0.Add(30 * 24 * time.Hour)
	if err := st.SyncSubscriptions(ctx, "config-", nil, later); err != nil {
		t.Fatal(err)
	}
	if err := st.SyncSubscriptions(ctx, "config-", cfg[:1], later); err != nil {
		t.Fatal(err)
	}
	s1, _ = st.Subscription(ctx, "config-slack-C1")
	if !s1.Active || !s1.Created.Equal(later) || !s1.LastUntil.IsZero() {
		t.Errorf("reactivated config subscription = %+v; want active, created %s, no last_until", s1, later)
	}
	if err := st.SyncSubscriptions(ctx, "config-", []Subscription{{ID: "x", Platform: "slack", Channel: "C"}}, later); err == nil {
		t.Error("a subscription without the prefix was accepted")
	}
}

func TestDeliveryProtocol(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st := openTemp(t, dir)
	sub, _ := st.CreateSubscription(ctx, Subscription{Platform: "slack", Channel: "C1", Spec: "daily 08:00", TZ: "UTC"}, t0)
	day := 24 * time.Hour
	f1, f2, f3 := t0.Add(day), t0.Add(2*day), t0.Add(3*day)

	// First digest: the first window before the fire time.
	d, err := st.PlanDelivery(ctx, sub.ID, f1, 12*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if d.Status != Pending || !d.Since.Equal(f1.Add(-12*time.Hour)) || !d.Until.Equal(f1) {
		t.Fatalf("planned %+v; want pending over the 12h before %s", d, f1)
	}
	if err := st.BeginPost(ctx, sub.ID, f1); err != nil {
		t.Fatal(err)
	}
	if err := st.FailPost(ctx, sub.ID, f1, "slack: 503"); err != nil {
		t.Fatal(err)
	}
	if err := st.BeginPost(ctx, sub.ID, f1); err != nil {
		t.Fatal(err)
	}
	if err := st.MarkPosted(ctx, sub.ID, f1, f1.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	// Planning it again changes nothing, and it cannot be posted again.
	again, err := st.PlanDelivery(ctx, sub.ID, f1, 12*time.Hour)
	if err != nil || again.Status != Posted || again.Attempts != 2 || again.LastError != "" || !again.PostedAt.Equal(f1.Add(time.Second)) {
		t.Fatalf("re-planned posted delivery = %+v, %v; want it unchanged (posted, 2 attempts)", again, err)
	}
	if err := st.BeginPost(ctx, sub.ID, f1); !errors.Is(err, ErrNotPending) {
		t.Errorf("BeginPost on a posted delivery = %v, want ErrNotPending", err)
	}

	// The next window starts where the last delivered one ended.
	d2, _ := st.PlanDelivery(ctx, sub.ID, f2, 12*time.Hour)
	if !d2.Since.Equal(f1) || !d2.Until.Equal(f2) {
		t.Fatalf("second window = [%s, %s), want [%s, %s)", d2.Since, d2.Until, f1, f2)
	}
	// Still pending when the next fire time comes: superseded by it, whose
	// window covers both.
	d3, _ := st.PlanDelivery(ctx, sub.ID, f3, 12*time.Hour)
	if !d3.Since.Equal(f1) {
		t.Errorf("third window starts %s, want %s (the last delivered end)", d3.Since, f1)
	}
	pending, _ := st.Deliveries(ctx, sub.ID, Pending)
	if len(pending) != 1 || !pending[0].FireTime.Equal(f3) {
		t.Fatalf("pending = %+v, want only %s", pending, f3)
	}
	all, _ := st.Deliveries(ctx, sub.ID)
	if all[1].Status != Skipped || all[1].Reason != ReasonSuperseded {
		t.Errorf("older pending delivery = %+v, want skipped as superseded", all[1])
	}

	// Nothing new: skipped as empty, and the window counts as delivered.
	if err := st.MarkEmpty(ctx, sub.ID, f3); err != nil {
		t.Fatal(err)
	}
	s, _ := st.Subscription(ctx, sub.ID)
	if !s.LastUntil.Equal(f3) {
		t.Errorf("last_until after an empty digest = %s, want %s", s.LastUntil, f3)
	}
	if last, _ := st.LastFireTime(ctx, sub.ID); !last.Equal(f3) {
		t.Errorf("LastFireTime = %s, want %s", last, f3)
	}

	// A crash while posting: after reopening, the delivery is uncertain,
	// will not be sent, and its window is not counted as delivered.
	f4 := t0.Add(4 * day)
	st.PlanDelivery(ctx, sub.ID, f4, 12*time.Hour)
	if err := st.BeginPost(ctx, sub.ID, f4); err != nil {
		t.Fatal(err)
	}
	st.Close()
	st = openTemp(t, dir)
	lost, err := st.RecoverPosting(ctx)
	if err != nil || len(lost) != 1 || !lost[0].FireTime.Equal(f4) || lost[0].Status != Uncertain {
		t.Fatalf("RecoverPosting = %+v, %v; want the %s delivery, uncertain", lost, err, f4)
	}
	if err := st.BeginPost(ctx, sub.ID, f4); !errors.Is(err, ErrNotPending) {
		t.Errorf("BeginPost on an uncertain delivery = %v, want ErrNotPending", err)
	}
	s, _ = st.Subscription(ctx, sub.ID)
	if !s.LastUntil.Equal(f3) {
		t.Errorf("last_until after an uncertain delivery = %s, want %s (unchanged)", s.LastUntil, f3)
	}
	f5 := t0.Add(5 * day)
	d5, _ := st.PlanDelivery(ctx, sub.ID, f5, 12*time.Hour)
	if !d5.Since.Equal(f3) {
		t.Errorf("window after an uncertain delivery starts %s, want %s: its articles must not be lost", d5.Since, f3)
	}

	// Missed fire times are recorded as skipped; stopping skips pending ones.
	if err := st.SkipDelivery(ctx, sub.ID, t0.Add(-day), 12*time.Hour, ReasonMissed); err != nil {
		t.Fatal(err)
	}
	if ok, err := st.DeactivateSubscription(ctx, sub.ID); !ok || err != nil {
		t.Fatal(ok, err)
	}
	if p, _ := st.Deliveries(ctx, sub.ID, Pending); len(p) != 0 {
		t.Errorf("pending after unsubscribe = %+v, want none", p)
	}
	skipped, _ := st.Deliveries(ctx, sub.ID, Skipped)
	if len(skipped) != 4 || skipped[0].Reason != ReasonMissed || skipped[3].Reason != ReasonUnsubscribed {
		t.Errorf("skipped = %+v; want missed, superseded, empty, unsubscribed", skipped)
	}
}

// A first digest that was missed (or interrupted) does not shrink the next
// one's window: never delivered, it starts where the first would have.
func TestFirstWindowCarriesMissed(t *testing.T) {
	ctx := context.Background()
	st := openTemp(t, t.TempDir())
	sub, _ := st.CreateSubscription(ctx, Subscription{Platform: "slack", Channel: "C1", Spec: "daily 08:00", TZ: "UTC"}, t0)
	day := 24 * time.Hour
	if err := st.SkipDelivery(ctx, sub.ID, t0.Add(day), day, ReasonMissed); err != nil {
		t.Fatal(err)
	}
	d, err := st.PlanDelivery(ctx, sub.ID, t0.Add(2*day), day)
	if err != nil {
		t.Fatal(err)
	}
	if !d.Since.Equal(t0) {
		t.Errorf("window after a missed first digest starts %s, want %s", d.Since, t0)
	}
}
