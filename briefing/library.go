package briefing

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"briefbot/briefing/corpus"
	"briefbot/briefing/search"
)

// Options configure a Library.
type Options struct {
	Corpus fs.FS // the article folder (os.DirFS(dir)) or corpus.Sample()
	Log    *slog.Logger
	Now    func() time.Time // default time.Now

	// Summarizer, when set, writes summaries on top of extractive answers;
	// they are verified against the cited passages before use (summary_verify.go).
	Summarizer      Summarizer
	SummaryTimeout  time.Duration // per summary; required (> 0) with a Summarizer
	MaxPromptTokens int           // prompt budget; required (> 0) with a Summarizer
	Registerer      prometheus.Registerer
	// Secrets are the configured credentials (tokens, keys): a summary
	// that contains one, or anything shaped like a token, is not used.
	Secrets []string

	// Embedder, when set, adds dense retrieval (library_embed.go); the
	// Store must then be an EmbeddingStore. Rewriter, when set, adds an
	// LLM's rewording of each question to its search (ask_dense.go).
	Embedder       Embedder
	Embed          EmbedOptions
	Rewriter       Rewriter
	RewriteTimeout time.Duration // default 800ms

	// Progress, when set, is called while files are indexed.
	Progress func(done, total int)

	// Check runs SQLite's integrity check (Store.QuickCheck) before
	// anything is written: Open refuses a damaged database.
	Check bool

	// FullScan makes Open stat every file of the corpus, as Refresh does,
	// instead of trusting the folders' modification times: only a full scan
	// finds a file edited in place (briefbot index sets it).
	FullScan bool

	// Prune confirms the deletion of the articles whose files are gone even
	// when most of the folder vanished at once (see Changes.Kept).
	Prune bool

	// CorpusID names the corpus folder (its absolute path, or "sample" for
	// the embedded one). When it differs from the one the store was last
	// synced with, the folder is another corpus chosen on purpose (ask
	// --corpus DIR): the store follows it, with no mass-deletion hold, and
	// articles that come back later are still not news (see tombstoneTTL).
	// Empty: not tracked.
	CorpusID string
}

// Library is the corpus, its store and its index, answering questions and
// building digests. Its methods are safe for concurrent use.
type Library struct {
	st       Store
	fsys     fs.FS
	log      *slog.Logger
	now      func() time.Time
	sum      *grounded
	progress func(done, total int)
	prune    bool
	corpusID string

	// refreshMu: one writer of the index at a time in this process (Open,
	// Refresh, following the store); the store's write lock makes writers
	// of all processes take turns.
	refreshMu sync.Mutex

	mu      sync.RWMutex // guards ix, gen and version
	ix      *search.Index
	gen     uint64 // the store's corpus generation that ix reflects
	version uint64 // counts refreshes that changed ix (and the store)

	lostLogged atomic.Bool // the lost store was reported

	ovMu      sync.Mutex  // guards ov, bg and ovVersion
	ov        *Overview   // the corpus overview as of ovVersion
	bg        *background // the corpus's phrase statistics as of ovVersion
	ovVersion uint64

	ixDirty bool // the index has feed changes not yet persisted (see SaveIndex); guarded by mu

	files   ixFiles          // what of the index is persisted (indexlog.go); guarded by refreshMu
	merging bool             // a merge is running or waiting; guarded by refreshMu
	inline  int64            // the largest base merged inline (mergeInline; tests lower it)
	logCap  int64            // the most log kept before a merge (logCap; tests lower it)
	merges  sync.WaitGroup   // the background merge (see Close)
	goneAz  *search.Analyzer // analyses the passages a commit removes; guarded by refreshMu

	pathsGone []goneAt // deletions by RefreshPaths lately (refreshpaths.go); guarded by refreshMu
	watched   settling // what Settle needs (refreshpaths.go); guarded by refreshMu

	emb *embedding // dense retrieval; nil when off
	rw  *rewriting // question rewriting; nil when off
}

// IndexFile is the persisted index's file name inside the data directory.
const IndexFile = "index.bin"

// indexMagic names the persisted index's format; a file of another format
// is rebuilt from the store. 0002: titles indexed with first passages.
// 0003: the header's generation is the store's corpus generation.
const indexMagic = "BBIX0003"

// Changes counts what a Refresh changed.
type Changes struct {
	Added, Changed, Deleted int
	// Unchanged counts the files compared with the store and found
	// unchanged. A scan that trusts the folders' times compares only the
	// files of the folders whose time changed: those of the others are
	// not counted.
	Unchanged int
	// Trusted: no folder of the corpus changed since the last scan (their
	// modification times say so), so no file was listed or compared and
	// Unchanged is not counted. Full scans (Options.FullScan, Refresh)
	// never trust the folders.
	Trusted bool
	Skipped []error // files that could not be read, parsed or stored

	// Kept counts articles whose files are gone but which were kept: more
	// than half of the folder's articles (and at least massDeleteMin)
	// vanished at once, as when a volume is unmounted. They go when their
	// files come back or Options.Prune confirms.
	Kept int
	// Full counts articles that did not fit in the database (disk or
	// database full). They are retried at the next refresh.
	Full int
}

