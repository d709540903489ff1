package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// News feeds are kept in two tables. A feed row holds the feed's address,
// its conditional-GET validators and its polling state; a feed item row
// remembers every item ever taken from a feed (by the hex hash of its key:
// GUID, else link, else content) with the hash of its content, so an item
// seen again is neither new again nor fetched again, even after retention
// pruned its article. The articles themselves live in the articles table
// under the ID "feed/<feed id>/<item key hash>" and an empty Path.
const feedSchema = `
CREATE TABLE IF NOT EXISTS feeds (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	url TEXT NOT NULL UNIQUE,
	title TEXT NOT NULL DEFAULT '',
	site_url TEXT NOT NULL DEFAULT '',
	etag TEXT NOT NULL DEFAULT '',
	last_modified TEXT NOT NULL DEFAULT '',
	added INTEGER NOT NULL,
	last_poll INTEGER NOT NULL DEFAULT 0,
	last_ok INTEGER NOT NULL DEFAULT 0,
	next_poll INTEGER NOT NULL DEFAULT 0,
	failures INTEGER NOT NULL DEFAULT 0,
	last_error TEXT NOT NULL DEFAULT '',
	failing INTEGER NOT NULL DEFAULT 0,
	notified INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS feed_items (
	feed INTEGER NOT NULL,
	key TEXT NOT NULL,
	hash TEXT NOT NULL,
	published INTEGER NOT NULL DEFAULT 0,
	seen INTEGER NOT NULL,
	PRIMARY KEY (feed, key)
);
CREATE INDEX IF NOT EXISTS feed_items_hash ON feed_items(feed, hash);
`

// Feed is one stored news feed and its polling state.
type Feed struct {
	ID           int64
	URL          string
	Title        string // the feed's own title; "" until first parsed
	SiteURL      string
	ETag         string // validators of the last 200 response
	LastModified string
	Added        time.Time
	LastPoll     time.Time // zero: never polled
	LastOK       time.Time // zero: never polled successfully
	NextPoll     time.Time // zero: due now
	Failures     int       // consecutive failed polls
	LastError    string
	Failing      bool // failed for a long run of polls
	Notified     bool // the failing notice was sent for this run of failures
}

// FeedItem is one item ever taken from a feed.
type FeedItem struct {
	Key       string // hex hash of the item's GUID, link or content
	Hash      string // hex hash of the item's content
	Published time.Time
	Seen      time.Time
}

const feedCols = `id, url, title, site_url, etag, last_modified, added, last_poll, last_ok, next_poll, failures, last_error, failing, notified`

func scanFeed(sc interface{ Scan(...any) error }) (Feed, error) {
	var f Feed
	var added, poll, ok, next int64
	err := sc.Scan(&f.ID, &f.URL, &f.Title, &f.SiteURL, &f.ETag, &f.LastModified, &added, &poll, &ok, &next, &f.Failures, &f.LastError, &f.Failing, &f.Notified)
	f.Added, f.LastPoll, f.LastOK, f.NextPoll = FromNanos(added), FromNanos(poll), FromNanos(ok), FromNanos(next)
	return f, err
}

