package schedule

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"briefbot/briefing"
)

// The tables of scheduled digests: a subscription says where and when a
// digest goes; a delivery records what happened to one of its fire times
// (the states and transitions of the package comment). Timestamps are Unix
// nanoseconds, 0 for none.
const subscriptionSchema = `
CREATE TABLE IF NOT EXISTS subscriptions (
	seq INTEGER PRIMARY KEY AUTOINCREMENT,
	id TEXT NOT NULL UNIQUE,
	platform TEXT NOT NULL,
	channel TEXT NOT NULL,
	spec TEXT NOT NULL,
	tz TEXT NOT NULL,
	topic TEXT NOT NULL DEFAULT '',
	created INTEGER NOT NULL,
	last_until INTEGER NOT NULL DEFAULT 0,
	active INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX IF NOT EXISTS subscriptions_channel ON subscriptions(platform, channel);
CREATE TABLE IF NOT EXISTS deliveries (
	subscription TEXT NOT NULL,
	fire_time INTEGER NOT NULL,
	status TEXT NOT NULL,
	reason TEXT NOT NULL DEFAULT '',
	since INTEGER NOT NULL,
	until INTEGER NOT NULL,
	attempts INTEGER NOT NULL DEFAULT 0,
	last_error TEXT NOT NULL DEFAULT '',
	posted_at INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (subscription, fire_time)
);
CREATE INDEX IF NOT EXISTS deliveries_status ON deliveries(status);
`

// tables runs the state transitions on the subscriptions and deliveries
// tables. Each method is one statement or one transaction.
type tables struct{ db *sql.DB }

// create creates the tables when missing (the schema is idempotent).
func (s *tables) create(ctx context.Context) error {
	if _, err := s.db.ExecContext(ctx, subscriptionSchema); err != nil {
		return fmt.Errorf("schedule: create tables: %w", err)
	}
	return nil
}

// ErrNotFound is returned for a subscription that does not exist.
var ErrNotFound = errors.New("schedule: not found")

// Subscription is a standing request for scheduled digests in one channel.
type Subscription struct {
	ID       string // chat subscriptions get "1", "2", ...; configured ones ConfigPrefix+platform+"-"+channel
	Platform string // "slack" or "discord"
	Channel  string
	Spec     string // schedule in canonical form, without its zone
	TZ       string // IANA zone name
	Topic    string // "" for everything new
	Created  time.Time
	// LastUntil is the end of the window of the last delivered (or
	// empty) digest; zero before the first.
	LastUntil time.Time
	Active    bool
}

// DeliveryStatus is the state of one (subscription, fire time).
type DeliveryStatus string

// Delivery states.
const (
	Pending   DeliveryStatus = "pending"   // to be posted (not yet tried, or the last try failed)
	Posting   DeliveryStatus = "posting"   // the platform is being called
	Posted    DeliveryStatus = "posted"    // the platform accepted it
	Skipped   DeliveryStatus = "skipped"   // not posted on purpose; Reason says why
	Uncertain DeliveryStatus = "uncertain" // interrupted while posting: never re-sent
)

// Reasons for Skipped deliveries.
const (
	ReasonEmpty        = "empty"        // nothing new in its window
	ReasonMissed       = "missed"       // fire time passed longer ago than the catch-up limit
	ReasonSuperseded   = "superseded"   // a later delivery's window covers it
	ReasonUnsubscribed = "unsubscribed" // the subscription was stopped first
)

// Delivery is one fire time of a subscription and what became of it.
type Delivery struct {
	Subscription string
	FireTime     time.Time
	Status       DeliveryStatus
	Reason       string
	Since, Until time.Time // the digest's window
	Attempts     int       // platform calls made
	LastError    string
	PostedAt     time.Time // zero unless posted
}

const subscriptionCols = `id, platform, channel, spec, tz, topic, created, last_until, active`

func scanSubscription(sc interface{ Scan(...any) error }) (Subscription, error) {
	var s Subscription
	var created, last int64
	err := sc.Scan(&s.ID, &s.Platform, &s.Channel, &s.Spec, &s.TZ, &s.Topic, &created, &last, &s.Active)
	s.Created, s.LastUntil = briefing.FromNanos(created), briefing.FromNanos(last)
	return s, err
}