// Open opens the library over st, loading the persisted index (or rebuilding
// it from the store) and then bringing it up to date with the corpus.
func Open(ctx context.Context, st Store, opt Options) (*Library, Changes, error) {
	l := &Library{st: st, fsys: opt.Corpus, log: opt.Log, now: opt.Now, progress: opt.Progress, prune: opt.Prune, corpusID: opt.CorpusID}
	if l.log == nil {
		l.log = slog.New(slog.DiscardHandler)
	}
	if l.now == nil {
		l.now = time.Now
	}
	if opt.Summarizer != nil {
		if opt.SummaryTimeout <= 0 || opt.MaxPromptTokens <= 0 {
			return nil, Changes{}, fmt.Errorf("briefing: a Summarizer needs a positive SummaryTimeout and MaxPromptTokens (got %s and %d)", opt.SummaryTimeout, opt.MaxPromptTokens)
		}
		l.sum = newGrounded(opt.Summarizer, opt.SummaryTimeout, opt.MaxPromptTokens, opt.Registerer, l.log)
		l.sum.secrets = opt.Secrets
	}
	if err := l.assists(st, opt); err != nil {
		return nil, Changes{}, err
	}
	// Read the persisted index while the corpus folder is listed and
	// compared with the store: on 100k articles each takes a few hundred
	// milliseconds. Nothing else can reach l yet; other processes wait for
	// the write lock.
	l.refreshMu.Lock()
	defer l.refreshMu.Unlock()
	unlock, err := st.LockWrites(ctx)
	if err != nil {
		return nil, Changes{}, fmt.Errorf("briefing: %w", err)
	}
	defer unlock()
	if opt.Check {
		if err := st.QuickCheck(ctx); err != nil {
			return nil, Changes{}, fmt.Errorf("briefing: integrity check: %w", err)
		}
	}
	type index struct {
		ld  loaded
		err error
	}
	ldc := make(chan index, 1)
	go func() {
		ld, err := l.loadIndex(ctx, true)
		ldc <- index{ld, err}
	}()
	sc, err := l.scan(ctx, opt.FullScan, false)
	li := <-ldc
	if li.err != nil {
		return nil, sc.ch, li.err
	}
	if err != nil {
		return nil, sc.ch, err
	}
	l.setIndex(li.ld)
	ch, err := l.apply(ctx, sc)
	if err != nil {
		return nil, ch, err
	}
	if ch.Full > 0 {
		l.log.Error("the disk or database is full: serving read-only; new articles are stored once space is freed",
			"not_stored", ch.Full, "data_dir", st.Dir())
	}
	return l, ch, nil
}

// loadIndex reads the persisted index (its base, and the log replayed)
// when it matches the store's corpus generation; otherwise, when rebuild
// is set, it rebuilds the index from the stored passages (and persists
// it), else it returns a nil index. The caller holds refreshMu, and the
// store's write lock when rebuild is set.
func (l *Library) loadIndex(ctx context.Context, rebuild bool) (loaded, error) {
	want, err := l.st.Generation(ctx)
	if err != nil {
		return loaded{}, err
	}
	path := l.indexPath()
	ld, err := readIndexFiles(l.st.Dir(), want)
	if err == nil && ld.gen == want {
		return ld, nil
	}
	if !rebuild {
		return loaded{}, nil
	}
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		l.log.Warn("rebuilding index", "path", path, "reason", err.Error())
	} else if err == nil {
		l.log.Warn("rebuilding index: it is behind the database (a crash before its change log was written?)",
			"path", path, "index_generation", ld.gen, "generation", want)
	}
	ix, err := l.rebuild(ctx)
	if err != nil {
		return loaded{}, fmt.Errorf("briefing: rebuild index: %w", err)
	}
	ld = loaded{ix: ix, gen: want}
	if ix.Len() > 0 {
		if ld.files, err = l.writeBase(ix, want); err != nil {
			ld.files = ixFiles{bad: true}
			l.log.Warn("index not persisted; the next start rebuilds it from the database", "error", err.Error())
		}
	}
	return ld, nil
}

// rebuild indexes every stored passage: analysed on all cores in batches,
// added in id order on one goroutine.
func (l *Library) rebuild(ctx context.Context) (*search.Index, error) {
	type batch struct {
		ps    []StoredPassage
		terms [][]string
		vecs  [][]int8
		done  chan struct{}
	}
	arts, err := l.st.Articles(ctx)
	if err != nil {
		return nil, err
	}
	titles := make(map[int64]string, len(arts))
	for _, a := range arts {
		titles[a.Ord] = a.Title
	}
	const size = 256
	workers := runtime.GOMAXPROCS(0)
	jobs := make(chan *batch, 2*workers)
	queue := make(chan *batch, 4*workers) // in id order, to the adder
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			pv, az := search.NewPassageVectors(), search.NewAnalyzer()
			for b := range jobs {
				b.terms = make([][]string, len(b.ps))
				for i, p := range b.ps {
					b.terms[i] = passageTerms(az, titles[p.Article], p.Seq, p.Text)
				}
				b.vecs = passageVectors(pv, b.terms)
				close(b.done)
			}
		})
	}
	ix := search.NewIndex()
	added := make(chan struct{})
	go func() {
		defer close(added)
		for b := range queue {
			<-b.done
			for i, p := range b.ps {
				ix.AddVector(uint32(p.ID), uint32(p.Article), b.terms[i], b.vecs[i])
			}
		}
	}()
	cur := &batch{done: make(chan struct{})}
	send := func() {
		queue <- cur
		jobs <- cur
		cur = &batch{done: make(chan struct{})}
	}
	err = l.st.EachPassage(ctx, func(p StoredPassage) error {
		cur.ps = append(cur.ps, p)
		if len(cur.ps) == size {
			send()
		}
		return nil
	})
	if len(cur.ps) > 0 {
		send()
	}
	close(jobs)
	close(queue)
	wg.Wait()
	<-added
	return ix, err
}

