// Package store keeps briefbot's durable state in one embedded SQLite
// database (modernc.org/sqlite, pure Go): the articles and passages of the
// corpus, the feeds articles come from, the content hashes of recently
// deleted articles (tombstones), and small key/value metadata (among them
// the corpus generation). Other packages keep their own tables in the same
// database through DB (briefing/schedule: subscriptions and deliveries).
// The data directory's locks (lock.go) let one serve and the CLI share it.
// Store implements briefing.Store and feeds.Store: the domain declares what
// it needs and the types it exchanges, and this package imports it (its
// Article, Passage, Stamp, Feed and FeedItem are aliases of those types).
// All methods are safe for concurrent use.
package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"briefbot/briefing"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// FileName is the database file inside the data directory.
const FileName = "briefbot.db"

// Store is the embedded database.
type Store struct {
	db   *sql.DB
	dir  string
	path string

	identMu sync.Mutex  // guards ident, size and lost
	ident   os.FileInfo // the database file Open opened
	size    int64       // its size at the last Check
	lost    error       // set once Check finds the file gone or replaced

	stmtMu sync.Mutex
	stmts  map[string]*sql.Stmt // prepared read queries, by text
}

// Article is one stored article (see briefing.StoredArticle).
type Article = briefing.StoredArticle

// Passage is one stored passage (see briefing.StoredPassage).
type Passage = briefing.StoredPassage

// Store implements briefing.Store.
var _ briefing.Store = (*Store)(nil)

const schema = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS articles (
	ord INTEGER PRIMARY KEY AUTOINCREMENT,
	id TEXT NOT NULL UNIQUE,
	path TEXT NOT NULL,
	title TEXT NOT NULL DEFAULT '',
	source TEXT NOT NULL DEFAULT '',
	author TEXT NOT NULL DEFAULT '',
	url TEXT NOT NULL DEFAULT '',
	published INTEGER NOT NULL DEFAULT 0,
	hash TEXT NOT NULL,
	size INTEGER NOT NULL,
	mtime INTEGER NOT NULL,
	first_seen INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS articles_first_seen ON articles(first_seen);
CREATE TABLE IF NOT EXISTS passages (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	article INTEGER NOT NULL,
	seq INTEGER NOT NULL,
	start INTEGER NOT NULL,
	end INTEGER NOT NULL,
	text TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS passages_article ON passages(article, seq);
`

// lookupSchema indexes what a re-scan of the corpus compares and looks up:
// the stamps in path order (Stamps, a covering index), the articles by
// content hash (ArticlesMatching), and the paths by folder (Paths: the
// folder of "a/b.txt" is "a/", of "b.txt" ""). CREATE INDEX IF NOT EXISTS:
// a database made before them gets them at its next Open (a one-time
// cost, a few seconds for 1M articles).
const lookupSchema = `
CREATE INDEX IF NOT EXISTS articles_path ON articles(path, size, mtime);
CREATE INDEX IF NOT EXISTS articles_hash ON articles(hash);
CREATE INDEX IF NOT EXISTS articles_dir ON articles(` + folderOf + `, path);
`

// folderOf is the SQL of a path's folder with its slash ("" for the root):
// the path without the characters after its last slash.
const folderOf = `rtrim(path, replace(path, '/', ''))`

// Open opens (creating when needed) the store in dir.
func Open(ctx context.Context, dir string) (*Store, error) {
	return OpenWith(ctx, dir, Options{})
}

// OpenWith is Open with options.
func OpenWith(ctx context.Context, dir string, opt Options) (*Store, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("store: create data dir: %w", err)
	}
	path := filepath.Join(dir, FileName)
	dsn := "file:" + path + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_txlock=immediate"
	if opt.MaxBytes > 0 {
		dsn += fmt.Sprintf("&_pragma=max_page_count(%d)", max(opt.MaxBytes/4096, 1))
	}
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	db.SetMaxOpenConns(4)
	// Each schema is idempotent; other files of this package add theirs here.
	for _, stmt := range []string{schema, lookupSchema, feedSchema, safetySchema, embedSchema} {
		if _, err := db.ExecContext(ctx, stmt); err != nil {
			db.Close()
			return nil, fmt.Errorf("store: open %s: %w", path, err)
		}
	}
	fi, err := os.Stat(path)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	return &Store{db: db, dir: dir, path: path, ident: fi, size: fi.Size(), stmts: map[string]*sql.Stmt{}}, nil
}

// Dir is the data directory the store lives in.
func (s *Store) Dir() string { return s.dir }

// Close closes the database.
func (s *Store) Close() error {
	s.stmtMu.Lock()
	for q, st := range s.stmts {
		st.Close()
		delete(s.stmts, q)
	}
	s.stmtMu.Unlock()
	return s.db.Close()
}

// maxPrepared bounds the IN lists whose queries are kept prepared (one
// statement for each length), and so the statements kept.
const maxPrepared = 64

// query runs a read query through a statement prepared once: answering a
// question looks passages up one by one, and parsing the SQL each time
// would cost more than the lookup.
func (s *Store) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	s.stmtMu.Lock()
	st, ok := s.stmts[q]
	if !ok {
		var err error
		if st, err = s.db.PrepareContext(ctx, q); err != nil {
			s.stmtMu.Unlock()
			return nil, err
		}
		s.stmts[q] = st
	}
	s.stmtMu.Unlock()
	return st.QueryContext(ctx, args...)
}

// queryIn runs q, whose IN list has len(args) placeholders, prepared when
// the list is short.
func (s *Store) queryIn(ctx context.Context, q string, args []any) (*sql.Rows, error) {
	if len(args) <= maxPrepared {
		return s.query(ctx, q, args...)
	}
	return s.db.QueryContext(ctx, q, args...)
}

// Meta returns the value stored under key, "" when absent.
func (s *Store) Meta(ctx context.Context, key string) (string, error) {
	var v string
	err := s.db.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = ?`, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("store: meta %s: %w", key, err)
	}
	return v, nil
}

