package search

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"math"
)

// The persisted form, all integers little-endian:
//
//	magic "BBSEARCH", version uint32
//	slots uint32, live uint32, totalLen uint64, terms uint32, groups uint32
//	ids, group numbers, lens: slots × uint32 each; dead: ⌈slots/64⌉ × uint64
//	groups: groups × uint32 (group number -> caller's group)
//	names: uint64 length, the term strings concatenated (term-number order)
//	meta: uint64 length, per term uvarint name length, df, last slot, postings length
//	postings: uint64 length, every term's postings concatenated
//	vectors: uint64 length, slots × lexicon dims int8 passage vectors
//	crc32c (Castagnoli) of all the above: uint32
const (
	magic         = "BBSEARCH"
	formatVersion = 2
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// WriteTo writes the index in a compact binary form (versioned, with a
// checksum) that ReadIndex reopens. It does not modify the index, so it may
// run alongside Searches. Removed passages are kept as tombstones; call
// Compact first to drop them.
func (ix *Index) WriteTo(w io.Writer) (int64, error) {
	cw := &countWriter{w: w}
	crc := crc32.New(castagnoli)
	bw := bufio.NewWriterSize(io.MultiWriter(cw, crc), 1<<20)
	var b []byte
	b = append(b, magic...)
	b = binary.LittleEndian.AppendUint32(b, formatVersion)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(ix.ids)))
	b = binary.LittleEndian.AppendUint32(b, uint32(ix.live))
	b = binary.LittleEndian.AppendUint64(b, ix.totalLen)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(ix.terms)))
	b = binary.LittleEndian.AppendUint32(b, uint32(len(ix.gids)))
	bw.Write(b)
	for _, arr := range [][]uint32{ix.ids, ix.gslot, ix.lens} {
		b = b[:0]
		for _, v := range arr {
			b = binary.LittleEndian.AppendUint32(b, v)
			if len(b) >= 1<<16 {
				bw.Write(b)
				b = b[:0]
			}
		}
		bw.Write(b)
	}
	b = b[:0]
	for _, v := range ix.dead {
		b = binary.LittleEndian.AppendUint64(b, v)
	}
	for _, v := range ix.gids {
		b = binary.LittleEndian.AppendUint32(b, v)
	}
	bw.Write(b)

	names := make([]string, len(ix.terms))
	var namesLen uint64
	for t, tid := range ix.dict {
		names[tid] = t
		namesLen += uint64(len(t))
	}
	var meta []byte
	var postLen uint64
	for tid, t := range ix.terms {
		meta = appendUvarint(meta, uint64(len(names[tid])))
		meta = appendUvarint(meta, uint64(t.df))
		meta = appendUvarint(meta, uint64(t.last))
		meta = appendUvarint(meta, uint64(len(t.post)))
		postLen += uint64(len(t.post))
	}
	bw.Write(binary.LittleEndian.AppendUint64(b[:0], namesLen))
	for _, n := range names {
		bw.WriteString(n)
	}
	bw.Write(binary.LittleEndian.AppendUint64(b[:0], uint64(len(meta))))
	bw.Write(meta)
	bw.Write(binary.LittleEndian.AppendUint64(b[:0], postLen))
	for _, t := range ix.terms {
		bw.Write(t.post)
	}
	bw.Write(binary.LittleEndian.AppendUint64(b[:0], uint64(ix.vecs.size())))
	for _, blk := range ix.vecs.blocks {
		b = b[:0]
		for _, v := range blk {
			b = append(b, byte(v))
		}
		bw.Write(b)
	}
	if err := bw.Flush(); err != nil {
		return cw.n, fmt.Errorf("search: write index: %w", err)
	}
	if _, err := cw.Write(binary.LittleEndian.AppendUint32(nil, crc.Sum32())); err != nil {
		return cw.n, fmt.Errorf("search: write index: %w", err)
	}
	return cw.n, nil
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// ErrFormat is returned (wrapped) by ReadIndex for data that is not an index
// written by this version of the package, or that is damaged.
var ErrFormat = errors.New("not a search index of a supported version, or damaged")