// readIndexFile maps the base at path and returns it with its identity
// (whose generation is the store's corpus generation it reflects).
func readIndexFile(path string) (*search.Index, baseID, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, baseID{}, err
	}
	defer f.Close()
	id, err := identifyFile(f)
	if err != nil {
		return nil, baseID{}, err
	}
	// The index is used where it lies (memory-mapped), not decoded whole.
	ix, err := search.OpenIndexFile(f, 16)
	if err != nil {
		return nil, baseID{}, fmt.Errorf("briefing: read %s: %w", path, err)
	}
	return ix, id, nil
}

// writeIndexFile writes ix whole as the index file of generation gen
// (tmp file, synced, renamed over path).
func writeIndexFile(path string, ix *search.Index, gen uint64) error {
	tmp := path + ".tmp"
	if err := writeIndexTmp(tmp, ix, gen); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("briefing: write index: %w", err)
	}
	return nil
}

// parsed is one new or changed file, ready to store.
type parsed struct {
	file     corpus.File
	doc      corpus.Document
	passages []corpus.Passage
	terms    [][]string
	vecs     [][]int8 // the passages' vectors (search.PassageVectors)
	err      error
}

// Refresh re-scans the corpus: new and changed files are parsed and indexed,
// deleted ones removed. Unchanged files (same size and modification time, or
// same content hash) are not parsed again. Files are parsed on all cores,
// outside the lock that questions take, and committed in small batches, so
// memory stays flat, questions are answered meanwhile and a file that does
// not fit (a full disk) costs only itself. It first takes up what other
// processes wrote to the store (briefbot index), and refuses to run on a
// lost store (see Store.Check).
func (l *Library) Refresh(ctx context.Context) (Changes, error) {
	done, err := l.writing(ctx)
	if err != nil {
		return Changes{}, err
	}
	defer done()
	sc, err := l.scan(ctx, true, true)
	if err != nil {
		return sc.ch, err
	}
	return l.apply(ctx, sc)
}

// writing takes what a refresh needs, in order: refreshMu, a store that is
// not lost (see Store.Check), the store's write lock, and the index brought
// up to what other processes wrote to the store. done releases them.
func (l *Library) writing(ctx context.Context) (done func(), err error) {
	l.refreshMu.Lock()
	if err := l.checkStore(); err != nil {
		l.refreshMu.Unlock()
		return nil, err
	}
	unlock, err := l.st.LockWrites(ctx)
	if err != nil {
		l.refreshMu.Unlock()
		return nil, fmt.Errorf("briefing: %w", err)
	}
	if err := l.syncIndex(ctx, true); err != nil {
		unlock()
		l.refreshMu.Unlock()
		return nil, err
	}
	return func() {
		unlock()
		l.refreshMu.Unlock()
	}, nil
}

// scanned is what a scan of the corpus found to do.
type scanned struct {
	known int           // folder articles in the store
	ch    Changes       // Skipped and Unchanged so far
	todo  []corpus.File // new files, and files whose size or time changed
	gone  []int64       // ords of articles whose file is gone
	// reparse is set when the stored articles were parsed by other rules
	// than corpus.ParserVersion: every file is parsed again.
	reparse bool
	// switched is set when the store was last synced with another corpus
	// folder (Options.CorpusID): its vanished articles are not held back.
	switched bool
	// dirs are the folders listed with their modification times, recorded
	// once the changes are stored (see saveDirs); dirsWas the record read.
	dirs    map[string]time.Time
	dirsWas string
}

// parserKey is the store meta key holding the corpus.ParserVersion the
// stored articles were parsed with.
const parserKey = "parser_version"

// corpusKey is the store meta key holding the Options.CorpusID the store
// was last synced with.
const corpusKey = "corpus_id"

