package briefing

import (
	"context"
	"fmt"
	"strings"
	"time"

	"briefbot/briefing/corpus"
)

// Incoming is an article that does not come from the corpus folder (a
// feed item). Its Doc.ID names it in its own namespace (feeds use
// "feed/<feed id>/<item key>"); Doc.Path is ignored, and the folder
// re-scan never touches it.
type Incoming struct {
	Doc corpus.Document
	// FirstSeen is when the article counts as new for digests; zero means
	// now. A feed's backlog gets its publication date, so it is stored and
	// answered from without flooding the next digest.
	FirstSeen time.Time
}

// Put counts what PutArticles changed.
type Put struct {
	Added, Changed, Unchanged int
}

// PutArticles stores and indexes articles from outside the corpus folder,
// in one transaction. An article whose ID is stored already is replaced
// when its Doc.Hash differs (keeping its first-seen time, so an update is
// not new again) and left alone otherwise.
func (l *Library) PutArticles(ctx context.Context, in []Incoming) (Put, error) {
	var put Put
	if len(in) == 0 {
		return put, nil
	}
	ids := make([]string, len(in))
	for i, a := range in {
		if a.Doc.ID == "" || a.Doc.Text == "" {
			return put, fmt.Errorf("briefing: put articles: article %d has no ID or no text", i)
		}
		ids[i] = a.Doc.ID
	}
	type prepared struct {
		passages []StoredPassage
		terms    [][]string
	}
	prep := make([]prepared, len(in))
	for i, a := range in {
		ps := corpus.Split(a.Doc)
		p := prepared{passages: make([]StoredPassage, len(ps)), terms: make([][]string, len(ps))}
		for j, s := range ps {
			p.passages[j] = StoredPassage{Seq: s.Seq, Start: s.Start, End: s.End, Text: s.Text}
			p.terms[j] = passageTerms(nil, a.Doc.Title, s.Seq, s.Text)
		}
		prep[i] = p
	}

	l.refreshMu.Lock()
	defer l.refreshMu.Unlock()
	unlock, err := l.st.LockWrites(ctx)
	if err != nil {
		return put, fmt.Errorf("briefing: %w", err)
	}
	defer unlock()
	if err := l.syncIndex(ctx, true); err != nil { // another process's changes first: the log continues them
		return put, err
	}
	known, err := l.st.ArticlesByID(ctx, ids)
	if err != nil {
		return put, err
	}
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.version++
	err = l.st.Update(ctx, func(tx Tx) error {
		for i, x := range in {
			d := x.Doc
			old, ok := known[d.ID]
			if ok && old.Hash == d.Hash {
				put.Unchanged++
				continue
			}
			a := StoredArticle{
				ID: d.ID, Title: d.Title, Source: d.Source, Author: d.Author, URL: d.URL,
				Published: d.Published, Hash: d.Hash, Size: int64(len(d.Text)), FirstSeen: x.FirstSeen,
			}
			if a.FirstSeen.IsZero() || a.FirstSeen.After(now) {
				a.FirstSeen = now
			}
			if ok {
				if err := l.unindex(ctx, old); err != nil {
					return err
				}
				a.Ord, a.FirstSeen = old.Ord, old.FirstSeen
				put.Changed++
			} else {
				put.Added++
			}
			ps := prep[i].passages
			if err := tx.PutArticle(ctx, &a, ps); err != nil {
				return err
			}
			for j := range ps {
				l.ixAdd(uint32(ps[j].ID), uint32(a.Ord), prep[i].terms[j], nil)
			}
			known[d.ID] = a // a repeated ID in the batch is settled once
		}
		return ctx.Err()
	})
	return put, l.settle(ctx, err, put.Added+put.Changed)
}