// CreateSubscription stores a new active subscription and returns it with
// its ID (the next number, when sub.ID is "") and Created set to now.
func (s *tables) CreateSubscription(ctx context.Context, sub Subscription, now time.Time) (Subscription, error) {
	sub.Created, sub.Active, sub.LastUntil = now.UTC(), true, time.Time{}
	err := s.tx(ctx, func(tx *sql.Tx) error {
		if sub.ID == "" { // never reused: rows are deactivated, not deleted
			var seq int64
			if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(seq), 0) + 1 FROM subscriptions`).Scan(&seq); err != nil {
				return err
			}
			sub.ID = strconv.FormatInt(seq, 10)
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO subscriptions(id, platform, channel, spec, tz, topic, created) VALUES(?, ?, ?, ?, ?, ?, ?)`,
			sub.ID, sub.Platform, sub.Channel, sub.Spec, sub.TZ, sub.Topic, briefing.Nanos(sub.Created))
		return err
	})
	if err != nil {
		return Subscription{}, fmt.Errorf("schedule: create subscription: %w", err)
	}
	return sub, nil
}

// Subscription returns one subscription, active or not; ErrNotFound when
// there is none with that id.
func (s *tables) Subscription(ctx context.Context, id string) (Subscription, error) {
	sub, err := scanSubscription(s.db.QueryRowContext(ctx, `SELECT `+subscriptionCols+` FROM subscriptions WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Subscription{}, fmt.Errorf("schedule: subscription %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return Subscription{}, fmt.Errorf("schedule: subscription %s: %w", id, err)
	}
	return sub, nil
}

// SubscriptionFilter selects subscriptions; empty fields match all.
type SubscriptionFilter struct {
	Platform string
	Channel  string
	Active   bool // only active ones
}

// Subscriptions returns the subscriptions matching f, oldest first.
func (s *tables) Subscriptions(ctx context.Context, f SubscriptionFilter) ([]Subscription, error) {
	q := `SELECT ` + subscriptionCols + ` FROM subscriptions WHERE 1`
	var args []any
	if f.Platform != "" {
		q += ` AND platform = ?`
		args = append(args, f.Platform)
	}
	if f.Channel != "" {
		q += ` AND channel = ?`
		args = append(args, f.Channel)
	}
	if f.Active {
		q += ` AND active = 1`
	}
	rows, err := s.db.QueryContext(ctx, q+` ORDER BY seq`, args...)
	if err != nil {
		return nil, fmt.Errorf("schedule: subscriptions: %w", err)
	}
	defer rows.Close()
	var out []Subscription
	for rows.Next() {
		sub, err := scanSubscription(rows)
		if err != nil {
			return nil, fmt.Errorf("schedule: subscriptions: %w", err)
		}
		out = append(out, sub)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("schedule: subscriptions: %w", err)
	}
	return out, nil
}

// DeactivateSubscription stops a subscription; its pending deliveries are
// skipped. It reports whether the subscription was active.
func (s *tables) DeactivateSubscription(ctx context.Context, id string) (bool, error) {
	var was bool
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var err error
		was, err = deactivate(ctx, tx, id)
		return err
	})
	if err != nil {
		return false, fmt.Errorf("schedule: deactivate subscription %s: %w", id, err)
	}
	return was, nil
}

func deactivate(ctx context.Context, tx *sql.Tx, id string) (bool, error) {
	res, err := tx.ExecContext(ctx, `UPDATE subscriptions SET active = 0 WHERE id = ? AND active = 1`, id)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	if err != nil || n == 0 {
		return false, err
	}
	_, err = tx.ExecContext(ctx, `UPDATE deliveries SET status = ?, reason = ? WHERE subscription = ? AND status = ?`,
		Skipped, ReasonUnsubscribed, id, Pending)
	return true, err
}

// SyncSubscriptions makes the subscriptions whose id starts with prefix
// exactly subs (each with its ID set and starting with prefix): new ones
// are created, changed ones updated, and those no longer listed
// deactivated. One that comes back after being deactivated starts afresh:
// Created becomes now and its first digest covers the first window again.
// It runs in one transaction.
func (s *tables) SyncSubscriptions(ctx context.Context, prefix string, subs []Subscription, now time.Time) error {
	err := s.tx(ctx, func(tx *sql.Tx) error {
		keep := map[string]bool{}
		for _, sub := range subs {
			if sub.ID == "" || !strings.HasPrefix(sub.ID, prefix) {
				return fmt.Errorf("subscription id %q does not start with %q", sub.ID, prefix)
			}
			keep[sub.ID] = true
			var active bool
			err := tx.QueryRowContext(ctx, `SELECT active FROM subscriptions WHERE id = ?`, sub.ID).Scan(&active)
			switch {
			case errors.Is(err, sql.ErrNoRows):
				_, err = tx.ExecContext(ctx, `INSERT INTO subscriptions(id, platform, channel, spec, tz, topic, created) VALUES(?, ?, ?, ?, ?, ?, ?)`,
					sub.ID, sub.Platform, sub.Channel, sub.Spec, sub.TZ, sub.Topic, briefing.Nanos(now))
			case err != nil:
			case active:
				_, err = tx.ExecContext(ctx, `UPDATE subscriptions SET platform = ?, channel = ?, spec = ?, tz = ?, topic = ? WHERE id = ?`,
					sub.Platform, sub.Channel, sub.Spec, sub.TZ, sub.Topic, sub.ID)
			default:
				_, err = tx.ExecContext(ctx, `UPDATE subscriptions SET platform = ?, channel = ?, spec = ?, tz = ?, topic = ?,
					created = ?, last_until = 0, active = 1 WHERE id = ?`,
					sub.Platform, sub.Channel, sub.Spec, sub.TZ, sub.Topic, briefing.Nanos(now), sub.ID)
			}
			if err != nil {
				return err
			}
		}
		rows, err := tx.QueryContext(ctx, `SELECT id FROM subscriptions WHERE active = 1 AND substr(id, 1, ?) = ?`, len(prefix), prefix)
		if err != nil {
			return err
		}
		var gone []string
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			if !keep[id] {
				gone = append(gone, id)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, id := range gone {
			if _, err := deactivate(ctx, tx, id); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("schedule: sync subscriptions: %w", err)
	}
	return nil
}

const deliveryCols = `subscription, fire_time, status, reason, since, until, attempts, last_error, posted_at`

func scanDelivery(sc interface{ Scan(...any) error }) (Delivery, error) {
	var d Delivery
	var fire, since, until, posted int64
	err := sc.Scan(&d.Subscription, &fire, &d.Status, &d.Reason, &since, &until, &d.Attempts, &d.LastError, &posted)
	d.FireTime, d.Since, d.Until, d.PostedAt = briefing.FromNanos(fire), briefing.FromNanos(since), briefing.FromNanos(until), briefing.FromNanos(posted)
	return d, err
}

// LastFireTime returns the latest fire time of sub that has a delivery in
// any state, or the zero time when there is none.
func (s *tables) LastFireTime(ctx context.Context, sub string) (time.Time, error) {
	var n sql.NullInt64
	if err := s.db.QueryRowContext(ctx, `SELECT MAX(fire_time) FROM deliveries WHERE subscription = ?`, sub).Scan(&n); err != nil {
		return time.Time{}, fmt.Errorf("schedule: last fire time of %s: %w", sub, err)
	}
	return briefing.FromNanos(n.Int64), nil
}

// windowStart is where the digest for a new fire time of sub starts: the
// end of its last delivered window; before the first delivery, the start
// of its earliest recorded window (a first digest missed, superseded or
// interrupted, whose articles must not be lost), or fire-firstWindow.
func windowStart(ctx context.Context, tx *sql.Tx, sub string, fire time.Time, firstWindow time.Duration) (time.Time, error) {
	var last int64
	if err := tx.QueryRowContext(ctx, `SELECT last_until FROM subscriptions WHERE id = ?`, sub).Scan(&last); err != nil {
		return time.Time{}, err
	}
	if last != 0 {
		return briefing.FromNanos(last), nil
	}
	since := fire.Add(-firstWindow)
	var earliest sql.NullInt64
	if err := tx.QueryRowContext(ctx, `SELECT MIN(since) FROM deliveries WHERE subscription = ?`, sub).Scan(&earliest); err != nil {
		return time.Time{}, err
	}
	if earliest.Valid && briefing.FromNanos(earliest.Int64).Before(since) {
		since = briefing.FromNanos(earliest.Int64)
	}
	return since, nil
}

// PlanDelivery records fire as pending for sub, with the window from the
// subscription's last_until (before its first digest: the start of its
// first window, fire-firstWindow at the latest) to fire, and supersedes its
// older pending deliveries. When the delivery already exists it is
// returned unchanged, whatever its state. All in one transaction.
func (s *tables) PlanDelivery(ctx context.Context, sub string, fire time.Time, firstWindow time.Duration) (Delivery, error) {
	var d Delivery
	err := s.tx(ctx, func(tx *sql.Tx) error {
		since, err := windowStart(ctx, tx, sub, fire, firstWindow)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO deliveries(subscription, fire_time, status, since, until) VALUES(?, ?, ?, ?, ?)`,
			sub, briefing.Nanos(fire), Pending, briefing.Nanos(since), briefing.Nanos(fire)); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE deliveries SET status = ?, reason = ? WHERE subscription = ? AND status = ? AND fire_time < ?`,
			Skipped, ReasonSuperseded, sub, Pending, briefing.Nanos(fire)); err != nil {
			return err
		}
		d, err = scanDelivery(tx.QueryRowContext(ctx, `SELECT `+deliveryCols+` FROM deliveries WHERE subscription = ? AND fire_time = ?`, sub, briefing.Nanos(fire)))
		return err
	})
	if err != nil {
		return Delivery{}, fmt.Errorf("schedule: plan delivery %s@%s: %w", sub, fire.UTC().Format(time.RFC3339), err)
	}
	return d, nil
}

// SkipDelivery records fire as skipped for reason, with the window it would
// have had, unless the delivery already exists, and supersedes older
// pending deliveries. last_until is not advanced: the next digest carries
// their articles.
func (s *tables) SkipDelivery(ctx context.Context, sub string, fire time.Time, firstWindow time.Duration, reason string) error {
	err := s.tx(ctx, func(tx *sql.Tx) error {
		since, err := windowStart(ctx, tx, sub, fire, firstWindow)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO deliveries(subscription, fire_time, status, reason, since, until) VALUES(?, ?, ?, ?, ?, ?)`,
			sub, briefing.Nanos(fire), Skipped, reason, briefing.Nanos(since), briefing.Nanos(fire)); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE deliveries SET status = ?, reason = ? WHERE subscription = ? AND status = ? AND fire_time < ?`,
			Skipped, ReasonSuperseded, sub, Pending, briefing.Nanos(fire))
		return err
	})
	if err != nil {
		return fmt.Errorf("schedule: skip delivery %s@%s: %w", sub, fire.UTC().Format(time.RFC3339), err)
	}
	return nil
}

// Deliveries returns sub's deliveries in the given states (all when none
// is given), oldest fire time first.
func (s *tables) Deliveries(ctx context.Context, sub string, states ...DeliveryStatus) ([]Delivery, error) {
	q := `SELECT ` + deliveryCols + ` FROM deliveries WHERE subscription = ?`
	args := []any{sub}
	if len(states) > 0 {
		q += ` AND status IN (` + placeholders(len(states)) + `)`
		for _, st := range states {
			args = append(args, st)
		}
	}
	rows, err := s.db.QueryContext(ctx, q+` ORDER BY fire_time`, args...)
	if err != nil {
		return nil, fmt.Errorf("schedule: deliveries of %s: %w", sub, err)
	}
	defer rows.Close()
	var out []Delivery
	for rows.Next() {
		d, err := scanDelivery(rows)
		if err != nil {
			return nil, fmt.Errorf("schedule: deliveries of %s: %w", sub, err)
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("schedule: deliveries of %s: %w", sub, err)
	}
	return out, nil
}

// ErrNotPending is returned when a delivery is not in the state a
// transition needs: by BeginPost when it is no longer pending (posted,
// skipped or interrupted meanwhile), so it must not be sent.
var ErrNotPending = errors.New("schedule: delivery is not pending")

// BeginPost moves a pending delivery to posting and counts the attempt. It
// must succeed before the platform is called; ErrNotPending means the
// delivery must not be sent.
func (s *tables) BeginPost(ctx context.Context, sub string, fire time.Time) error {
	res, err := s.db.ExecContext(ctx, `UPDATE deliveries SET status = ?, attempts = attempts + 1 WHERE subscription = ? AND fire_time = ? AND status = ?`,
		Posting, sub, briefing.Nanos(fire), Pending)
	if err == nil {
		var n int64
		if n, err = res.RowsAffected(); err == nil && n == 0 {
			err = ErrNotPending
		}
	}
	if err != nil {
		return fmt.Errorf("schedule: begin post %s@%s: %w", sub, fire.UTC().Format(time.RFC3339), err)
	}
	return nil
}

// FailPost moves a posting delivery back to pending, recording why the
// platform refused it, so that it is tried again.
func (s *tables) FailPost(ctx context.Context, sub string, fire time.Time, reason string) error {
	_, err := s.db.ExecContext(ctx, `UPDATE deliveries SET status = ?, last_error = ? WHERE subscription = ? AND fire_time = ? AND status = ?`,
		Pending, reason, sub, briefing.Nanos(fire), Posting)
	if err != nil {
		return fmt.Errorf("schedule: fail post %s@%s: %w", sub, fire.UTC().Format(time.RFC3339), err)
	}
	return nil
}

// MarkPosted records that the platform accepted a posting (or uncertain)
// delivery and advances its subscription's last_until to the delivery's
// window end, in one transaction.
func (s *tables) MarkPosted(ctx context.Context, sub string, fire, postedAt time.Time) error {
	return s.finish(ctx, sub, fire, `UPDATE deliveries SET status = ?, posted_at = ?, last_error = ''
		WHERE subscription = ? AND fire_time = ? AND status IN (?, ?)`,
		Posted, briefing.Nanos(postedAt), sub, briefing.Nanos(fire), Posting, Uncertain)
}

// MarkEmpty records that a pending delivery had nothing to post (skipped,
// reason empty) and advances last_until past its window, in one
// transaction.
func (s *tables) MarkEmpty(ctx context.Context, sub string, fire time.Time) error {
	return s.finish(ctx, sub, fire, `UPDATE deliveries SET status = ?, reason = ? WHERE subscription = ? AND fire_time = ? AND status = ?`,
		Skipped, ReasonEmpty, sub, briefing.Nanos(fire), Pending)
}

// finish runs update on one delivery and, when it changed it, advances the
// subscription's last_until to the delivery's window end. ErrNotPending
// when the delivery was not in a state update accepts.
func (s *tables) finish(ctx context.Context, sub string, fire time.Time, update string, args ...any) error {
	err := s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, update, args...)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return ErrNotPending
		}
		_, err = tx.ExecContext(ctx, `UPDATE subscriptions SET last_until = max(last_until,
			(SELECT until FROM deliveries WHERE subscription = ? AND fire_time = ?)) WHERE id = ?`, sub, briefing.Nanos(fire), sub)
		return err
	})
	if err != nil {
		return fmt.Errorf("schedule: finish delivery %s@%s: %w", sub, fire.UTC().Format(time.RFC3339), err)
	}
	return nil
}

// MarkUncertain records that a posting delivery was interrupted in a way
// that leaves unknown whether the platform accepted it (a panic in the
// platform call). It is never sent again; last_until is not advanced past
// its window, so the next digest carries it, but it is advanced past the
// window of an earlier uncertain delivery, which this one carried (see
// carriedOnce).
func (s *tables) MarkUncertain(ctx context.Context, sub string, fire time.Time, reason string) error {
	err := s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE deliveries SET status = ?, last_error = ? WHERE subscription = ? AND fire_time = ? AND status = ?`,
			Uncertain, reason, sub, briefing.Nanos(fire), Posting)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return err
		}
		return carriedOnce(ctx, tx, sub, fire)
	})
	if err != nil {
		return fmt.Errorf("schedule: mark uncertain %s@%s: %w", sub, fire.UTC().Format(time.RFC3339), err)
	}
	return nil
}

