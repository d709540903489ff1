package briefing

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"briefbot/briefing/corpus"
	"briefbot/briefing/search"
	"briefbot/briefing/store"
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

	// Progress, when set, is called while files are indexed.
	Progress func(done, total int)
}

// Library is the corpus, its store and its index, answering questions and
// building digests. Its methods are safe for concurrent use.
type Library struct {
	st       *store.Store
	fsys     fs.FS
	log      *slog.Logger
	now      func() time.Time
	sum      *grounded
	progress func(done, total int)

	refreshMu sync.Mutex // one Refresh at a time

	mu      sync.RWMutex // guards ix, gen and version
	ix      *search.Index
	gen     uint64 // index generation, matching the store's "index_generation"
	version uint64 // counts Refreshes that wrote to the store

	ovMu      sync.Mutex  // guards ov, bg and ovVersion
	ov        *Overview   // the corpus overview as of ovVersion
	bg        *background // the corpus's phrase statistics as of ovVersion
	ovVersion uint64
}

// IndexFile is the persisted index's file name inside the data directory.
const IndexFile = "index.bin"

// indexMagic names the persisted index's format; a file of another format
// is rebuilt from the store. 0002: titles indexed with first passages.
const indexMagic = "BBIX0002"

// Changes counts what a Refresh changed.
type Changes struct {
	Added, Changed, Deleted, Unchanged int
	Skipped                            []error // files that could not be read or parsed
}

// Open opens the library over st, loading the persisted index (or rebuilding
// it from the store) and then bringing it up to date with the corpus.
func Open(ctx context.Context, st *store.Store, opt Options) (*Library, Changes, error) {
	l := &Library{st: st, fsys: opt.Corpus, log: opt.Log, now: opt.Now, progress: opt.Progress}
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
	// Read the persisted index while the corpus folder is listed and
	// compared with the store: on 100k articles each takes a few hundred
	// milliseconds. Nothing else can reach l yet.
	l.refreshMu.Lock()
	defer l.refreshMu.Unlock()
	loaded := make(chan error, 1)
	go func() { loaded <- l.loadIndex(ctx) }()
	sc, err := l.scan(ctx)
	if lerr := <-loaded; lerr != nil {
		return nil, sc.ch, lerr
	}
	if err != nil {
		return nil, sc.ch, err
	}
	ch, err := l.apply(ctx, sc)
	if err != nil {
		return nil, ch, err
	}
	return l, ch, nil
}

// loadIndex reads the persisted index when it matches the store, otherwise
// rebuilds it from the stored passages.
func (l *Library) loadIndex(ctx context.Context) error {
	v, err := l.st.Meta(ctx, "index_generation")
	if err != nil {
		return err
	}
	want, _ := strconv.ParseUint(v, 10, 64)
	path := filepath.Join(l.st.Dir(), IndexFile)
	if ix, gen, err := readIndexFile(path); err == nil && gen == want {
		l.ix, l.gen = ix, gen
		return nil
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		l.log.Warn("rebuilding index", "path", path, "reason", err.Error())
	}
	ix, err := l.rebuild(ctx)
	if err != nil {
		return fmt.Errorf("briefing: rebuild index: %w", err)
	}
	l.ix, l.gen = ix, want
	if ix.Len() > 0 {
		return l.persist(ctx)
	}
	return nil
}