// scan lists the corpus and compares it with the stored articles' stamps.
// Unless full is set, it trusts the folders' modification times recorded
// by the last scan (corpus.ListSince): a folder whose time is unchanged is
// not read, and only names the store does not know are stat-ed, so a
// reopen costs what changed, not the corpus. A file edited in place
// changes no folder's time: full scans (Refresh, briefbot index) stat
// every file and find it.
//
// With recheck, each unchanged file is also opened: one that cannot be
// opened any more (its permissions changed) counts as gone, so its article
// is not served while it cannot be read, and comes back (not as news: see
// tombstoneTTL) once it can. Open skips this, to start fast; Refresh does it.
func (l *Library) scan(ctx context.Context, full, recheck bool) (scanned, error) {
	var sc scanned
	v, err := l.st.Meta(ctx, parserKey)
	if err != nil {
		return sc, err
	}
	sc.reparse = v != corpus.ParserVersion
	if l.corpusID != "" {
		was, err := l.st.Meta(ctx, corpusKey)
		if err != nil {
			return sc, err
		}
		sc.switched = was != "" && was != l.corpusID
	}
	if sc.dirsWas, err = l.st.Meta(ctx, dirsKey); err != nil {
		return sc, err
	}
	var dirs map[string]time.Time
	if !full && !sc.reparse && !sc.switched {
		dirs = decodeDirs(sc.dirsWas)
		if corpus.Unchanged(l.fsys, dirs, time.Now()) {
			// No folder changed: nothing was added, removed or renamed, so
			// the stored stamps need not even be read (a reopen of a large
			// corpus costs its folders' stats only).
			sc.ch.Trusted = true
			return sc, nil
		}
	}
	var known []Stamp // sorted by path, as the listing is
	var ls corpus.Listing
	var errs []error
	found := false // a known file was found present without a stat
	if dirs == nil {
		// Every file is stat-ed and compared with its stamp: the stamps are
		// read while the folders are listed (at a million files, each takes
		// seconds).
		stamps := make(chan error, 1)
		go func() {
			var err error
			known, err = l.st.Stamps(ctx)
			stamps <- err
		}()
		ls, errs = corpus.ListSince(l.fsys, nil, nil, time.Now())
		if err := <-stamps; err != nil {
			return sc, err
		}
		sc.known = len(known)
	} else {
		// Trusting the folders' times, only the folders read by name are
		// compared with the store: the paths known in each are read, and
		// the stamps of those not found (see knownStamps). The files of an
		// unchanged folder are neither read nor counted, and the articles
		// with a path are counted only if needed (knownAtMost).
		sc.known = -1
		var storeErr error
		knownIn := func(dir string) []string {
			paths, err := l.st.Paths(ctx, dir)
			if err != nil && storeErr == nil {
				storeErr = err
			}
			return paths
		}
		ls, errs = corpus.ListSince(l.fsys, dirs, knownIn, time.Now())
		read := make(map[string]bool, len(ls.Read))
		for _, f := range ls.Read {
			read[f.Dir] = true
		}
		// A folder of the last listing neither found unchanged nor read
		// now (gone, or no longer a folder) has nothing present; unless
		// the root could not be listed at all (see below).
		if len(ls.Dirs) == 0 {
			dirs = nil
		}
		for _, m := range []map[string]time.Time{dirs, ls.Dirs} {
			for d := range m {
				if t, ok := ls.Dirs[d]; read[d] || ok && !t.IsZero() {
					found = found || ok && !read[d]
					continue
				}
				read[d] = true
				paths := knownIn(d)
				ls.Read = append(ls.Read, corpus.Folder{Dir: d, Known: paths, Present: make([]bool, len(paths))})
			}
		}
		if storeErr != nil {
			return sc, storeErr
		}
		if known, err = l.knownStamps(ctx, &sc, ls.Read); err != nil {
			return sc, err
		}
		found = found || sc.ch.Unchanged > 0
	}
	files := ls.Files
	sc.dirs = ls.Dirs
	sc.ch.Skipped = append(sc.ch.Skipped, errs...)
	if len(files) == 0 && !found && len(errs) > 0 {
		return sc, nil // the folder cannot be listed: nothing is gone for that
	}
	// Both lists are sorted by path: one merge compares them.
	seen := make([]bool, len(known))
	at := stampCursor{known: known}
	for _, f := range files {
		if i := at.find(f.Path); i >= 0 {
			if a := known[i]; !sc.reparse && !f.ModTime.IsZero() && a.Size == f.Size && a.ModTime.Equal(f.ModTime) {
				if recheck {
					if err := canOpen(l.fsys, f.Path); err != nil {
						sc.ch.Skipped = append(sc.ch.Skipped, skippedFile{
							fmt.Errorf("%s: cannot be read; its article is withdrawn until it can: %w", f.Path, err), f})
						continue // not seen: gone
					}
				}
				seen[i] = true
				sc.ch.Unchanged++
				continue
			}
			seen[i] = true
		}
		sc.todo = append(sc.todo, f)
	}
	for i, a := range known {
		if !seen[i] {
			sc.gone = append(sc.gone, a.Ord)
		}
	}
	slices.Sort(sc.gone)
	return sc, nil
}

// knownStamps returns, sorted by path, the stamps that a scan trusting the
// folders' times must merge with the files it stat-ed: of the paths known
// in the folders read (each folder's sorted, a path two articles share
// given twice), those not found present (gone, or stat-ed). A present path
// is counted unchanged in sc without its stamp being read; when several
// articles share it, the newest (highest Ord) is, as stampCursor.find
// picks it, and the others' stamps are returned, unseen, so they go.
func (l *Library) knownStamps(ctx context.Context, sc *scanned, read []corpus.Folder) ([]Stamp, error) {
	var need []string
	dupPresent := map[string]bool{}
	for _, f := range read {
		paths := f.Known
		for i := 0; i < len(paths); {
			j := i + 1
			for j < len(paths) && paths[j] == paths[i] {
				j++
			}
			present := slices.Contains(f.Present[i:j], true)
			switch {
			case j-i > 1:
				need = append(need, paths[i])
				if present {
					dupPresent[paths[i]] = true
				}
			case present:
				sc.ch.Unchanged++
			default:
				need = append(need, paths[i])
			}
			i = j
		}
	}
	if len(need) == 0 {
		return nil, nil
	}
	stamps, err := l.st.StampsOf(ctx, need)
	if err != nil {
		return nil, err
	}
	known := make([]Stamp, 0, len(stamps))
	newest := map[string]int64{}
	for _, a := range stamps {
		if dupPresent[a.Path] && a.Ord > newest[a.Path] {
			newest[a.Path] = a.Ord
		}
	}
	for _, a := range stamps {
		if dupPresent[a.Path] && a.Ord == newest[a.Path] {
			sc.ch.Unchanged++
			continue
		}
		known = append(known, a)
	}
	slices.SortFunc(known, func(a, b Stamp) int {
		return cmp.Or(strings.Compare(a.Path, b.Path), cmp.Compare(a.Ord, b.Ord))
	})
	return known, nil
}