// ReadIndex reads an index written by WriteTo.
func ReadIndex(r io.Reader) (*Index, error) {
	ix, err := readIndex(r)
	if err != nil {
		return nil, fmt.Errorf("search: read index: %w", err)
	}
	return ix, nil
}

// sectionReader reads the sections of a persisted index, checksumming them.
type sectionReader struct {
	r   *bufio.Reader
	crc hash.Hash32
	err error
}

// read returns the next n bytes. It grows its buffer as data arrives,
// starting small and at most doubling, so a damaged length cannot make it
// allocate much more than twice what the input holds.
func (s *sectionReader) read(n uint64) []byte {
	if s.err != nil {
		return nil
	}
	const firstChunk, maxChunk = 64 << 10, 64 << 20
	var out []byte
	for uint64(len(out)) < n {
		want := min(n-uint64(len(out)), max(firstChunk, min(uint64(len(out)), maxChunk)))
		start := len(out)
		out = append(out, make([]byte, want)...)
		if _, err := io.ReadFull(s.r, out[start:]); err != nil {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			s.err = err
			return nil
		}
	}
	s.crc.Write(out)
	return out
}

func (s *sectionReader) uint32s(n int) []uint32 {
	b := s.read(uint64(n) * 4)
	if s.err != nil {
		return nil
	}
	out := make([]uint32, n)
	for i := range out {
		out[i] = binary.LittleEndian.Uint32(b[i*4:])
	}
	return out
}

func readIndex(r io.Reader) (*Index, error) {
	s := &sectionReader{r: bufio.NewReaderSize(r, 1<<20), crc: crc32.New(castagnoli)}
	head := s.read(uint64(len(magic) + 4 + 4 + 4 + 8 + 4 + 4))
	if s.err != nil {
		return nil, s.err
	}
	if string(head[:len(magic)]) != magic {
		return nil, ErrFormat
	}
	head = head[len(magic):]
	if v := binary.LittleEndian.Uint32(head); v != formatVersion {
		return nil, fmt.Errorf("version %d: %w", v, ErrFormat)
	}
	nSlots := int(binary.LittleEndian.Uint32(head[4:]))
	ix := &Index{
		idle:     newIdle(),
		live:     int(binary.LittleEndian.Uint32(head[8:])),
		totalLen: binary.LittleEndian.Uint64(head[12:]),
	}
	nTerms := int(binary.LittleEndian.Uint32(head[20:]))
	nGroups := int(binary.LittleEndian.Uint32(head[24:]))
	ix.ids = s.uint32s(nSlots)
	ix.gslot = s.uint32s(nSlots)
	ix.lens = s.uint32s(nSlots)
	ix.codes = lenCodes(ix.lens)
	deadBytes := s.read(uint64(nSlots+63) / 64 * 8)
	if s.err != nil {
		return nil, s.err
	}
	ix.dead = make([]uint64, (nSlots+63)/64)
	for i := range ix.dead {
		ix.dead[i] = binary.LittleEndian.Uint64(deadBytes[i*8:])
	}
	ix.gids = s.uint32s(nGroups)
	names := string(s.read(s.length()))
	meta := s.read(s.length())
	post := s.read(s.length())
	vecs := s.read(s.length())
	if s.err != nil {
		return nil, s.err
	}
	ix.lex = builtinLexicon()
	if len(vecs) != nSlots*ix.lex.dims {
		return nil, fmt.Errorf("passage vectors of another lexicon: %w", ErrFormat)
	}
	if d := ix.lex.dims; d > 0 {
		ix.vecs.dims = d
		row := make([]int8, d)
		for s := range nSlots {
			for k, c := range vecs[s*d : (s+1)*d] {
				row[k] = int8(c)
			}
			ix.vecs.push(row)
		}
	}
	sum := s.crc.Sum32()
	var tail [4]byte
	if _, err := io.ReadFull(s.r, tail[:]); err != nil {
		return nil, fmt.Errorf("checksum: %w", io.ErrUnexpectedEOF)
	}
	if binary.LittleEndian.Uint32(tail[:]) != sum {
		return nil, fmt.Errorf("checksum mismatch: %w", ErrFormat)
	}

	// Each term takes at least four bytes of the term table.
	if uint64(nTerms) > uint64(len(meta))/4 {
		return nil, fmt.Errorf("term count: %w", ErrFormat)
	}
	ix.dict = make(map[string]uint32, nTerms)
	ix.terms = make([]termInfo, nTerms)
	var np, mp, pp uint64
	for tid := range ix.terms {
		var v [4]uint64
		for j := range v {
			x, n := binary.Uvarint(meta[mp:])
			if n <= 0 {
				return nil, fmt.Errorf("term table: %w", ErrFormat)
			}
			v[j] = x
			mp += uint64(n)
		}
		if np+v[0] > uint64(len(names)) || pp+v[3] > uint64(len(post)) || v[2] >= uint64(max(nSlots, 1)) {
			return nil, fmt.Errorf("term table: %w", ErrFormat)
		}
		ix.dict[names[np:np+v[0]]] = uint32(tid)
		ix.terms[tid] = termInfo{post: post[pp : pp+v[3] : pp+v[3]], df: uint32(v[1]), last: uint32(v[2])}
		np += v[0]
		pp += v[3]
	}
	if np != uint64(len(names)) || pp != uint64(len(post)) || len(ix.dict) != nTerms {
		return nil, fmt.Errorf("term table: %w", ErrFormat)
	}
	if err := ix.checkSlots(); err != nil {
		return nil, err
	}
	if err := ix.checkPostings(); err != nil {
		return nil, err
	}
	ix.gmap = make(map[uint32]uint32, len(ix.gids))
	for g, group := range ix.gids {
		ix.gmap[group] = uint32(g)
	}
	if len(ix.gmap) != len(ix.gids) {
		return nil, fmt.Errorf("group table: %w", ErrFormat)
	}
	return ix, nil
}