// AddFeed stores a new feed at url, due at next. When a feed with that URL
// exists already, it is returned with created false.
func (s *Store) AddFeed(ctx context.Context, url string, next, now time.Time) (f Feed, created bool, err error) {
	err = s.tx(ctx, func(tx *sql.Tx) error {
		f, err = scanFeed(tx.QueryRowContext(ctx, `SELECT `+feedCols+` FROM feeds WHERE url = ?`, url))
		if !errors.Is(err, sql.ErrNoRows) {
			return err // found (nil) or failed; a failed insert would use up an id
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO feeds(url, added, next_poll) VALUES(?, ?, ?)`, url, Nanos(now), Nanos(next)); err != nil {
			return err
		}
		created = true
		f, err = scanFeed(tx.QueryRowContext(ctx, `SELECT `+feedCols+` FROM feeds WHERE url = ?`, url))
		return err
	})
	if err != nil {
		return Feed{}, false, fmt.Errorf("store: add feed: %w", err)
	}
	return f, created, nil
}

// Feeds returns every feed, ordered by id.
func (s *Store) Feeds(ctx context.Context) ([]Feed, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+feedCols+` FROM feeds ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("store: feeds: %w", err)
	}
	defer rows.Close()
	var out []Feed
	for rows.Next() {
		f, err := scanFeed(rows)
		if err != nil {
			return nil, fmt.Errorf("store: feeds: %w", err)
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// Feed returns the feed with the given id, or ErrNotFound.
func (s *Store) Feed(ctx context.Context, id int64) (Feed, error) {
	f, err := scanFeed(s.db.QueryRowContext(ctx, `SELECT `+feedCols+` FROM feeds WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return f, fmt.Errorf("store: feed %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return f, fmt.Errorf("store: feed %d: %w", id, err)
	}
	return f, nil
}

// RemoveFeed deletes a feed and its item records (not its articles: the
// library removes those, with their index entries). It returns ErrNotFound
// when there is no such feed.
func (s *Store) RemoveFeed(ctx context.Context, id int64) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM feeds WHERE id = ?`, id)
		if err != nil {
			return fmt.Errorf("store: remove feed %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("store: remove feed %d: %w", id, ErrNotFound)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM feed_items WHERE feed = ?`, id); err != nil {
			return fmt.Errorf("store: remove feed %d: %w", id, err)
		}
		return nil
	})
}

// SaveFeedState records a feed's polling state: every field but ID and
// Added. Saving a URL another feed has is an error.
func (s *Store) SaveFeedState(ctx context.Context, f Feed) error {
	_, err := s.db.ExecContext(ctx, `UPDATE feeds SET url=?, title=?, site_url=?, etag=?, last_modified=?, last_poll=?, last_ok=?, next_poll=?, failures=?, last_error=?, failing=?, notified=? WHERE id=?`,
		f.URL, f.Title, f.SiteURL, f.ETag, f.LastModified, Nanos(f.LastPoll), Nanos(f.LastOK), Nanos(f.NextPoll), f.Failures, f.LastError, f.Failing, f.Notified, f.ID)
	if err != nil {
		return fmt.Errorf("store: save feed %d: %w", f.ID, err)
	}
	return nil
}

// FeedItems returns the items of feed whose Key is among keys or whose
// Hash is among hashes, keyed by Key.
func (s *Store) FeedItems(ctx context.Context, feed int64, keys, hashes []string) (map[string]FeedItem, error) {
	out := map[string]FeedItem{}
	for _, q := range []struct {
		col  string
		vals []string
	}{{"key", keys}, {"hash", hashes}} {
		for len(q.vals) > 0 {
			n := min(len(q.vals), 500)
			args := []any{feed}
			for _, v := range q.vals[:n] {
				args = append(args, v)
			}
			q.vals = q.vals[n:]
			rows, err := s.db.QueryContext(ctx, `SELECT key, hash, published, seen FROM feed_items WHERE feed = ? AND `+q.col+` IN (`+placeholders(n)+`)`, args...)
			if err != nil {
				return nil, fmt.Errorf("store: feed items: %w", err)
			}
			for rows.Next() {
				var it FeedItem
				var pub, seen int64
				if err := rows.Scan(&it.Key, &it.Hash, &pub, &seen); err != nil {
					rows.Close()
					return nil, fmt.Errorf("store: feed items: %w", err)
				}
				it.Published, it.Seen = FromNanos(pub), FromNanos(seen)
				out[it.Key] = it
			}
			err = rows.Err()
			rows.Close()
			if err != nil {
				return nil, fmt.Errorf("store: feed items: %w", err)
			}
		}
	}
	return out, nil
}

// CountFeedItems returns how many items each feed has ever yielded, by feed id.
func (s *Store) CountFeedItems(ctx context.Context) (map[int64]int, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT feed, count(*) FROM feed_items GROUP BY feed`)
	if err != nil {
		return nil, fmt.Errorf("store: count feed items: %w", err)
	}
	defer rows.Close()
	out := map[int64]int{}
	for rows.Next() {
		var id int64
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			return nil, fmt.Errorf("store: count feed items: %w", err)
		}
		out[id] = n
	}
	return out, rows.Err()
}

// PutFeedItems records items of feed (inserting or replacing by Key).
func (s *Store) PutFeedItems(ctx context.Context, feed int64, items []FeedItem) error {
	if len(items) == 0 {
		return nil
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		st, err := tx.PrepareContext(ctx, `INSERT INTO feed_items(feed, key, hash, published, seen) VALUES(?,?,?,?,?)
			ON CONFLICT(feed, key) DO UPDATE SET hash = excluded.hash, published = excluded.published`)
		if err != nil {
			return fmt.Errorf("store: put feed items: %w", err)
		}
		defer st.Close()
		for _, it := range items {
			if _, err := st.ExecContext(ctx, feed, it.Key, it.Hash, Nanos(it.Published), Nanos(it.Seen)); err != nil {
				return fmt.Errorf("store: put feed items: %w", err)
			}
		}
		return nil
	})
}

// ArticlesByID returns the articles with the given ids, keyed by id.
func (s *Store) ArticlesByID(ctx context.Context, ids []string) (map[string]Article, error) {
	out := make(map[string]Article, len(ids))
	for len(ids) > 0 {
		n := min(len(ids), 500)
		args := make([]any, n)
		for i, id := range ids[:n] {
			args[i] = id
		}
		ids = ids[n:]
		list, err := s.queryArticles(ctx, `SELECT `+articleCols+` FROM articles WHERE id IN (`+placeholders(n)+`)`, args...)
		if err != nil {
			return nil, err
		}
		for _, a := range list {
			out[a.ID] = a
		}
	}
	return out, nil
}

// ArticlesWithPrefix returns the articles whose ID starts with prefix and
// whose date (Published, else FirstSeen) is before cutoff; a zero cutoff
// matches every date.
func (s *Store) ArticlesWithPrefix(ctx context.Context, prefix string, cutoff time.Time) ([]Article, error) {
	q := `SELECT ` + articleCols + ` FROM articles WHERE substr(id, 1, ?) = ?`
	args := []any{len(prefix), prefix}
	if !cutoff.IsZero() {
		q += ` AND (CASE WHEN published != 0 THEN published * 1000000000 ELSE first_seen END) < ?`
		args = append(args, cutoff.UnixNano())
	}
	return s.queryArticles(ctx, q+` ORDER BY ord`, args...)
}