// knownAtMost returns how many articles with a path the store holds, or
// limit if it holds more: what sc.known says, or what the store counts
// when the scan did not read them all (the count stops at limit, so a
// small change in a large corpus costs little).
func (l *Library) knownAtMost(ctx context.Context, sc scanned, limit int) (int, error) {
	if sc.known >= 0 {
		return min(sc.known, limit), nil
	}
	return l.st.PathCount(ctx, limit)
}

// stampCursor finds paths, given in increasing order, in stamps sorted by
// path: a merge of the two lists.
type stampCursor struct {
	known []Stamp
	i     int
}

// find returns the index in known of the stamp of path p, -1 when none; of
// several stamps with that path (an article renamed onto another's path),
// the one of the highest Ord. p must not be less than the last p found.
func (c *stampCursor) find(p string) int {
	for c.i < len(c.known) && c.known[c.i].Path < p {
		c.i++
	}
	found := -1
	for j := c.i; j < len(c.known) && c.known[j].Path == p; j++ {
		if found < 0 || c.known[j].Ord > c.known[found].Ord {
			found = j
		}
	}
	return found
}

// batchArticles bounds the articles one transaction writes: a failed batch
// (a full disk) is retried article by article, so only what does not fit is
// skipped.
const batchArticles = 128

// tombstoneTTL is how long a deleted article's content is remembered: the
// same content added again within it keeps its first-seen time, so a folder
// briefly emptied, swapped or re-synced does not make old news new.
const tombstoneTTL = 30 * 24 * time.Hour

// massDeleteMin is the fewest vanished articles that count as a mass
// deletion (when they are also more than half of the folder's articles).
const massDeleteMin = 3

// opKind is what a commit does with one article.
type opKind int

const (
	opTouch  opKind = iota // same content: new path, size or time
	opPut                  // new or changed content
	opDelete               // its file is gone
)

// op is one article's change, applied to the store and then to the index.
type op struct {
	kind opKind
	old  StoredArticle // the stored article changed, touched or deleted (Ord 0 for a new one)
	r    parsed        // the file's content (opTouch, opPut)
	a    StoredArticle // the article to store (opPut); not modified by commit

	removed [][]string      // terms of old's passages, in order of oldIDs
	oldIDs  []int64         // ids of old's passages
	put     StoredArticle   // a as committed
	sp      []StoredPassage // its passages as committed
}