// DeleteArticles removes the articles whose ID starts with prefix and
// whose date (published, else first seen) is before cutoff (any date when
// cutoff is zero), from the store and the index. The prefix must end with
// "/" and must not be empty: folder articles are the re-scan's business.
func (l *Library) DeleteArticles(ctx context.Context, prefix string, cutoff time.Time) (int, error) {
	if !strings.HasSuffix(prefix, "/") || prefix == "/" {
		return 0, fmt.Errorf("briefing: delete articles: prefix %q must be a namespace such as feed/3/", prefix)
	}
	l.refreshMu.Lock()
	defer l.refreshMu.Unlock()
	unlock, err := l.st.LockWrites(ctx)
	if err != nil {
		return 0, fmt.Errorf("briefing: %w", err)
	}
	defer unlock()
	if err := l.syncIndex(ctx, true); err != nil {
		return 0, err
	}
	list, err := l.st.ArticlesWithPrefix(ctx, prefix, cutoff)
	if err != nil || len(list) == 0 {
		return 0, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.version++
	n := 0
	err = l.st.Update(ctx, func(tx Tx) error {
		for _, a := range list {
			if a.Path != "" { // a folder file under the same name: not ours
				continue
			}
			if err := l.unindex(ctx, a); err != nil {
				return err
			}
			if err := tx.DeleteArticle(ctx, a.Ord); err != nil {
				return err
			}
			n++
		}
		return ctx.Err()
	})
	if err != nil {
		n = 0
	}
	return n, l.settle(ctx, err, n)
}

// PruneOlderThan removes the articles of every feed (IDs under "feed/")
// dated before cutoff, index included.
func (l *Library) PruneOlderThan(ctx context.Context, cutoff time.Time) (int, error) {
	return l.DeleteArticles(ctx, "feed/", cutoff)
}

// unindex removes a stored article's passages from the index. The caller
// holds l.mu.
func (l *Library) unindex(ctx context.Context, a StoredArticle) error {
	ps, err := l.st.ArticlePassages(ctx, a.Ord)
	if err != nil {
		return err
	}
	for _, p := range ps {
		l.ixRemove(uint32(p.ID), passageTerms(nil, a.Title, p.Seq, p.Text))
	}
	return nil
}

// settle finishes a write: after a failed transaction the index (which may
// hold part of it) is rebuilt from the store; after a successful one that
// changed something it is marked with the store's corpus generation and
// left to SaveIndex (or the next folder refresh) to persist, since writing
// the whole index after every feed poll would cost more than the poll. A
// restart before that finds the index file of an older generation and
// rebuilds it from the store. The caller holds refreshMu, the store's
// write lock and l.mu.
func (l *Library) settle(ctx context.Context, err error, changed int) error {
	if err != nil {
		l.files.pending = nil
		ld, lerr := l.loadIndex(context.WithoutCancel(ctx), true)
		if lerr != nil {
			l.log.Error("rebuild index after failed write", "error", lerr.Error())
		} else {
			l.setIndex(ld)
		}
		return err
	}
	if changed == 0 {
		l.files.pending = nil
		return nil
	}
	gen, err := l.st.Generation(ctx)
	if err != nil {
		return err
	}
	if gen == l.gen+1 {
		l.logAppend(gen)
	} else {
		l.files.pending = nil
		l.files.bad = true // the log would miss another writer's record
	}
	l.gen = gen
	l.ixDirty = true
	return nil
}

// SaveIndex persists the index when writes from PutArticles or
// DeleteArticles have not been persisted yet.
func (l *Library) SaveIndex(ctx context.Context) error {
	l.refreshMu.Lock()
	defer l.refreshMu.Unlock()
	unlock, err := l.st.LockWrites(ctx)
	if err != nil {
		return fmt.Errorf("briefing: %w", err)
	}
	defer unlock()
	l.mu.RLock()
	dirty := l.ixDirty
	l.mu.RUnlock()
	if dirty {
		l.persistChanges(ctx)
		l.mu.Lock()
		l.ixDirty = false
		l.mu.Unlock()
	}
	return nil
}
