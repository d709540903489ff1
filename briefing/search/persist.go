package search

import (
	"bufio"
	"bytes"
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"os"
	"slices"
	"unsafe"
)

// The persisted form is laid out to be used where it lies (a memory-mapped
// file): fixed-width tables, each starting at a multiple of 8 bytes, all
// integers little-endian.
//
//	magic "BBSEARCH", version uint32, 0 uint32
//	slots, live, totalLen, terms, groups, dims, namesLen, postLen: uint64
//	ids, group numbers, lens: slots × uint32 each; codes: slots × uint8
//	dead: ⌈slots/64⌉ × uint64; groups: groups × uint32
//	per term (in sorted name order): name end uint32, postings end uint64,
//	  df uint32, last slot uint32 (four tables)
//	names: the term strings concatenated; postings: every term's, concatenated
//	vectors: slots × dims int8 passage vectors
//	crc32c (Castagnoli) of everything before the postings: uint32
//	crc32c of everything before this one: uint32
//
// Each table is padded with zeros to a multiple of 8 bytes.
const (
	magic         = "BBSEARCH"
	formatVersion = 3
	headerSize    = 16 + 8*8
	maxDims       = 4096
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// layout is where each table of a persisted index lies.
type layout struct {
	slots, live, totalLen, terms, groups, dims, namesLen, postLen uint64

	ids, gslot, lens, codes, dead, gids     uint64
	nameEnd, postEnd, df, last              uint64
	names, post, vecs, crcHead, crcAll, end uint64
}

func pad8(n uint64) uint64 { return (n + 7) &^ 7 }

// plan computes the offsets from the counts; ok is false when they cannot
// describe a file (overflow, too many dimensions).
func (l *layout) plan() bool {
	if l.slots > math.MaxUint32 || l.terms > math.MaxUint32 || l.groups > math.MaxUint32 ||
		l.dims > maxDims || l.namesLen > math.MaxUint32 || l.postLen > 1<<48 || l.live > l.slots {
		return false
	}
	off := uint64(headerSize)
	next := func(size uint64) uint64 {
		at := off
		off += pad8(size)
		return at
	}
	l.ids = next(4 * l.slots)
	l.gslot = next(4 * l.slots)
	l.lens = next(4 * l.slots)
	l.codes = next(l.slots)
	l.dead = next(8 * ((l.slots + 63) / 64))
	l.gids = next(4 * l.groups)
	l.nameEnd = next(4 * l.terms)
	l.postEnd = next(8 * l.terms)
	l.df = next(4 * l.terms)
	l.last = next(4 * l.terms)
	l.names = next(l.namesLen)
	l.post = next(l.postLen)
	l.vecs = next(l.slots * l.dims)
	l.crcHead = off
	l.crcAll = off + 4
	l.end = off + 8
	return true
}

func (l *layout) header() []byte {
	b := make([]byte, 0, headerSize)
	b = append(b, magic...)
	b = binary.LittleEndian.AppendUint32(b, formatVersion)
	b = binary.LittleEndian.AppendUint32(b, 0)
	for _, v := range []uint64{l.slots, l.live, l.totalLen, l.terms, l.groups, l.dims, l.namesLen, l.postLen} {
		b = binary.LittleEndian.AppendUint64(b, v)
	}
	return b
}

// parseHeader reads the counts of a persisted index from its first
// headerSize bytes.
func parseHeader(b []byte) (layout, error) {
	var l layout
	if len(b) < headerSize {
		return l, io.ErrUnexpectedEOF
	}
	if string(b[:len(magic)]) != magic {
		return l, ErrFormat
	}
	if v := binary.LittleEndian.Uint32(b[len(magic):]); v != formatVersion {
		return l, fmt.Errorf("version %d: %w", v, ErrFormat)
	}
	f := make([]uint64, 8)
	for i := range f {
		f[i] = binary.LittleEndian.Uint64(b[16+8*i:])
	}
	l.slots, l.live, l.totalLen, l.terms, l.groups, l.dims, l.namesLen, l.postLen = f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7]
	if !l.plan() {
		return l, fmt.Errorf("header: %w", ErrFormat)
	}
	return l, nil
}