// apply parses and indexes sc.todo and removes sc.gone in small
// transactions, then persists the index. The caller holds refreshMu and the
// store's write lock.
func (l *Library) apply(ctx context.Context, sc scanned) (Changes, error) {
	ch := sc.ch
	todo, gone := sc.todo, sc.gone
	if len(todo) == 0 && len(gone) == 0 {
		return ch, l.parsedWith(ctx, sc, ch)
	}
	now := l.now()
	var pr *prior
	if len(todo) > 0 {
		var err error
		if pr, err = l.loadPrior(ctx, sc, now); err != nil {
			return ch, err
		}
	}

	results, stop := l.parseAll(ctx, todo)
	defer stop()
	defer func() {
		if ch.Added+ch.Changed+ch.Deleted > 0 { // once a refresh, not once a batch
			l.mu.Lock()
			l.version++
			l.mu.Unlock()
		}
	}()
	var batch []*op
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		defer func() { batch = batch[:0] }()
		err := l.commit(ctx, batch, now)
		if err == nil {
			count(&ch, batch)
			return nil
		}
		if ctx.Err() != nil {
			return err
		}
		// One at a time: what fits is kept, what does not is skipped.
		for _, o := range batch {
			err := l.commit(ctx, []*op{o}, now)
			switch {
			case err == nil:
				count(&ch, []*op{o})
			case l.st.IsFull(err) && o.kind == opPut:
				ch.Full++
				ch.Skipped = append(ch.Skipped, skippedFile{fmt.Errorf("%s: not stored, the disk or database is full: %w", o.r.file.Path, err), o.r.file})
			default:
				return err
			}
		}
		return nil
	}

	claimed := map[int64]bool{} // gone articles a file of the same id took over
	// decide makes the ops of the parsed files rs, once their hashes are
	// looked up, and commits them batchArticles at a time (what is left
	// waits for the next call, or the last flush).
	decide := func(rs []parsed) error {
		if len(rs) == 0 {
			return nil
		}
		if err := pr.resolve(ctx, rs); err != nil {
			return err
		}
		for _, r := range rs {
			if r.err != nil {
				ch.Skipped = append(ch.Skipped, skippedFile{r.err, r.file})
				continue
			}
			old, ok := pr.byPath[r.file.Path]
			if !ok {
				if old, ok = pr.byID[r.doc.ID]; ok { // same id, other extension: a rename
					claimed[old.Ord] = true
				}
			}
			if ok && old.Hash == r.doc.Hash && !sc.reparse {
				batch = append(batch, &op{kind: opTouch, old: old, r: r})
			} else {
				a := StoredArticle{
					ID: r.doc.ID, Path: r.file.Path, Title: r.doc.Title, Source: r.doc.Source,
					Author: r.doc.Author, URL: r.doc.URL, Published: r.doc.Published,
					Hash: r.doc.Hash, Size: r.file.Size, ModTime: r.file.ModTime, FirstSeen: now,
				}
				if ok {
					a.Ord, a.FirstSeen = old.Ord, old.FirstSeen
				} else if seen, ok := pr.buried[a.Hash]; ok { // deleted lately, back again
					a.FirstSeen = seen
				} else if same, ok := pr.byHash[a.Hash]; ok { // a copy of a stored article
					a.FirstSeen = same.FirstSeen
				}
				pr.putting(old)
				batch = append(batch, &op{kind: opPut, old: old, r: r, a: a})
			}
			if len(batch) == batchArticles {
				if err := flush(); err != nil {
					return err
				}
			}
		}
		return nil
	}
	var err error
	pending := make([]parsed, 0, batchArticles)
	for r := range results {
		pending = append(pending, r)
		if len(pending) == batchArticles {
			if err = decide(pending); err != nil {
				break
			}
			pending = pending[:0]
		}
	}
	if err == nil {
		err = decide(pending)
	}
	if err == nil {
		err = flush()
	}
	if err == nil {
		var left []int64
		for _, ord := range gone {
			if !claimed[ord] {
				left = append(left, ord)
			}
		}
		if n := len(left); n >= massDeleteMin && !l.prune && !sc.switched {
			known, cerr := l.knownAtMost(ctx, sc, 2*n)
			switch {
			case cerr != nil:
				err, left = cerr, nil // nothing deleted without the count
			case 2*n > known:
				ch.Kept = n
				l.log.Warn("most of the corpus folder vanished at once: keeping its articles until the files come back or an operator confirms with `briefbot index --prune`",
					"gone", n, "articles", known)
				left = nil
			}
		}
		var goneArts map[int64]StoredArticle
		if err == nil {
			goneArts, err = l.st.ArticlesByOrd(ctx, left)
		}
		if err == nil {
			for _, ord := range left {
				if a, ok := goneArts[ord]; ok {
					batch = append(batch, &op{kind: opDelete, old: a})
				}
				if len(batch) == batchArticles {
					if err = flush(); err != nil {
						break
					}
				}
			}
			if err == nil {
				err = flush()
			}
		}
	}
	l.warnSkipped(ctx, ch.Skipped)
	if ch.Full > 0 {
		// A failed write can leave the write-ahead log holding the space.
		if cerr := l.st.Checkpoint(context.WithoutCancel(ctx)); cerr != nil {
			l.log.Warn("checkpoint after a full disk", "error", cerr.Error())
		}
	}
	if ch.Added+ch.Changed+ch.Deleted > 0 {
		l.persistChanges(ctx) // refreshMu keeps ix still while it is written
	}
	if err != nil {
		return ch, err
	}
	if ch.Full == 0 { // an article that did not fit keeps its old parse
		if err := l.parsedWith(ctx, sc, ch); err != nil {
			return ch, err
		}
	}
	if ch.Added+ch.Changed+ch.Deleted > 0 {
		l.log.Info("corpus refreshed", "added", ch.Added, "changed", ch.Changed, "deleted", ch.Deleted,
			"unchanged", ch.Unchanged, "skipped", len(ch.Skipped), "passages", l.ix.Len())
	}
	return ch, nil
}

// parsedWith records, after a refresh that parsed every file again, the
// parser version the stored articles now come from.
// It also records the corpus folder the store is now synced with, and the
// folders' times (saveDirs).
func (l *Library) parsedWith(ctx context.Context, sc scanned, ch Changes) error {
	if err := l.saveDirs(ctx, sc, ch); err != nil {
		return err
	}
	if l.corpusID != "" {
		if err := l.st.SetMeta(ctx, corpusKey, l.corpusID); err != nil {
			return err
		}
	}
	if !sc.reparse {
		return nil
	}
	return l.st.SetMeta(ctx, parserKey, corpus.ParserVersion)
}

// count adds what ops did to ch.
func count(ch *Changes, ops []*op) {
	for _, o := range ops {
		switch {
		case o.kind == opTouch:
			ch.Unchanged++
		case o.kind == opDelete:
			ch.Deleted++
		case o.old.Ord != 0:
			ch.Changed++
		default:
			ch.Added++
		}
	}
}

