package briefing

import (
	"context"
	"errors"
	"time"
)

// Store is what a Library needs from its durable storage: the articles and
// passages of the corpus, tombstones, metadata and the data directory's
// write lock. briefing/store implements it over SQLite; briefing does not
// import it. All methods must be safe for concurrent use.
type Store interface {
	// Dir is the data directory; the persisted index lives there.
	Dir() string
	// LockWrites takes the data directory's write lock, shared by every
	// process that writes the corpus, and returns its release.
	LockWrites(ctx context.Context) (unlock func(), err error)
	// Check returns an error wrapping ErrStoreLost once the storage was
	// removed or replaced under the open store.
	Check() error
	// QuickCheck verifies the storage's integrity.
	QuickCheck(ctx context.Context) error
	// Checkpoint folds pending writes into the main file.
	Checkpoint(ctx context.Context) error
	// IsFull reports whether err, returned by a write, means the disk or
	// the database is full.
	IsFull(err error) bool

	// Generation is the corpus generation: every committed transaction
	// that put or deleted an article increments it, in any process.
	Generation(ctx context.Context) (uint64, error)
	Meta(ctx context.Context, key string) (string, error) // "" when unset
	SetMeta(ctx context.Context, key, value string) error

	Articles(ctx context.Context) ([]StoredArticle, error) // ordered by Ord
	// Stamps returns the stamps of the articles that have a path (the
	// corpus folder's), ordered by Path.
	Stamps(ctx context.Context) ([]Stamp, error)
	// Paths returns the paths of the articles directly in the corpus
	// folder dir ("." the root), sorted, a path two articles share given
	// twice.
	Paths(ctx context.Context, dir string) ([]string, error)
	// PathCount returns how many articles have a path, or limit when
	// more do.
	PathCount(ctx context.Context, limit int) (int, error)
	// StampsOf returns the stamps of the articles whose Path is in paths,
	// and StampsUnder those under the folder dir, ordered by Path; they
	// cost what they return, not the corpus.
	StampsOf(ctx context.Context, paths []string) ([]Stamp, error)
	StampsUnder(ctx context.Context, dir string) ([]Stamp, error)
	// ArticlesMatching returns, each once and ordered by Ord, the articles
	// whose Path is in paths, ID in ids or Hash in hashes.
	ArticlesMatching(ctx context.Context, paths, ids, hashes []string) ([]StoredArticle, error)
	ArticleStats(ctx context.Context) (n int, earliest, latest time.Time, err error)
	LatestArticles(ctx context.Context, n int) ([]StoredArticle, error)
	ArticlesSeen(ctx context.Context, since, until time.Time) ([]StoredArticle, error)
	ArticlesByOrd(ctx context.Context, ords []int64) (map[int64]StoredArticle, error)
	ArticlesByID(ctx context.Context, ids []string) (map[string]StoredArticle, error)
	ArticlesWithPrefix(ctx context.Context, prefix string, cutoff time.Time) ([]StoredArticle, error)
	// Tombstones returns the hashes of articles deleted since since, with
	// when each was first seen.
	Tombstones(ctx context.Context, since time.Time) (map[string]time.Time, error)
	// TombstonesOf is Tombstones restricted to the given hashes.
	TombstonesOf(ctx context.Context, since time.Time, hashes []string) (map[string]time.Time, error)

	Passages(ctx context.Context, ids []int64) (map[int64]StoredPassage, error)
	ArticlePassages(ctx context.Context, ord int64) ([]StoredPassage, error) // ordered by Seq
	EachPassage(ctx context.Context, fn func(StoredPassage) error) error

	// Update runs fn in one write transaction, committed when fn returns
	// nil. The Tx must not be used after fn returns, except for its
	// Generation.
	Update(ctx context.Context, fn func(Tx) error) error
}

// Tx is a write transaction over the corpus (see Store.Update).
type Tx interface {
	// PutArticle inserts a new article (a.Ord == 0) or replaces an
	// existing one's fields and passages; it sets a.Ord (new) and the
	// passages' IDs.
	PutArticle(ctx context.Context, a *StoredArticle, passages []StoredPassage) error
	// Touch records a file's new path, size and modification time.
	Touch(ctx context.Context, ord int64, path string, size int64, mtime time.Time) error
	DeleteArticle(ctx context.Context, ord int64) error
	// Tombstone remembers a deleted article's content hash.
	Tombstone(ctx context.Context, hash string, firstSeen, deleted time.Time) error
	PruneTombstones(ctx context.Context, before time.Time) error
	// Generation is the corpus generation the transaction committed, 0
	// until it has committed or when it changed no article.
	Generation() uint64
}

// StoredArticle is one stored article. Ord is its stable numeric id (never
// reused).
type StoredArticle struct {
	Ord       int64
	ID        string
	Path      string
	Title     string
	Source    string
	Author    string
	URL       string
	Published time.Time // zero when unknown
	Hash      string
	Size      int64
	ModTime   time.Time
	FirstSeen time.Time
}

// StoredPassage is one stored passage. IDs increase and are never reused.
type StoredPassage struct {
	ID      int64
	Article int64 // StoredArticle.Ord
	Seq     int
	Start   int
	End     int
	Text    string
}

// Stamp is what a corpus re-scan compares with a file: the article's Ord,
// Path, Size and ModTime.
type Stamp struct {
	Ord     int64
	Path    string
	Size    int64
	ModTime time.Time // zero when unknown
}

// ErrStoreLost is wrapped by Store.Check's error once the database file has
// been removed, replaced by another file or truncated under the open store:
// what the store reads and writes from then on is not the data it opened.
var ErrStoreLost = errors.New("the database file was removed, replaced or truncated while open")

// Nanos is how every table in the database keeps a time (briefing/store's
// and briefing/schedule's alike): Unix nanoseconds, 0 for the zero time. It
// lives here, with the stored types, so that the packages that keep tables
// share one encoding without depending on each other.
func Nanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

// FromNanos is the inverse of Nanos, in UTC.
func FromNanos(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}
