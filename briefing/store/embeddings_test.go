package store

import (
	"context"
	"strconv"
	"testing"
	"time"

	"briefbot/briefing"
)

// TestEmbeddingsMigrationAndCache: a database from before the vector
// tables keeps its articles when they are added; vectors are cached by
// model and content hash, found through a passage's recorded hash, and
// pruned only when no passage has them and they are old.
func TestEmbeddingsMigrationAndCache(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	// As before this file: no vector tables.
	if _, err := s.DB().ExecContext(ctx, `DROP TABLE embeddings; DROP TABLE passage_hashes`); err != nil {
		t.Fatal(err)
	}
	a := Article{ID: "a", Path: "a.md", Hash: "h", FirstSeen: time.Now()}
	ps := []Passage{{Seq: 0, Text: "first passage"}, {Seq: 1, Text: "second passage"}}
	if err := s.Update(ctx, func(tx briefing.Tx) error { return tx.PutArticle(ctx, &a, ps) }); err != nil {
		t.Fatal(err)
	}
	s.Close()

	s, err = Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	refs, err := s.PassageRefs(ctx)
	if err != nil || len(refs) != 2 || refs[0].Article != a.Ord {
		t.Fatalf("passages after the migration: %+v, %v", refs, err)
	}
	h0, h1 := briefing.HashText(ps[0].Text), briefing.HashText(ps[1].Text)
	err = s.PutPassageVectors(ctx, "m1", []briefing.PassageVector{{ID: refs[0].ID, Hash: h0, Vector: []float32{1, -0.5}}, {ID: refs[1].ID, Hash: h1, Vector: []float32{0, 2}}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.PassageVectors(ctx, "m1", []int64{refs[0].ID, refs[1].ID, 999})
	if err != nil || len(got) != 2 || got[refs[0].ID][1] != -0.5 || got[refs[1].ID][1] != 2 {
		t.Errorf("passage vectors: %v, %v", got, err)
	}
	if got, _ := s.PassageVectors(ctx, "other-model", []int64{refs[0].ID}); len(got) != 0 {
		t.Errorf("another model's vectors: %v", got)
	}
	each := map[int64]float32{}
	if err := s.EachPassageVector(ctx, "m1", func(id int64, v []float32) error { each[id] = v[1]; return nil }); err != nil || len(each) != 2 || each[refs[1].ID] != 2 {
		t.Errorf("each passage vector: %v, %v", each, err)
	}
	byHash, err := s.VectorsByHash(ctx, "m1", []briefing.ContentHash{h1, briefing.HashText("unknown")})
	if err != nil || len(byHash) != 1 || byHash[h1][1] != 2 {
		t.Errorf("by hash: %v, %v", byHash, err)
	}

	// The article goes: its hashes are forgotten, its vectors kept until old.
	if err := s.Update(ctx, func(tx briefing.Tx) error { return tx.DeleteArticle(ctx, a.Ord) }); err != nil {
		t.Fatal(err)
	}
	if err := s.PruneVectors(ctx, time.Now().Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	if byHash, _ := s.VectorsByHash(ctx, "m1", []briefing.ContentHash{h0, h1}); len(byHash) != 2 {
		t.Errorf("recent vectors pruned: %d left", len(byHash))
	}
	if err := s.PruneVectors(ctx, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if byHash, _ := s.VectorsByHash(ctx, "m1", []briefing.ContentHash{h0, h1}); len(byHash) != 0 {
		t.Errorf("old unused vectors kept: %d", len(byHash))
	}
}

// BenchmarkLoadVectors reads the cached vectors of 20k passages of 768
// dimensions: all in one pass (as a library does at start) and by id.
func BenchmarkLoadVectors(b *testing.B) {
	ctx := context.Background()
	s, err := Open(ctx, b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	const n, dims = 20_000, 768
	ps := make([]Passage, n)
	for i := range ps {
		ps[i] = Passage{Seq: i, Text: "passage " + strconv.Itoa(i)}
	}
	a := Article{ID: "a", Path: "a.md", Hash: "h", FirstSeen: time.Now()}
	if err := s.Update(ctx, func(tx briefing.Tx) error { return tx.PutArticle(ctx, &a, ps) }); err != nil {
		b.Fatal(err)
	}
	vs := make([]briefing.PassageVector, n)
	ids := make([]int64, n)
	for i, p := range ps {
		v := make([]float32, dims)
		v[i%dims] = 1
		vs[i] = briefing.PassageVector{ID: p.ID, Hash: briefing.HashText(p.Text), Vector: v}
		ids[i] = p.ID
	}
	if err := s.PutPassageVectors(ctx, "m", vs); err != nil {
		b.Fatal(err)
	}
	b.Run("one pass", func(b *testing.B) {
		for b.Loop() {
			got := 0
			if err := s.EachPassageVector(ctx, "m", func(int64, []float32) error { got++; return nil }); err != nil || got != n {
				b.Fatal(got, err)
			}
		}
	})
	b.Run("by id", func(b *testing.B) {
		for b.Loop() {
			if got, err := s.PassageVectors(ctx, "m", ids); err != nil || len(got) != n {
				b.Fatal(len(got), err)
			}
		}
	})
}
