package feeds

import (
	"context"
	"errors"
	"time"
)

// Store is what a Poller needs from durable storage: the feed list, each
// feed's polling state and the items every feed has yielded.
// briefing/store implements it; feeds does not import it. All methods must
// be safe for concurrent use.
type Store interface {
	// AddFeed stores a new feed at url, due at next. When a feed with that
	// URL exists already, it is returned with created false.
	AddFeed(ctx context.Context, url string, next, now time.Time) (f StoredFeed, created bool, err error)
	// Feed returns the feed with the given id; its error wraps ErrNotFound
	// when there is none.
	Feed(ctx context.Context, id int64) (StoredFeed, error)
	// Feeds returns every feed, ordered by id.
	Feeds(ctx context.Context) ([]StoredFeed, error)
	// RemoveFeed deletes a feed and its item records (not its articles);
	// its error wraps ErrNotFound when there is no such feed.
	RemoveFeed(ctx context.Context, id int64) error
	// SaveFeedState records a feed's polling state: every field but ID and
	// Added.
	SaveFeedState(ctx context.Context, f StoredFeed) error
	// FeedItems returns the items of feed whose Key is among keys or whose
	// Hash is among hashes, keyed by Key.
	FeedItems(ctx context.Context, feed int64, keys, hashes []string) (map[string]StoredItem, error)
	// CountFeedItems returns how many items each feed has ever yielded, by
	// feed id.
	CountFeedItems(ctx context.Context) (map[int64]int, error)
	// PutFeedItems records items of feed (inserting or replacing by Key).
	PutFeedItems(ctx context.Context, feed int64, items []StoredItem) error
}

// StoredFeed is one stored news feed and its polling state.
type StoredFeed struct {
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

// StoredItem is one item ever taken from a feed.
type StoredItem struct {
	Key       string // hex hash of the item's GUID, link or content
	Hash      string // hex hash of the item's content
	Published time.Time
	Seen      time.Time
}

// ErrNotFound is wrapped by the errors of Store.Feed, Store.RemoveFeed and
// Poller.Remove when there is no such feed. briefing/store returns it for
// any missing row (its ErrNotFound is this value).
var ErrNotFound = errors.New("store: not found")
