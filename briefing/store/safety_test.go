package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestQuickCheckFindsDamage(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 20 {
		a := Article{ID: fmt.Sprintf("a%d", i), Path: fmt.Sprintf("a%d.md", i), Hash: fmt.Sprint(i), FirstSeen: time.Now()}
		ps := []Passage{{Text: strings.Repeat(fmt.Sprintf("passage %d of a test article. ", i), 100)}}
		if err := s.Update(ctx, func(tx *Tx) error { return tx.PutArticle(ctx, &a, ps) }); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.QuickCheck(ctx); err != nil {
		t.Fatalf("a sound database: %v", err)
	}
	s.Close()
	f, err := os.OpenFile(filepath.Join(dir, FileName), os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	junk := []byte(strings.Repeat("\xde\xad\xbe\xef", 1024))
	for _, page := range []int64{3, 5, 8} {
		f.WriteAt(junk, page*4096)
	}
	f.Close()
	s, err = Open(ctx, dir)
	if err != nil {
		t.Logf("refused at open: %v", err)
		return // refused at open: as good
	}
	defer s.Close()
	if err := s.QuickCheck(ctx); !errors.Is(err, ErrCorrupt) {
		t.Errorf("a damaged database: %v, want ErrCorrupt", err)
	}
}

func TestGenerationCountsArticleWrites(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if g, err := s.Generation(ctx); g != 0 || err != nil {
		t.Fatalf("new store: generation %d, %v", g, err)
	}
	a := Article{ID: "a", Path: "a.md", Hash: "h", FirstSeen: time.Now()}
	var done *Tx
	if err := s.Update(ctx, func(tx *Tx) error { done = tx; return tx.PutArticle(ctx, &a, nil) }); err != nil {
		t.Fatal(err)
	}
	if g, _ := s.Generation(ctx); g != 1 || done.Generation() != 1 {
		t.Errorf("after a put: generation %d (tx %d), want 1", g, done.Generation())
	}
	s.Update(ctx, func(tx *Tx) error { return tx.Touch(ctx, a.Ord, "b.md", 1, time.Now()) })
	if g, _ := s.Generation(ctx); g != 1 {
		t.Errorf("a touch changed the generation to %d", g)
	}
	s.Update(ctx, func(tx *Tx) error { return tx.DeleteArticle(ctx, a.Ord) })
	if g, _ := s.Generation(ctx); g != 2 {
		t.Errorf("after a delete: generation %d, want 2", g)
	}
}

func TestTryLock(t *testing.T) {
	dir := t.TempDir()
	l, err := TryLock(dir, ServeLock)
	if err != nil {
		t.Fatal(err)
	}
	_, err = TryLock(dir, ServeLock)
	var le *LockedError
	if !errors.Is(err, ErrLocked) || !errors.As(err, &le) || le.PID != os.Getpid() {
		t.Errorf("second lock: %v, want ErrLocked naming this process", err)
	}
	l.Unlock()
	l, err = TryLock(dir, ServeLock)
	if err != nil {
		t.Errorf("lock after unlock: %v", err)
	}
	l.Unlock()
}