// rebuild indexes every stored passage: analysed on all cores in batches,
// added in id order on one goroutine.
func (l *Library) rebuild(ctx context.Context) (*search.Index, error) {
	type batch struct {
		ps    []store.Passage
		terms [][]string
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
			for b := range jobs {
				b.terms = make([][]string, len(b.ps))
				for i, p := range b.ps {
					b.terms[i] = passageTerms(titles[p.Article], p.Seq, p.Text)
				}
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
				ix.Add(uint32(p.ID), uint32(p.Article), b.terms[i])
			}
		}
	}()
	cur := &batch{done: make(chan struct{})}
	send := func() {
		queue <- cur
		jobs <- cur
		cur = &batch{done: make(chan struct{})}
	}
	err = l.st.EachPassage(ctx, func(p store.Passage) error {
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

func readIndexFile(path string) (*search.Index, uint64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, err
	}
	defer f.Close()
	var hdr [16]byte
	if _, err := io.ReadFull(f, hdr[:]); err != nil || string(hdr[:8]) != indexMagic {
		return nil, 0, fmt.Errorf("briefing: %s is not a briefbot index", path)
	}
	// The index is used where it lies (memory-mapped), not decoded whole.
	ix, err := search.OpenIndexFile(f, int64(len(hdr)))
	if err != nil {
		return nil, 0, fmt.Errorf("briefing: read %s: %w", path, err)
	}
	return ix, binary.LittleEndian.Uint64(hdr[8:]), nil
}

// persist writes the index under a new generation, then records that
// generation in the store. A crash between the two leaves a mismatch, which
// the next Open repairs by rebuilding from the store.
func (l *Library) persist(ctx context.Context) error {
	gen := l.gen + 1
	path := filepath.Join(l.st.Dir(), IndexFile)
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return fmt.Errorf("briefing: write index: %w", err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	var hdr [16]byte
	copy(hdr[:8], indexMagic)
	binary.LittleEndian.PutUint64(hdr[8:], gen)
	w.Write(hdr[:])
	_, err = l.ix.WriteTo(w)
	if err == nil {
		err = w.Flush()
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("briefing: write index: %w", err)
	}
	if err := l.st.SetMeta(ctx, "index_generation", strconv.FormatUint(gen, 10)); err != nil {
		return err
	}
	l.gen = gen
	return nil
}

// parsed is one new or changed file, ready to store.
type parsed struct {
	file     corpus.File
	doc      corpus.Document
	passages []corpus.Passage
	terms    [][]string
	err      error
}

// Refresh re-scans the corpus: new and changed files are parsed and indexed,
// deleted ones removed. Unchanged files (same size and modification time, or
// same content hash) are not parsed again. Files are parsed on all cores and
// streamed into one transaction, so memory stays flat on large corpora.
func (l *Library) Refresh(ctx context.Context) (Changes, error) {
	l.refreshMu.Lock()
	defer l.refreshMu.Unlock()
	sc, err := l.scan(ctx)
	if err != nil {
		return sc.ch, err
	}
	return l.apply(ctx, sc)
}

// scanned is what a scan of the corpus found to do.
type scanned struct {
	ch   Changes       // Skipped and Unchanged so far
	todo []corpus.File // new files, and files whose size or time changed
	gone []int64       // ords of articles whose file is gone
	// reparse is set when the stored articles were parsed by other rules
	// than corpus.ParserVersion: every file is parsed again.
	reparse bool
}

// parserKey is the store meta key holding the corpus.ParserVersion the
// stored articles were parsed with.
const parserKey = "parser_version"

// scan lists the corpus (on its own goroutine, since stat-ing every file is
// mostly waiting on the kernel) while it reads the stored articles' stamps,
// and compares the two.
func (l *Library) scan(ctx context.Context) (scanned, error) {
	var sc scanned
	var files []corpus.File
	var errs []error
	listed := make(chan struct{})
	go func() {
		defer close(listed)
		files, errs = corpus.List(l.fsys)
	}()
	known, err := l.st.Stamps(ctx)
	<-listed
	sc.ch.Skipped = append(sc.ch.Skipped, errs...)
	if err != nil {
		return sc, err
	}
	v, err := l.st.Meta(ctx, parserKey)
	if err != nil {
		return sc, err
	}
	sc.reparse = v != corpus.ParserVersion
	byPath := make(map[string]int, len(known))
	for i, a := range known {
		byPath[a.Path] = i
	}
	seen := make([]bool, len(known))
	for _, f := range files {
		i, ok := byPath[f.Path]
		if ok {
			seen[i] = true
			if a := known[i]; !sc.reparse && !f.ModTime.IsZero() && a.Size == f.Size && a.ModTime.Equal(f.ModTime) {
				sc.ch.Unchanged++
				continue
			}
		}
		sc.todo = append(sc.todo, f)
	}
	for i, a := range known {
		if !seen[i] && a.Path != "" { // no path: not from the folder (a feed article)
			sc.gone = append(sc.gone, a.Ord)
		}
	}
	return sc, nil
}

// apply parses and indexes sc.todo and removes sc.gone, in one transaction,
// then persists the index. The caller holds refreshMu.
func (l *Library) apply(ctx context.Context, sc scanned) (Changes, error) {
	ch := sc.ch
	todo, gone := sc.todo, sc.gone
	if len(todo) == 0 && len(gone) == 0 {
		return ch, l.parsedWith(ctx, sc)
	}
	var byPath, byID map[string]store.Article
	if len(todo) > 0 {
		known, err := l.st.Articles(ctx)
		if err != nil {
			return ch, err
		}
		byPath = make(map[string]store.Article, len(known))
		byID = make(map[string]store.Article, len(known))
		for _, a := range known {
			byPath[a.Path] = a
			byID[a.ID] = a
		}
	}

	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	results, stop := l.parseAll(ctx, todo)
	defer stop()
	removeArticle := func(ord int64, title string) error {
		ps, err := l.st.ArticlePassages(ctx, ord)
		if err != nil {
			return err
		}
		for _, p := range ps {
			l.ix.Remove(uint32(p.ID), passageTerms(title, p.Seq, p.Text))
		}
		return nil
	}
	l.version++ // whatever the outcome, the cached overview may be stale
	err := l.st.Update(ctx, func(tx *store.Tx) error {
		claimed := map[int64]bool{} // gone articles a file of the same id took over
		for r := range results {
			if r.err != nil {
				ch.Skipped = append(ch.Skipped, skippedFile{r.err, r.file})
				continue
			}
			old, ok := byPath[r.file.Path]
			if !ok {
				if old, ok = byID[r.doc.ID]; ok { // same id, other extension: a rename
					claimed[old.Ord] = true
				}
			}
			if ok && old.Hash == r.doc.Hash && !sc.reparse {
				if err := tx.Touch(ctx, old.Ord, r.file.Path, r.file.Size, r.file.ModTime); err != nil {
					return err
				}
				ch.Unchanged++
				continue
			}
			a := store.Article{
				ID: r.doc.ID, Path: r.file.Path, Title: r.doc.Title, Source: r.doc.Source,
				Author: r.doc.Author, URL: r.doc.URL, Published: r.doc.Published,
				Hash: r.doc.Hash, Size: r.file.Size, ModTime: r.file.ModTime, FirstSeen: now,
			}
			if ok {
				if err := removeArticle(old.Ord, old.Title); err != nil {
					return err
				}
				a.Ord, a.FirstSeen = old.Ord, old.FirstSeen
				ch.Changed++
			} else {
				ch.Added++
			}
			sp := make([]store.Passage, len(r.passages))
			for j, p := range r.passages {
				sp[j] = store.Passage{Seq: p.Seq, Start: p.Start, End: p.End, Text: p.Text}
			}
			if err := tx.PutArticle(ctx, &a, sp); err != nil {
				return err
			}
			for j := range sp {
				l.ix.Add(uint32(sp[j].ID), uint32(a.Ord), r.terms[j])
			}
		}
		goneArts, err := l.st.ArticlesByOrd(ctx, gone)
		if err != nil {
			return err
		}
		for _, ord := range gone {
			if claimed[ord] {
				continue
			}
			if err := removeArticle(ord, goneArts[ord].Title); err != nil {
				return err
			}
			if err := tx.DeleteArticle(ctx, ord); err != nil {
				return err
			}
			ch.Deleted++
		}
		return ctx.Err()
	})
	l.warnSkipped(ctx, ch.Skipped)
	if err != nil {
		// The index may hold part of a rolled-back transaction: rebuild it.
		if lerr := l.loadIndex(context.WithoutCancel(ctx)); lerr != nil {
			l.log.Error("rebuild index after failed refresh", "error", lerr.Error())
		}
		return ch, err
	}
	if ch.Added+ch.Changed+ch.Deleted == 0 {
		return ch, l.parsedWith(ctx, sc)
	}
	if err := l.persist(ctx); err != nil {
		return ch, err
	}
	if err := l.parsedWith(ctx, sc); err != nil {
		return ch, err
	}
	l.log.Info("corpus refreshed", "added", ch.Added, "changed", ch.Changed, "deleted", ch.Deleted,
		"unchanged", ch.Unchanged, "skipped", len(ch.Skipped), "passages", l.ix.Len())
	return ch, nil
}

// parsedWith records, after a refresh that parsed every file again, the
// parser version the stored articles now come from.
func (l *Library) parsedWith(ctx context.Context, sc scanned) error {
	if !sc.reparse {
		return nil
	}
	return l.st.SetMeta(ctx, parserKey, corpus.ParserVersion)
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
			for i := range jobs {
				slots[i] <- parseOne(l.fsys, files[i])
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

func parseOne(fsys fs.FS, f corpus.File) parsed {
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
	r.terms = make([][]string, len(r.passages))
	for i, p := range r.passages {
		r.terms[i] = passageTerms(r.doc.Title, p.Seq, p.Text)
	}
	return r
}

// passageTerms are the index terms of a passage. An article's title is
// indexed with its first passage, so a question in the title's words finds
// the article, and its other passages count the title's words as context.
func passageTerms(title string, seq int, text string) []string {
	terms := search.Analyze(text)
	if seq == 0 && title != "" {
		terms = append(search.Analyze(title), terms...)
	}
	return terms
}

// cachedOverview is overview, computed once for each state of the store: it
// reads every article and the passages of the newest, far too slow to repeat
// for each question the corpus has nothing on.
func (l *Library) cachedOverview(ctx context.Context) (Overview, error) {
	l.mu.RLock() // no Refresh while the overview is read and cached
	defer l.mu.RUnlock()
	l.ovMu.Lock()
	defer l.ovMu.Unlock()
	if l.ov == nil || l.ovVersion != l.version {
		o, bg, err := l.overview(ctx)
		if err != nil {
			return o, err
		}
		l.ov, l.bg, l.ovVersion = &o, bg, l.version
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

func article(a store.Article) Article {
	return Article{ID: a.ID, Title: a.Title, Source: a.Source, Author: a.Author, URL: a.URL, Published: a.Published, FirstSeen: a.FirstSeen}
}