// commit writes ops in one transaction and then, under the write lock of
// the index, applies them to it: questions wait only for that swap, not for
// parsing or the database. A failed transaction leaves the index as it was.
func (l *Library) commit(ctx context.Context, ops []*op, now time.Time) error {
	// Outside the lock: the terms of the passages that go.
	for _, o := range ops {
		if o.kind == opTouch || o.old.Ord == 0 || o.oldIDs != nil {
			continue
		}
		ps, err := l.st.ArticlePassages(ctx, o.old.Ord)
		if err != nil {
			return err
		}
		if l.goneAz == nil {
			l.goneAz = search.NewAnalyzer()
		}
		o.oldIDs = make([]int64, len(ps))
		o.removed = make([][]string, len(ps))
		for i, p := range ps {
			o.oldIDs[i] = p.ID
			o.removed[i] = passageTerms(l.goneAz, o.old.Title, p.Seq, p.Text)
		}
	}
	var done Tx
	err := l.st.Update(ctx, func(tx Tx) error {
		done = tx
		deleted := false
		for _, o := range ops {
			switch o.kind {
			case opTouch:
				f := o.r.file
				if err := tx.Touch(ctx, o.old.Ord, f.Path, f.Size, f.ModTime); err != nil {
					return err
				}
			case opPut:
				o.put = o.a
				o.sp = make([]StoredPassage, len(o.r.passages))
				for j, p := range o.r.passages {
					o.sp[j] = StoredPassage{Seq: p.Seq, Start: p.Start, End: p.End, Text: p.Text}
				}
				if err := tx.PutArticle(ctx, &o.put, o.sp); err != nil {
					return err
				}
			case opDelete:
				if err := tx.Tombstone(ctx, o.old.Hash, o.old.FirstSeen, now); err != nil {
					return err
				}
				if err := tx.DeleteArticle(ctx, o.old.Ord); err != nil {
					return err
				}
				deleted = true
			}
		}
		if deleted {
			if err := tx.PruneTombstones(ctx, now.Add(-tombstoneTTL)); err != nil {
				return err
			}
		}
		return ctx.Err()
	})
	if err != nil {
		return err
	}
	gen := done.Generation()
	l.mu.Lock()
	for _, o := range ops {
		for i, id := range o.oldIDs {
			l.ixRemove(uint32(id), o.removed[i])
		}
		for j := range o.sp {
			l.ixAdd(uint32(o.sp[j].ID), uint32(o.put.Ord), o.r.terms[j], o.r.vecs[j])
		}
	}
	next := gen != 0 && gen == l.gen+1
	if next {
		l.gen = gen
	} // else another writer slipped in: l.gen stays behind, and the next sync reloads
	l.mu.Unlock()
	if next {
		l.logAppend(gen)
	} else if gen != 0 {
		l.files.pending = nil
		l.files.bad = true // the log would miss the other writer's record
	}
	return nil
}

// canOpen reports why the file at name cannot be opened, nil when it can.
func canOpen(fsys fs.FS, name string) error {
	f, err := fsys.Open(name)
	if err != nil {
		return err
	}
	return f.Close()
}

// follow takes up, before a question is answered, what another process
// (briefbot index) committed to the store: it swaps in the persisted index
// when that matches the store. It does nothing while this library refreshes
// (the refresh takes it up) and leaves a rebuild to the next Refresh.
func (l *Library) follow(ctx context.Context) {
	if !l.refreshMu.TryLock() {
		return
	}
	defer l.refreshMu.Unlock()
	if l.checkStore() != nil {
		return // keep answering from what is loaded; Refresh and Digest refuse
	}
	if err := l.syncIndex(ctx, false); err != nil && ctx.Err() == nil {
		l.log.Warn("follow the store", "error", err.Error())
	}
}

// syncIndex replaces the index with the persisted one (or, with rebuild,
// one rebuilt from the store) when the store's corpus generation is not the
// index's. The caller holds refreshMu, and the store's write lock when
// rebuild is set.
func (l *Library) syncIndex(ctx context.Context, rebuild bool) error {
	gen, err := l.st.Generation(ctx)
	if err != nil {
		return err
	}
	l.mu.RLock()
	cur := l.gen
	l.mu.RUnlock()
	if gen == cur {
		return nil
	}
	if l.catchUp(gen) {
		l.log.Info("index follows another process's changes", "generation", gen)
		return nil
	}
	ld, err := l.loadIndex(ctx, rebuild)
	if err != nil || ld.ix == nil {
		return err
	}
	l.mu.Lock()
	l.setIndex(ld)
	l.version++
	l.mu.Unlock()
	l.log.Info("index reloaded: another process changed the store", "generation", ld.gen, "passages", ld.ix.Len())
	return nil
}

// checkStore returns an error wrapping ErrStoreLost once the database file
// was removed or replaced under the library, and says so loudly once.
func (l *Library) checkStore() error {
	err := l.st.Check()
	if err != nil && errors.Is(err, ErrStoreLost) && l.lostLogged.CompareAndSwap(false, true) {
		l.log.Error("THE DATABASE CHANGED UNDER BRIEFBOT: no refresh and no digest until an operator restores the data directory and restarts",
			"error", err.Error(), "data_dir", l.st.Dir())
	}
	return err
}

// articlesSeen returns the articles first seen in [since, until), after
// every writer of the store, in any process, has finished: a refresh
// stamps its articles' first-seen time before it commits them, and a window
// must not close over them unseen. It refuses a lost store. The caller
// holds refreshMu.
func (l *Library) articlesSeen(ctx context.Context, since, until time.Time) ([]StoredArticle, error) {
	if err := l.checkStore(); err != nil {
		return nil, fmt.Errorf("briefing: no digest from this store: %w", err)
	}
	unlock, err := l.st.LockWrites(ctx)
	if err != nil {
		return nil, fmt.Errorf("briefing: %w", err)
	}
	defer unlock()
	if err := l.syncIndex(ctx, true); err != nil {
		return nil, err
	}
	return l.st.ArticlesSeen(ctx, since, until)
}