// WriteTo writes the index in the binary form (versioned, with checksums)
// that ReadIndex and OpenIndex reopen. It does not modify the index, so it
// may run alongside Searches. Removed passages are kept as tombstones; call
// Compact first to drop them.
func (ix *Index) WriteTo(w io.Writer) (int64, error) {
	names := make([]string, len(ix.terms))
	var namesLen, postLen uint64
	ix.dict.each(func(t string, tid uint32) {
		names[tid] = t
		namesLen += uint64(len(t))
	})
	order := make([]uint32, len(ix.terms))
	for i := range order {
		order[i] = uint32(i)
		postLen += uint64(ix.terms[i].size())
	}
	slices.SortFunc(order, func(a, b uint32) int { return cmp.Compare(names[a], names[b]) })
	l := layout{
		slots: uint64(len(ix.ids)), live: uint64(ix.live), totalLen: ix.totalLen,
		terms: uint64(len(ix.terms)), groups: uint64(len(ix.gids)), dims: uint64(ix.lex.dims),
		namesLen: namesLen, postLen: postLen,
	}
	if uint64(ix.vecs.size()) != l.slots*l.dims {
		l.dims = 0 // no vectors (an index without a lexicon)
	}
	if !l.plan() {
		return 0, fmt.Errorf("search: write index: too large")
	}

	cw := &countWriter{w: w}
	crc := crc32.New(castagnoli)
	bw := bufio.NewWriterSize(io.MultiWriter(cw, crc), 1<<20)
	b := l.header()
	bw.Write(b)
	var off uint64 = headerSize
	flush := func() {
		bw.Write(b)
		off += uint64(len(b))
		b = b[:0]
	}
	// table writes one table: n values appended by put, then padding.
	table := func(at uint64, n int, put func(i int)) {
		if off != at {
			panic("search: index layout") // a bug in plan or here
		}
		b = b[:0]
		for i := range n {
			put(i)
			if len(b) >= 1<<16 {
				flush()
			}
		}
		for (off+uint64(len(b)))%8 != 0 {
			b = append(b, 0)
		}
		flush()
	}
	u32 := func(v uint32) { b = binary.LittleEndian.AppendUint32(b, v) }
	for _, arr := range [][]uint32{ix.ids, ix.gslot, ix.lens} {
		table(off, len(arr), func(i int) { u32(arr[i]) })
	}
	table(l.codes, len(ix.codes), func(i int) { b = append(b, ix.codes[i]) })
	table(l.dead, (len(ix.ids)+63)/64, func(i int) { b = binary.LittleEndian.AppendUint64(b, ix.dead[i]) })
	table(l.gids, len(ix.gids), func(i int) { u32(ix.gids[i]) })
	var end uint64
	table(l.nameEnd, len(order), func(i int) { end += uint64(len(names[order[i]])); u32(uint32(end)) })
	end = 0
	table(l.postEnd, len(order), func(i int) {
		end += uint64(ix.terms[order[i]].size())
		b = binary.LittleEndian.AppendUint64(b, end)
	})
	table(l.df, len(order), func(i int) { u32(ix.terms[order[i]].df) })
	table(l.last, len(order), func(i int) { u32(ix.terms[order[i]].last) })
	table(l.names, len(order), func(i int) { b = append(b, names[order[i]]...) })
	if err := bw.Flush(); err != nil {
		return cw.n, fmt.Errorf("search: write index: %w", err)
	}
	head := crc.Sum32()
	table(l.post, len(order), func(i int) {
		t := &ix.terms[order[i]]
		b = append(append(b, t.post...), t.more...)
	})
	if l.dims > 0 {
		// The blocks go to bw as they lie (int8 and byte are the same
		// bits), not through b: a block is megabytes.
		if off != l.vecs {
			panic("search: index layout")
		}
		for _, blk := range ix.vecs.blocks {
			if len(blk) > 0 {
				bw.Write(unsafe.Slice((*byte)(unsafe.Pointer(&blk[0])), len(blk)))
				off += uint64(len(blk))
			}
		}
		table(off, 0, nil)
	}
	b = binary.LittleEndian.AppendUint32(b[:0], head)
	flush()
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

// ErrFormat is returned (wrapped) by ReadIndex and OpenIndex for data that
// is not an index written by this version of the package, or that is
// damaged.
var ErrFormat = errors.New("not a search index of a supported version, or damaged")

// ReadIndex reads an index written by WriteTo into memory and verifies all
// of it (checksums, every posting).
func ReadIndex(r io.Reader) (*Index, error) {
	ix, err := readIndex(r)
	if err != nil {
		return nil, fmt.Errorf("search: read index: %w", err)
	}
	return ix, nil
}

func readIndex(r io.Reader) (*Index, error) {
	br := bufio.NewReaderSize(r, 1<<20)
	head, err := readGrowing(br, headerSize, nil)
	if err != nil {
		return nil, err
	}
	l, err := parseHeader(head)
	if err != nil {
		return nil, err
	}
	data, err := readGrowing(br, l.end, head)
	if err != nil {
		return nil, err
	}
	ix, err := openIndex(data, true)
	if err != nil {
		return nil, err
	}
	return ix, nil
}

// readGrowing reads until out holds n bytes. It grows out as data arrives,
// starting small and at most doubling, so a damaged length cannot make it
// allocate much more than twice what the input holds.
func readGrowing(r io.Reader, n uint64, out []byte) ([]byte, error) {
	const firstChunk, maxChunk = 64 << 10, 64 << 20
	for uint64(len(out)) < n {
		want := min(n-uint64(len(out)), max(firstChunk, min(uint64(len(out)), maxChunk)))
		start := len(out)
		out = append(out, make([]byte, want)...)
		if _, err := io.ReadFull(r, out[start:]); err != nil {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return nil, err
		}
	}
	return out, nil
}

// OpenIndex returns the index persisted in data (as written by WriteTo),
// using data where it lies: the tables are not decoded or copied, so
// opening takes time for the number of terms, not for the postings. data
// must stay unmodified while the index is in use; Add, Remove and Compact
// copy what they change. Because it does not read the postings and
// passage vectors, OpenIndex checks their layout but not their checksum:
// damage there cannot make Search fail, but may change its answers (Verify
// checks everything).
func OpenIndex(data []byte) (*Index, error) {
	ix, err := openIndex(data, false)
	if err != nil {
		return nil, fmt.Errorf("search: open index: %w", err)
	}
	return ix, nil
}

// Verify checks the whole of an index opened by OpenIndex: the checksum
// of the postings and vectors, and that every posting is in order and in
// range.
func (ix *Index) Verify() error {
	if ix.data != nil {
		l := ix.layout
		if crc32.Checksum(ix.data[:l.crcAll], castagnoli) != binary.LittleEndian.Uint32(ix.data[l.crcAll:]) {
			return fmt.Errorf("search: verify index: checksum mismatch: %w", ErrFormat)
		}
	}
	if err := ix.checkPostings(); err != nil {
		return fmt.Errorf("search: verify index: %w", err)
	}
	return nil
}

// littleEndian reports whether the host stores integers as the file does,
// so that its tables can be used in place.
func littleEndian() bool { return binary.NativeEndian.Uint16([]byte{1, 0}) == 1 }

// u32s returns n uint32s at off in data: in place when the host and the
// alignment allow, decoded otherwise. The slice's capacity is its length, so
// appending to it copies.
func u32s(data []byte, off, n uint64) []uint32 {
	if n == 0 {
		return nil
	}
	b := data[off : off+4*n]
	if littleEndian() && uintptr(unsafe.Pointer(&b[0]))%4 == 0 {
		return unsafe.Slice((*uint32)(unsafe.Pointer(&b[0])), n)
	}
	out := make([]uint32, n)
	for i := range out {
		out[i] = binary.LittleEndian.Uint32(b[4*i:])
	}
	return out
}

func u64s(data []byte, off, n uint64) []uint64 {
	if n == 0 {
		return nil
	}
	b := data[off : off+8*n]
	if littleEndian() && uintptr(unsafe.Pointer(&b[0]))%8 == 0 {
		return unsafe.Slice((*uint64)(unsafe.Pointer(&b[0])), n)
	}
	out := make([]uint64, n)
	for i := range out {
		out[i] = binary.LittleEndian.Uint64(b[8*i:])
	}
	return out
}

// openIndex builds an index over data; full also verifies the postings,
// their checksum and the group table.
func openIndex(data []byte, full bool) (*Index, error) {
	l, err := parseHeader(data)
	if err != nil {
		return nil, err
	}
	if uint64(len(data)) < l.end {
		return nil, io.ErrUnexpectedEOF
	}
	if uint64(len(data)) > l.end {
		return nil, fmt.Errorf("trailing data: %w", ErrFormat)
	}
	lex := builtinLexicon()
	if l.dims != uint64(lex.dims) && !(l.dims == 0 && l.slots == 0) {
		return nil, fmt.Errorf("passage vectors of another lexicon: %w", ErrFormat)
	}
	if crc32.Checksum(data[:l.post], castagnoli) != binary.LittleEndian.Uint32(data[l.crcHead:]) {
		return nil, fmt.Errorf("checksum mismatch: %w", ErrFormat)
	}
	if full && crc32.Checksum(data[:l.crcAll], castagnoli) != binary.LittleEndian.Uint32(data[l.crcAll:]) {
		return nil, fmt.Errorf("checksum mismatch: %w", ErrFormat)
	}
	ix := &Index{
		data:     data,
		layout:   l,
		idle:     newIdle(),
		lex:      lex,
		live:     int(l.live),
		totalLen: l.totalLen,
	}
	n := l.slots
	ix.ids = u32s(data, l.ids, n)
	ix.gslot = u32s(data, l.gslot, n)
	ix.lens = u32s(data, l.lens, n)
	ix.codes = data[l.codes : l.codes+n : l.codes+n]
	// Remove writes the tombstones: they are copied.
	ix.dead = slices.Clone(u64s(data, l.dead, (n+63)/64))
	if ix.dead == nil {
		ix.dead = []uint64{}
	}
	ix.gids = u32s(data, l.gids, l.groups)
	if l.dims > 0 && n > 0 {
		// The vectors' blocks point into data; appending to the last
		// copies it (its capacity is its length).
		v := data[l.vecs : l.vecs+n*l.dims]
		all := unsafe.Slice((*int8)(unsafe.Pointer(&v[0])), len(v))
		ix.vecs = vectors{dims: int(l.dims), n: int(n)}
		step := vecBlock * int(l.dims)
		for i := 0; i < len(all); i += step {
			end := min(i+step, len(all))
			ix.vecs.blocks = append(ix.vecs.blocks, all[i:end:end])
		}
	}

	nameEnd := u32s(data, l.nameEnd, l.terms)
	postEnd := u64s(data, l.postEnd, l.terms)
	df := u32s(data, l.df, l.terms)
	last := u32s(data, l.last, l.terms)
	names := data[l.names : l.names+l.namesLen]
	post := data[l.post : l.post+l.postLen]
	ix.dict = termDict{base: unsafe.String(unsafe.SliceData(names), len(names)), ends: nameEnd}
	ix.terms = make([]termInfo, l.terms)
	var pstart uint64
	var prev []byte
	var nstart uint32
	for i := range ix.terms {
		ne, pe := nameEnd[i], postEnd[i]
		if ne < nstart || uint64(ne) > l.namesLen || pe < pstart || pe > l.postLen || df[i] > uint32(l.live) {
			return nil, fmt.Errorf("term table: %w", ErrFormat)
		}
		name := names[nstart:ne]
		if i > 0 && bytes.Compare(prev, name) >= 0 {
			return nil, fmt.Errorf("term table: names out of order: %w", ErrFormat)
		}
		if pe > pstart && uint64(last[i]) >= n {
			return nil, fmt.Errorf("term table: %w", ErrFormat)
		}
		ix.terms[i] = termInfo{post: post[pstart:pe:pe], df: df[i], last: last[i]}
		prev, nstart, pstart = name, ne, pe
	}
	if uint64(nstart) != l.namesLen || pstart != l.postLen {
		return nil, fmt.Errorf("term table: %w", ErrFormat)
	}
	if err := ix.checkSlots(); err != nil {
		return nil, err
	}
	if full {
		if err := ix.checkPostings(); err != nil {
			return nil, err
		}
		seen := make(map[uint32]bool, len(ix.gids))
		for _, g := range ix.gids {
			if seen[g] {
				return nil, fmt.Errorf("group table: %w", ErrFormat)
			}
			seen[g] = true
		}
	}
	return ix, nil
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
		for _, post := range t.parts() {
			for i := 0; i < len(post); {
				v, k := binary.Uvarint(post[i:])
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
					tf, k := binary.Uvarint(post[i:])
					if k <= 0 || tf < 2 || tf > math.MaxUint32 {
						return fmt.Errorf("postings: term frequency: %w", ErrFormat)
					}
					i += k
				}
				count++
			}
		}
		if uint64(t.df) > count || (count > 0 && slot != uint64(t.last)) {
			return fmt.Errorf("postings: counts: %w", ErrFormat)
		}
	}
	return nil
}

// readIndexFile reads f from off into memory and opens the index there
// (OpenIndexFile's way where a file cannot be mapped).
func readIndexFile(f *os.File, off int64) (*Index, error) {
	if _, err := f.Seek(off, io.SeekStart); err != nil {
		return nil, fmt.Errorf("search: open index: %w", err)
	}
	br := bufio.NewReaderSize(f, 1<<20)
	head, err := readGrowing(br, headerSize, nil)
	if err == nil {
		var l layout
		if l, err = parseHeader(head); err == nil {
			head, err = readGrowing(br, l.end, head)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("search: open index: %w", err)
	}
	return OpenIndex(head)
}
