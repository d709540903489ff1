package briefing

import (
	"context"
	"path"
	"strings"
	"time"

	"briefbot/briefing/corpus"
)

// prior is what a refresh knows of the stored articles that its new and
// changed files may replace or copy: by path (the same file), by ID (the
// same article under another extension), by content hash (a copy, whose
// first-seen time it keeps) and among the tombstones (content deleted
// lately and back). It answers as of the start of the refresh, whatever
// the refresh commits meanwhile.
//
// When a small part of the corpus changed, it looks up only those files'
// paths and IDs (once) and their hashes (batch by batch, once parsed), so
// adding 1% of the articles reads 1% of the store; when much changed it
// reads every article once, which is then cheaper.
type prior struct {
	st    Store
	since time.Time // tombstones older than this are forgotten
	all   bool      // every article was read

	byPath, byID map[string]StoredArticle
	byHash       map[string]StoredArticle // the earliest first seen for each hash
	buried       map[string]time.Time     // tombstones: first seen, by hash

	// When only the batch's hashes are looked up: what this refresh put
	// (those articles' stored hashes are not what they were at its start)
	// and the hashes they had then, with their first-seen times.
	put map[int64]bool
	was map[string]time.Time
}

// priorAll is the fraction of the corpus (1/priorAll) above which a refresh
// reads every article rather than looking up its files.
const priorAll = 4

// loadPrior reads what the refresh of todo (sc.known folder articles in the
// store) needs to start.
func (l *Library) loadPrior(ctx context.Context, sc scanned, now time.Time) (*prior, error) {
	p := &prior{st: l.st, since: now.Add(-tombstoneTTL)}
	todo := sc.todo
	stored, err := l.knownAtMost(ctx, sc, priorAll*len(todo))
	if err != nil {
		return nil, err
	}
	if priorAll*len(todo) > stored {
		known, err := l.st.Articles(ctx)
		if err != nil {
			return nil, err
		}
		p.all = true
		p.byPath = make(map[string]StoredArticle, len(known))
		p.byID = make(map[string]StoredArticle, len(known))
		p.byHash = make(map[string]StoredArticle, len(known))
		for _, a := range known {
			p.byPath[a.Path] = a
			p.byID[a.ID] = a
			if o, ok := p.byHash[a.Hash]; !ok || a.FirstSeen.Before(o.FirstSeen) {
				p.byHash[a.Hash] = a
			}
		}
		if p.buried, err = l.st.Tombstones(ctx, p.since); err != nil {
			return nil, err
		}
		return p, nil
	}
	paths := make([]string, len(todo))
	ids := make([]string, len(todo))
	for i, f := range todo {
		paths[i] = f.Path
		ids[i] = fileID(f)
	}
	known, err := l.st.ArticlesMatching(ctx, paths, ids, nil)
	if err != nil {
		return nil, err
	}
	p.byPath = make(map[string]StoredArticle, len(known))
	p.byID = make(map[string]StoredArticle, len(known))
	for _, a := range known { // by Ord: the last of a path or ID wins, as in a full read
		p.byPath[a.Path] = a
		p.byID[a.ID] = a
	}
	p.put = map[int64]bool{}
	p.was = map[string]time.Time{}
	return p, nil
}

// fileID is the ID corpus.Parse gives the article of f: its path without
// the extension.
func fileID(f corpus.File) string {
	return strings.TrimSuffix(f.Path, path.Ext(f.Path))
}

// resolve looks up the hashes of the parsed files rs (those that parsed),
// before their ops are made.
func (p *prior) resolve(ctx context.Context, rs []parsed) error {
	if p.all {
		return nil
	}
	hashes := make([]string, 0, len(rs))
	for _, r := range rs {
		if r.err == nil {
			hashes = append(hashes, r.doc.Hash)
		}
	}
	p.byHash = make(map[string]StoredArticle, len(hashes))
	if len(hashes) == 0 {
		p.buried = nil
		return nil
	}
	same, err := p.st.ArticlesMatching(ctx, nil, nil, hashes)
	if err != nil {
		return err
	}
	for _, a := range same {
		if p.put[a.Ord] {
			continue // its hash is this refresh's, not the one it had
		}
		if o, ok := p.byHash[a.Hash]; !ok || a.FirstSeen.Before(o.FirstSeen) {
			p.byHash[a.Hash] = a
		}
	}
	for _, h := range hashes {
		if seen, ok := p.was[h]; ok {
			if o, ok := p.byHash[h]; !ok || seen.Before(o.FirstSeen) {
				p.byHash[h] = StoredArticle{Hash: h, FirstSeen: seen}
			}
		}
	}
	p.buried, err = p.st.TombstonesOf(ctx, p.since, hashes)
	return err
}

// putting records that the refresh is about to put a (replacing old when
// old.Ord is not 0).
func (p *prior) putting(old StoredArticle) {
	if p.all || old.Ord == 0 {
		return
	}
	p.put[old.Ord] = true
	if seen, ok := p.was[old.Hash]; !ok || old.FirstSeen.Before(seen) {
		p.was[old.Hash] = old.FirstSeen
	}
}