// parseAll reads, parses, splits and analyses files on all cores and yields
// them in order, at most a bounded number ahead of the consumer. stop
// releases the workers when the consumer quits early.
func (l *Library) parseAll(ctx context.Context, files []corpus.File) (<-chan parsed, func()) {
	const ahead = 256
	ctx, cancel := context.WithCancel(ctx)
	slots := make([]chan parsed, len(files))
	for i := range slots {
		slots[i] = make(chan parsed, 1)
	}
	jobs := make(chan int)
	tokens := make(chan struct{}, ahead)
	out := make(chan parsed)
	var wg sync.WaitGroup
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			pv, az := search.NewPassageVectors(), search.NewAnalyzer()
			for i := range jobs {
				slots[i] <- parseOne(l.fsys, files[i], pv, az)
			}
		}()
	}
	go func() { // feeder
		defer close(jobs)
		for i := range files {
			select {
			case tokens <- struct{}{}:
			case <-ctx.Done():
				return
			}
			select {
			case jobs <- i:
			case <-ctx.Done():
				return
			}
		}
	}()
	go func() { // collector, in order
		defer close(out)
		for i := range files {
			var r parsed
			select {
			case r = <-slots[i]:
			case <-ctx.Done():
				return
			}
			<-tokens
			select {
			case out <- r:
			case <-ctx.Done():
				return
			}
			if l.progress != nil {
				l.progress(i+1, len(files))
			}
		}
	}()
	return out, func() {
		cancel()
		for range out {
		}
		wg.Wait()
	}
}

// parseOne reads, parses, splits and analyses (with az) one file, and
// computes its passages' vectors with pv.
func parseOne(fsys fs.FS, f corpus.File, pv *search.PassageVectors, az *search.Analyzer) parsed {
	r := parsed{file: f}
	data, err := fs.ReadFile(fsys, f.Path)
	if err != nil {
		r.err = fmt.Errorf("%s: %w", f.Path, err)
		return r
	}
	if r.doc, err = corpus.Parse(f.Path, data); err != nil {
		r.err = err
		return r
	}
	r.passages = corpus.Split(r.doc)
	r.terms, r.vecs = articleTerms(az, pv, r.doc.Title, r.passages)
	return r
}

// passageVectors computes the vectors of passages with terms, as slices of
// one allocation, so that the index's single adder does not.
func passageVectors(pv *search.PassageVectors, terms [][]string) [][]int8 {
	flat := make([]int8, 0, len(terms)*pv.Dims())
	ends := make([]int, len(terms))
	for i, t := range terms {
		flat = pv.Append(flat, t)
		ends[i] = len(flat)
	}
	vecs := make([][]int8, len(terms))
	start := 0
	for i, end := range ends {
		vecs[i] = flat[start:end:end]
		start = end
	}
	return vecs
}

// passageTerms are the index terms of a passage. An article's title is
// indexed with its first passage, so a question in the title's words finds
// the article, and its other passages count the title's words as context.
// az is the caller's memo (nil: Analyze).
func passageTerms(az *search.Analyzer, title string, seq int, text string) []string {
	terms := az.Analyze(text)
	if seq == 0 && title != "" {
		terms = append(az.Analyze(title), terms...)
	}
	return terms
}

// articleTerms returns passageTerms of each of an article's passages,
// analysed by az (a worker's memo): the same terms, in slices of one
// allocation (most of the time), and their vectors (as passageVectors),
// computed by pv from the lexicon stems az's memo keeps with the terms.
func articleTerms(az *search.Analyzer, pv *search.PassageVectors, title string, ps []corpus.Passage) ([][]string, [][]int8) {
	n := len(title)
	for _, p := range ps {
		n += len(p.Text)
	}
	flat, stems := make([]string, 0, n/6+1), make([]int32, 0, n/6+1)
	vflat := make([]int8, 0, len(ps)*pv.Dims())
	terms, vecs := make([][]string, len(ps)), make([][]int8, len(ps))
	for i, p := range ps {
		start, vstart := len(flat), len(vflat)
		if p.Seq == 0 && title != "" {
			flat, stems = az.AppendTermStems(flat, stems, title)
		}
		flat, stems = az.AppendTermStems(flat, stems, p.Text)
		terms[i] = flat[start:len(flat):len(flat)]
		vflat = pv.AppendStems(vflat, stems[start:])
		vecs[i] = vflat[vstart:len(vflat):len(vflat)]
	}
	return terms, vecs
}

// cachedOverview is overview, computed once for each state of the store: it
// reads every article and the passages of the newest, far too slow to repeat
// for each question the corpus has nothing on.
func (l *Library) cachedOverview(ctx context.Context) (Overview, error) {
	l.mu.RLock()
	version := l.version
	l.mu.RUnlock()
	// Computed from the store, without the index lock: a refresh that
	// commits meanwhile ends by changing the version, and so the overview.
	l.ovMu.Lock()
	defer l.ovMu.Unlock()
	if l.ov == nil || l.ovVersion != version {
		gen, err := l.st.Generation(ctx) // read first: a write meanwhile makes it stale, never wrong
		if err != nil {
			return Overview{}, err
		}
		o, bg, err := l.overview(ctx)
		if err != nil {
			return o, err
		}
		l.ov, l.bg, l.ovVersion = &o, bg, version
		l.storeOverview(ctx, gen, o)
	}
	o := *l.ov
	o.Topics = slices.Clone(o.Topics)
	return o, nil
}

// Articles returns every article in the corpus, newest first.
func (l *Library) Articles(ctx context.Context) ([]Article, error) {
	list, err := l.st.Articles(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Article, len(list))
	for i, a := range list {
		out[i] = article(a)
	}
	sortNewest(out)
	return out, nil
}

func article(a StoredArticle) Article {
	return Article{ID: a.ID, Title: a.Title, Source: a.Source, Author: a.Author, URL: a.URL, Published: a.Published, FirstSeen: a.FirstSeen}
}