// SetMeta stores value under key.
func (s *Store) SetMeta(ctx context.Context, key, value string) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO meta(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`, key, value)
	if err != nil {
		return fmt.Errorf("store: set meta %s: %w", key, err)
	}
	return nil
}

const articleCols = `ord, id, path, title, source, author, url, published, hash, size, mtime, first_seen`

func scanArticle(sc interface{ Scan(...any) error }) (Article, error) {
	var a Article
	var pub, mtime, seen int64
	err := sc.Scan(&a.Ord, &a.ID, &a.Path, &a.Title, &a.Source, &a.Author, &a.URL, &pub, &a.Hash, &a.Size, &mtime, &seen)
	if pub != 0 {
		a.Published = time.Unix(pub, 0).UTC()
	}
	if mtime != 0 {
		a.ModTime = time.Unix(0, mtime).UTC()
	}
	a.FirstSeen = time.Unix(0, seen).UTC()
	return a, err
}

// Articles returns every article, ordered by Ord.
func (s *Store) Articles(ctx context.Context) ([]Article, error) {
	return s.queryArticles(ctx, `SELECT `+articleCols+` FROM articles ORDER BY ord`)
}

// Stamp is what a corpus re-scan compares with a file (see briefing.Stamp).
type Stamp = briefing.Stamp

// Stamps returns the Stamp of every article that has a path (the corpus
// folder's, not the feeds'), ordered by Path: one read of the
// articles_path index, which a scan merges with the folder's sorted
// listing.
func (s *Store) Stamps(ctx context.Context) ([]Stamp, error) {
	return s.stamps(ctx, `SELECT ord, path, size, mtime FROM articles WHERE path > '' ORDER BY path`)
}

// pathsChunk is how many paths Paths asks SQLite to join into one value.
const pathsChunk = 4096

// Paths returns the paths of the articles directly in the corpus folder
// dir ("." the root), sorted, a path two articles share given twice: what
// a scan of a changed folder needs to tell new names from known ones.
// SQLite joins them pathsChunk at a time into one value, so a folder of a
// million files costs a few hundred rows instead of a million; a path
// holding the separator (a newline, which file names may contain) makes
// it read them row by row instead.
func (s *Store) Paths(ctx context.Context, dir string) ([]string, error) {
	key := dir + "/"
	if dir == "." {
		key = ""
	}
	var chunks [][]string // joined at the end: growing one slice would copy it again and again
	for last := key; ; {
		var n int
		var joined sql.NullString
		rows, err := s.query(ctx, `SELECT count(*), group_concat(path, char(10)) FROM (SELECT path FROM articles WHERE `+folderOf+` = ? AND path > ? ORDER BY path LIMIT `+fmt.Sprint(pathsChunk)+`)`, key, last)
		if err == nil {
			err = scanOne(rows, &n, &joined)
		}
		if err != nil {
			return nil, fmt.Errorf("store: paths: %w", err)
		}
		if n == 0 {
			break
		}
		chunk := strings.Split(joined.String, "\n")
		if len(chunk) != n || !slices.IsSorted(chunk) {
			return s.pathRows(ctx, key)
		}
		chunks = append(chunks, chunk)
		if n < pathsChunk {
			break
		}
		// The next chunk starts past last: articles sharing it beyond this
		// chunk's end are added here.
		last = chunk[n-1]
		had := 0
		for i := n - 1; i >= 0 && chunk[i] == last; i-- {
			had++
		}
		var all int
		rows, err = s.query(ctx, `SELECT count(*) FROM articles WHERE path = ?`, last)
		if err == nil {
			err = scanOne(rows, &all)
		}
		if err != nil {
			return nil, fmt.Errorf("store: paths: %w", err)
		}
		if all > had {
			chunks = append(chunks, slices.Repeat([]string{last}, all-had))
		}
	}
	return slices.Concat(chunks...), nil
}

// pathRows is Paths read row by row; key is the folder with its slash.
func (s *Store) pathRows(ctx context.Context, key string) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT path FROM articles WHERE `+folderOf+` = ? AND path > ? ORDER BY path`, key, key)
	if err != nil {
		return nil, fmt.Errorf("store: paths: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var p string
		if err := rows.Scan(&p); err != nil {
			return nil, fmt.Errorf("store: paths: %w", err)
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: paths: %w", err)
	}
	return out, nil
}

// PathCount returns how many articles have a path (the corpus folder's),
// or limit when more do: the count stops there.
func (s *Store) PathCount(ctx context.Context, limit int) (int, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT 1 FROM articles WHERE path > '' LIMIT ?)`, limit).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count paths: %w", err)
	}
	return n, nil
}

// scanOne scans the first row of rows into dest and closes them.
func scanOne(rows *sql.Rows, dest ...any) error {
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return err
		}
		return sql.ErrNoRows
	}
	if err := rows.Scan(dest...); err != nil {
		return err
	}
	return rows.Close()
}

// matchChunk is the most values one IN list holds (ArticlesMatching,
// ArticlesByOrd, Passages): SQLite refuses a statement with more than
// 32766 parameters, and a mass delete or a wide question can ask for more.
const matchChunk = 500

// ArticlesMatching returns the articles whose path is in paths, whose ID
// is in ids or whose Hash is in hashes, each once, ordered by Ord: what a
// refresh that changed a few files needs to know of the store, read
// through indexes instead of reading every article.
func (s *Store) ArticlesMatching(ctx context.Context, paths, ids, hashes []string) ([]Article, error) {
	seen := map[int64]bool{}
	var out []Article
	for _, by := range []struct {
		col  string
		vals []string
	}{{"path", paths}, {"id", ids}, {"hash", hashes}} {
		for vals := by.vals; len(vals) > 0; {
			n := min(len(vals), matchChunk)
			args := make([]any, n)
			for i, v := range vals[:n] {
				args[i] = v
			}
			vals = vals[n:]
			list, err := s.queryArticlesIn(ctx, `SELECT `+articleCols+` FROM articles WHERE `+by.col+` IN (`+placeholders(n)+`)`, args)
			if err != nil {
				return nil, err
			}
			for _, a := range list {
				if !seen[a.Ord] {
					seen[a.Ord] = true
					out = append(out, a)
				}
			}
		}
	}
	slices.SortFunc(out, func(a, b Article) int { return cmp.Compare(a.Ord, b.Ord) })
	return out, nil
}

// ArticleStats returns how many articles there are and the earliest and
// latest known publication dates (zero when no article has one), without
// reading the articles.
func (s *Store) ArticleStats(ctx context.Context) (n int, earliest, latest time.Time, err error) {
	var lo, hi sql.NullInt64
	err = s.db.QueryRowContext(ctx, `SELECT count(*), min(NULLIF(published, 0)), max(NULLIF(published, 0)) FROM articles`).Scan(&n, &lo, &hi)
	if err != nil {
		return 0, earliest, latest, fmt.Errorf("store: article stats: %w", err)
	}
	if lo.Valid {
		earliest = time.Unix(lo.Int64, 0).UTC()
	}
	if hi.Valid {
		latest = time.Unix(hi.Int64, 0).UTC()
	}
	return n, earliest, latest, nil
}

// LatestArticles returns the n articles added last (the highest Ords),
// ordered by Ord: the tail of Articles.
func (s *Store) LatestArticles(ctx context.Context, n int) ([]Article, error) {
	return s.queryArticles(ctx, `SELECT * FROM (SELECT `+articleCols+` FROM articles ORDER BY ord DESC LIMIT ?) ORDER BY ord`, n)
}

// ArticlesSeen returns the articles first seen in [since, until), oldest first.
func (s *Store) ArticlesSeen(ctx context.Context, since, until time.Time) ([]Article, error) {
	return s.queryArticles(ctx, `SELECT `+articleCols+` FROM articles WHERE first_seen >= ? AND first_seen < ? ORDER BY first_seen, ord`,
		since.UnixNano(), until.UnixNano())
}

// ArticlesByOrd returns the articles with the given ords, keyed by ord.
func (s *Store) ArticlesByOrd(ctx context.Context, ords []int64) (map[int64]Article, error) {
	out := make(map[int64]Article, len(ords))
	if len(ords) == 0 {
		return out, nil
	}
	for len(ords) > 0 {
		n := min(len(ords), matchChunk)
		list, err := s.queryArticlesIn(ctx, `SELECT `+articleCols+` FROM articles WHERE ord IN (`+placeholders(n)+`)`, int64Args(ords[:n]))
		if err != nil {
			return out, err
		}
		for _, a := range list {
			out[a.Ord] = a
		}
		ords = ords[n:]
	}
	return out, nil
}

func (s *Store) queryArticles(ctx context.Context, q string, args ...any) ([]Article, error) {
	return s.scanArticles(s.db.QueryContext(ctx, q, args...))
}

func (s *Store) queryArticlesIn(ctx context.Context, q string, args []any) ([]Article, error) {
	return s.scanArticles(s.queryIn(ctx, q, args))
}

func (s *Store) scanArticles(rows *sql.Rows, err error) ([]Article, error) {
	if err != nil {
		return nil, fmt.Errorf("store: articles: %w", err)
	}
	defer rows.Close()
	var out []Article
	for rows.Next() {
		a, err := scanArticle(rows)
		if err != nil {
			return nil, fmt.Errorf("store: articles: %w", err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: articles: %w", err)
	}
	return out, nil
}

// Passages returns the passages with the given ids, keyed by id.
func (s *Store) Passages(ctx context.Context, ids []int64) (map[int64]Passage, error) {
	out := make(map[int64]Passage, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	for len(ids) > 0 {
		n := min(len(ids), matchChunk)
		if err := s.passagesIn(ctx, ids[:n], out); err != nil {
			return nil, err
		}
		ids = ids[n:]
	}
	return out, nil
}

// passagesIn adds the passages whose id is in ids (one IN list) to out.
func (s *Store) passagesIn(ctx context.Context, ids []int64, out map[int64]Passage) error {
	rows, err := s.queryIn(ctx, `SELECT id, article, seq, start, end, text FROM passages WHERE id IN (`+placeholders(len(ids))+`)`, int64Args(ids))
	if err != nil {
		return fmt.Errorf("store: passages: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var p Passage
		if err := rows.Scan(&p.ID, &p.Article, &p.Seq, &p.Start, &p.End, &p.Text); err != nil {
			return fmt.Errorf("store: passages: %w", err)
		}
		out[p.ID] = p
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: passages: %w", err)
	}
	return nil
}

// ArticlePassages returns the passages of one article in order.
func (s *Store) ArticlePassages(ctx context.Context, ord int64) ([]Passage, error) {
	rows, err := s.query(ctx, `SELECT id, article, seq, start, end, text FROM passages WHERE article = ? ORDER BY seq`, ord)
	if err != nil {
		return nil, fmt.Errorf("store: passages of article %d: %w", ord, err)
	}
	defer rows.Close()
	var out []Passage
	for rows.Next() {
		var p Passage
		if err := rows.Scan(&p.ID, &p.Article, &p.Seq, &p.Start, &p.End, &p.Text); err != nil {
			return nil, fmt.Errorf("store: passages of article %d: %w", ord, err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// EachPassage calls fn for every passage in id order, stopping at fn's first error.
func (s *Store) EachPassage(ctx context.Context, fn func(Passage) error) error {
	rows, err := s.db.QueryContext(ctx, `SELECT id, article, seq, start, end, text FROM passages ORDER BY id`)
	if err != nil {
		return fmt.Errorf("store: scan passages: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var p Passage
		if err := rows.Scan(&p.ID, &p.Article, &p.Seq, &p.Start, &p.End, &p.Text); err != nil {
			return fmt.Errorf("store: scan passages: %w", err)
		}
		if err := fn(p); err != nil {
			return err
		}
	}
	return rows.Err()
}

// Tx is a write transaction over the corpus tables.
type Tx struct {
	tx       *sql.Tx
	insArt   *sql.Stmt
	updArt   *sql.Stmt
	insPass  map[int]*sql.Stmt    // multi-row passage inserts, by rows
	stmts    map[string]*sql.Stmt // other writes, prepared at first use
	nextPass int64                // the next passage id; 0 until read
	args     []any                // reused arguments of insPass
	dirty    bool                 // an article was put or deleted
	gen      uint64               // the corpus generation committed
}

// passRows is the most passages one INSERT writes.
const passRows = 64

// Update runs fn in one write transaction, committed when fn returns nil;
// the briefing.Tx it gets is a *Tx.
// A transaction that puts or deletes an article increments the corpus
// generation (see Generation).
func (s *Store) Update(ctx context.Context, fn func(briefing.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	defer tx.Rollback()
	t := &Tx{tx: tx, insPass: map[int]*sql.Stmt{}, stmts: map[string]*sql.Stmt{}}
	if t.insArt, err = tx.PrepareContext(ctx, `INSERT INTO articles(id, path, title, source, author, url, published, hash, size, mtime, first_seen) VALUES(?,?,?,?,?,?,?,?,?,?,?)`); err != nil {
		return fmt.Errorf("store: prepare: %w", err)
	}
	if t.updArt, err = tx.PrepareContext(ctx, `UPDATE articles SET path=?, title=?, source=?, author=?, url=?, published=?, hash=?, size=?, mtime=? WHERE ord=?`); err != nil {
		return fmt.Errorf("store: prepare: %w", err)
	}
	if err := fn(t); err != nil {
		return err
	}
	if t.dirty {
		if err := t.bump(ctx); err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		t.gen = 0
		return fmt.Errorf("store: commit: %w", err)
	}
	return nil
}

// PutArticle inserts a new article (a.Ord == 0) or replaces an existing
// one's fields and passages (a.Ord != 0; FirstSeen is kept). The passages'
// ids are set on return.
func (t *Tx) PutArticle(ctx context.Context, a *Article, passages []Passage) error {
	t.dirty = true
	pub := int64(0)
	if !a.Published.IsZero() {
		pub = a.Published.Unix()
	}
	mtime := int64(0)
	if !a.ModTime.IsZero() {
		mtime = a.ModTime.UnixNano()
	}
	if a.Ord == 0 {
		res, err := t.insArt.ExecContext(ctx, a.ID, a.Path, a.Title, a.Source, a.Author, a.URL, pub, a.Hash, a.Size, mtime, a.FirstSeen.UnixNano())
		if err == nil {
			a.Ord, err = res.LastInsertId()
		}
		if err != nil {
			return fmt.Errorf("store: insert article %s: %w", a.ID, err)
		}
	} else {
		if _, err := t.updArt.ExecContext(ctx, a.Path, a.Title, a.Source, a.Author, a.URL, pub, a.Hash, a.Size, mtime, a.Ord); err != nil {
			return fmt.Errorf("store: update article %s: %w", a.ID, err)
		}
		if _, err := t.exec(ctx, `DELETE FROM passages WHERE article = ?`, a.Ord); err != nil {
			return fmt.Errorf("store: replace passages of %s: %w", a.ID, err)
		}
	}
	for len(passages) > 0 {
		n := min(len(passages), passRows)
		if err := t.insertPassages(ctx, a.Ord, passages[:n]); err != nil {
			return fmt.Errorf("store: insert passages of %s: %w", a.ID, err)
		}
		passages = passages[n:]
	}
	return nil
}

// insertPassages writes ps in one statement, under ids it chooses: the next
// ones after every id ever used, so ids still increase and are never
// reused (AUTOINCREMENT records explicit ids too).
func (t *Tx) insertPassages(ctx context.Context, ord int64, ps []Passage) error {
	if t.nextPass == 0 {
		var used int64
		err := t.tx.QueryRowContext(ctx, `SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'passages'), 0), coalesce((SELECT max(id) FROM passages), 0))`).Scan(&used)
		if err != nil {
			return err
		}
		t.nextPass = used + 1
	}
	st, ok := t.insPass[len(ps)]
	if !ok {
		var err error
		q := `INSERT INTO passages(id, article, seq, start, end, text) VALUES ` + strings.TrimSuffix(strings.Repeat("(?,?,?,?,?,?),", len(ps)), ",")
		if st, err = t.tx.PrepareContext(ctx, q); err != nil {
			return err
		}
		t.insPass[len(ps)] = st
	}
	args := t.args[:0]
	for i := range ps {
		p := &ps[i]
		p.ID, p.Article = t.nextPass+int64(i), ord
		// int64, a driver value as it is: an int would be boxed twice.
		args = append(args, p.ID, ord, int64(p.Seq), int64(p.Start), int64(p.End), p.Text)
	}
	t.args = args
	if _, err := st.ExecContext(ctx, args...); err != nil {
		return err
	}
	t.nextPass += int64(len(ps))
	return nil
}

// Touch records a new path, size and modification time for an article
// whose content is unchanged.
func (t *Tx) Touch(ctx context.Context, ord int64, path string, size int64, mtime time.Time) error {
	m := int64(0)
	if !mtime.IsZero() {
		m = mtime.UnixNano()
	}
	if _, err := t.exec(ctx, `UPDATE articles SET path = ?, size = ?, mtime = ? WHERE ord = ?`, path, size, m, ord); err != nil {
		return fmt.Errorf("store: touch article %d: %w", ord, err)
	}
	return nil
}

// DeleteArticle removes an article and its passages.
func (t *Tx) DeleteArticle(ctx context.Context, ord int64) error {
	t.dirty = true
	if _, err := t.exec(ctx, `DELETE FROM passages WHERE article = ?`, ord); err != nil {
		return fmt.Errorf("store: delete passages of %d: %w", ord, err)
	}
	if _, err := t.exec(ctx, `DELETE FROM articles WHERE ord = ?`, ord); err != nil {
		return fmt.Errorf("store: delete article %d: %w", ord, err)
	}
	return nil
}

// exec runs q through a statement prepared once per transaction: a
// refresh touches or deletes articles by the hundred.
func (t *Tx) exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	st, ok := t.stmts[q]
	if !ok {
		var err error
		if st, err = t.tx.PrepareContext(ctx, q); err != nil {
			return nil, err
		}
		t.stmts[q] = st
	}
	return st.ExecContext(ctx, args...)
}

// SetMeta stores value under key within the transaction.
func (t *Tx) SetMeta(ctx context.Context, key, value string) error {
	_, err := t.tx.ExecContext(ctx, `INSERT INTO meta(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`, key, value)
	if err != nil {
		return fmt.Errorf("store: set meta %s: %w", key, err)
	}
	return nil
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?,", n), ",")
}

func int64Args(v []int64) []any {
	out := make([]any, len(v))
	for i, x := range v {
		out[i] = x
	}
	return out
}
