package briefing

import (
	"context"
	"crypto/sha256"
	"time"
)

// Embedder turns texts into vectors through an embeddings model (briefing/llm
// implements it over an OpenAI-compatible /v1/embeddings endpoint). Embed
// returns one vector for each text, in order, all of the same length.
// Implementations must honour ctx and must not put secrets in their errors.
type Embedder interface {
	Embed(ctx context.Context, texts []string) ([][]float32, error)
	Model() string // the model's name: cached vectors are keyed by it
}

// Rewriter rewrites a question into extra search words (an LLM does it in
// briefing/llm): the words a passage answering it would likely use. Its
// reply only adds candidates to the user's own words; it never replaces
// them. Implementations must honour ctx.
type Rewriter interface {
	Rewrite(ctx context.Context, question string) (string, error)
}

// EmbeddingStore is what dense retrieval needs from the Store besides the
// Store itself: a cache of vectors by model and passage content hash, and
// which content hash each passage has. A Store given to Open with an
// Embedder must implement it (briefing/store does). Vectors are never
// deleted with their passages: an unchanged passage is never embedded
// twice, also across a re-index.
type EmbeddingStore interface {
	// PassageRefs returns every passage's id and article ord, in id order.
	PassageRefs(ctx context.Context) ([]PassageRef, error)
	// PassageVectors returns, of the passages ids, those whose content hash
	// is recorded and has a cached vector of model, by passage id.
	PassageVectors(ctx context.Context, model string, ids []int64) (map[int64][]float32, error)
	// EachPassageVector calls fn for every passage whose content hash is
	// recorded and has a cached vector of model (in no set order), stopping
	// at fn's first error: loading them all in one pass.
	EachPassageVector(ctx context.Context, model string, fn func(id int64, vec []float32) error) error
	// VectorsByHash returns the cached vectors of model with the given
	// content hashes, by hash.
	VectorsByHash(ctx context.Context, model string, hashes []ContentHash) (map[ContentHash][]float32, error)
	// PutPassageVectors records each passage's content hash and caches the
	// vectors given (a nil Vector only records the hash, of content whose
	// vector is cached already), in one transaction.
	PutPassageVectors(ctx context.Context, model string, vs []PassageVector) error
	// PruneVectors forgets the hashes of passages that are gone, and the
	// vectors no passage has had since before.
	PruneVectors(ctx context.Context, before time.Time) error
}

// PassageRef is a passage's id and its article's ord.
type PassageRef struct {
	ID      int64
	Article int64
}

// ContentHash identifies a passage's text (SHA-256).
type ContentHash [sha256.Size]byte

// HashText returns the content hash of text.
func HashText(text string) ContentHash { return sha256.Sum256([]byte(text)) }

// PassageVector is one passage's content hash and, when newly computed, its
// vector (see EmbeddingStore.PutPassageVectors).
type PassageVector struct {
	ID     int64
	Hash   ContentHash
	Vector []float32
}