func (s *sectionReader) length() uint64 {
	b := s.read(8)
	if s.err != nil {
		return 0
	}
	return binary.LittleEndian.Uint64(b)
}

// checkSlots verifies the per-passage tables against the header counts.
func (ix *Index) checkSlots() error {
	live := 0
	var total uint64
	for s := range ix.ids {
		if s > 0 && ix.ids[s] <= ix.ids[s-1] {
			return fmt.Errorf("passage ids out of order: %w", ErrFormat)
		}
		if int(ix.gslot[s]) >= len(ix.gids) {
			return fmt.Errorf("passage group: %w", ErrFormat)
		}
		if !ix.isDead(uint32(s)) {
			live++
			total += uint64(ix.lens[s])
		}
	}
	if live != ix.live || total != ix.totalLen {
		return fmt.Errorf("passage counts: %w", ErrFormat)
	}
	return nil
}

// checkPostings verifies that every term's postings decode to slots in
// range, strictly increasing and ending at the term's last slot, with no
// more live passages than postings.
func (ix *Index) checkPostings() error {
	n := uint64(len(ix.ids))
	for tid := range ix.terms {
		t := &ix.terms[tid]
		var slot, count uint64
		for i := 0; i < len(t.post); {
			v, k := binary.Uvarint(t.post[i:])
			if k <= 0 {
				return fmt.Errorf("postings: %w", ErrFormat)
			}
			i += k
			gap := v >> 1
			if count > 0 && gap == 0 {
				return fmt.Errorf("postings out of order: %w", ErrFormat)
			}
			slot += gap
			if slot >= n {
				return fmt.Errorf("postings: slot out of range: %w", ErrFormat)
			}
			if v&1 != 0 {
				tf, k := binary.Uvarint(t.post[i:])
				if k <= 0 || tf < 2 || tf > math.MaxUint32 {
					return fmt.Errorf("postings: term frequency: %w", ErrFormat)
				}
				i += k
			}
			count++
		}
		if uint64(t.df) > count || (count > 0 && slot != uint64(t.last)) {
			return fmt.Errorf("postings: counts: %w", ErrFormat)
		}
	}
	return nil
}