// RecoverPosting marks every delivery still posting as uncertain and
// returns them. Call it once at start, before any delivery: a posting row
// then belongs to a process that died while calling the platform.
func (s *tables) RecoverPosting(ctx context.Context) ([]Delivery, error) {
	var out []Delivery
	err := s.tx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT `+deliveryCols+` FROM deliveries WHERE status = ? ORDER BY subscription, fire_time`, Posting)
		if err != nil {
			return err
		}
		for rows.Next() {
			d, err := scanDelivery(rows)
			if err != nil {
				rows.Close()
				return err
			}
			out = append(out, d)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if _, err = tx.ExecContext(ctx, `UPDATE deliveries SET status = ?, last_error = ? WHERE status = ?`,
			Uncertain, "interrupted while posting", Posting); err != nil {
			return err
		}
		for _, d := range out {
			if err := carriedOnce(ctx, tx, d.Subscription, d.FireTime); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("schedule: recover interrupted deliveries: %w", err)
	}
	for i := range out {
		out[i].Status, out[i].LastError = Uncertain, "interrupted while posting"
	}
	return out, nil
}

// carriedOnce runs when the delivery of sub at fire became uncertain: its
// window held the windows of the subscription's earlier uncertain
// deliveries (last_until did not move past them), so their articles have
// now been in two digests that may both have been shown. last_until moves
// past them, so that an article of an interrupted delivery goes into at
// most one later digest: at worst seen twice, however many deliveries in a
// row are interrupted. The delivery's own window is still carried by the
// next digest.
func carriedOnce(ctx context.Context, tx *sql.Tx, sub string, fire time.Time) error {
	_, err := tx.ExecContext(ctx, `UPDATE subscriptions SET last_until = max(last_until,
		coalesce((SELECT max(until) FROM deliveries WHERE subscription = ? AND status = ? AND fire_time < ?), 0)) WHERE id = ?`,
		sub, Uncertain, briefing.Nanos(fire), sub)
	return err
}

// tx runs fn in one write transaction, committed when fn returns nil.
// (A copy of the store's: schedule does not import briefing/store, so that
// bot, which uses schedule, does not depend on the storage package.)
func (s *tables) tx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?,", n), ",")
}
