package search

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"runtime"
	"sync"
)

// A change log records what was added to and removed from an index since
// it was last written whole (WriteTo), so that a small change costs a
// small append instead of a rewrite: the persisted index plus its log,
// replayed in order by Apply, is the same index. The log is a sequence of
// records, each framed as
//
//	payload length uint32 (bit 31 set: format 2), crc32c (Castagnoli) of
//	the payload uint32, payload
//
// (little-endian). A format-1 payload (AppendLogRecord; written by older
// versions, still read) is
//
//	uvarint seq, uvarint term count, the terms (uvarint length, bytes),
//	uvarint op count, per op: byte kind (0 add, 1 remove), uvarint id,
//	uvarint group (adds only), uvarint term count, that many uvarint
//	indexes into the record's terms, in the passage's order.
//
// A format-2 payload (LogEncoder) carries what replaying needs already
// worked out, so that Apply neither looks a term up per occurrence nor
// computes passage vectors:
//
//	uvarint seq, uvarint dims (of the passage vectors),
//	uvarint term count, the record's distinct terms in increasing byte
//	  order (uvarint length, bytes),
//	uvarint run count, per run (consecutive ops of one kind, in order):
//	  byte 0 (adds): uvarint n; per add: uvarint id (the first absolute,
//	    then the increase from the one before), uvarint group;
//	    n × dims int8 vectors; uvarint term count, per term (in increasing
//	    order): uvarint term index (the first absolute, then the increase),
//	    uvarint postings length, postings in the index's encoding
//	    (uvarint(gap<<1 | tf>1) [uvarint(tf)]) over the run's local slots
//	    0..n-1, the first gap being the local slot itself;
//	  byte 1 (removes, as written before counted removals): uvarint n;
//	    per removal: uvarint id, uvarint k, the passage's k distinct term
//	    indexes (increasing; the first absolute, then the increase);
//	  byte 2 (counted removes): uvarint n; per removal: the id's change
//	    from the one before (from 0 for the first), zigzag uvarint;
//	    uvarint term count, per term of the removed passages (in
//	    increasing order): uvarint term index (the first absolute, then
//	    the increase), uvarint how many of the n passages use it (1..n).
//
// An added passage's length is the sum of its term frequencies. A run of
// counted removals must name passages live in the index, each once, and
// counts within the terms' document frequencies: Apply refuses it
// otherwise (it cannot tell which passage a count belongs to), so only
// removals that Remove reports it made may be logged. A record
// is written whole or found torn: ReadLog stops at the first frame that is
// incomplete, fails its checksum or whose payload is not well formed.

// LogOp is one change to an index: the passage added (ID, Group, Terms as
// given to Add) or removed (ID, Terms as given to Remove).
type LogOp struct {
	Remove bool
	ID     uint32
	Group  uint32 // adds only
	Terms  []string
	// Vec is an added passage's vector as a PassageVectors computes it
	// (optional: LogEncoder computes it when its length is not the
	// lexicon's). AppendLogRecord does not record it.
	Vec []int8
}

// LogRecord is one appended batch of changes, applied in order. Seq is the
// caller's (briefing stores its corpus generation there).
type LogRecord struct {
	Seq uint64
	Ops []LogOp
	// packed is a format-2 record as ReadLog decodes it (Ops is nil then):
	// checked, ready for Apply.
	packed *packedRecord
}

// logFrame is the size of a record's frame before its payload.
const logFrame = 8

// maxLogRecord bounds one record's payload: a larger length is damage.
const maxLogRecord = 1 << 30

// AppendLogRecord appends rec, framed, to dst.
func AppendLogRecord(dst []byte, rec LogRecord) []byte {
	start := len(dst)
	dst = append(dst, make([]byte, logFrame)...)
	dst = binary.AppendUvarint(dst, rec.Seq)
	// The record's terms, each once, in order of first use.
	num := make(map[string]uint64)
	var names []string
	for _, op := range rec.Ops {
		for _, t := range op.Terms {
			if _, ok := num[t]; !ok {
				num[t] = uint64(len(names))
				names = append(names, t)
			}
		}
	}
	dst = binary.AppendUvarint(dst, uint64(len(names)))
	for _, t := range names {
		dst = binary.AppendUvarint(dst, uint64(len(t)))
		dst = append(dst, t...)
	}
	dst = binary.AppendUvarint(dst, uint64(len(rec.Ops)))
	for _, op := range rec.Ops {
		if op.Remove {
			dst = append(dst, 1)
			dst = binary.AppendUvarint(dst, uint64(op.ID))
		} else {
			dst = append(dst, 0)
			dst = binary.AppendUvarint(dst, uint64(op.ID))
			dst = binary.AppendUvarint(dst, uint64(op.Group))
		}
		dst = binary.AppendUvarint(dst, uint64(len(op.Terms)))
		for _, t := range op.Terms {
			dst = binary.AppendUvarint(dst, num[t])
		}
	}
	payload := dst[start+logFrame:]
	binary.LittleEndian.PutUint32(dst[start:], uint32(len(payload)))
	binary.LittleEndian.PutUint32(dst[start+4:], crc32.Checksum(payload, castagnoli))
	return dst
}

// errTorn marks a record that is incomplete or fails its checksum.
var errTorn = errors.New("torn or damaged log record")

// ReadLog decodes the records framed in data, in order, calling fn for
// each, and returns how many bytes of data they fill. It stops without an
// error at the first record that is incomplete or damaged (a torn tail
// left by a crash): the bytes from n on are not part of the log. An error
// from fn stops it and is returned with the end of the records before.
func ReadLog(data []byte, fn func(LogRecord) error) (n int, err error) {
	for n < len(data) {
		rec, size, err := decodeLogRecord(data[n:])
		if err != nil {
			return n, nil
		}
		if err := fn(rec); err != nil {
			return n, err
		}
		n += size
	}
	return n, nil
}

// ReadLogAt reads the records framed in r from offset off up to end, as
// ReadLog does those in a slice, and returns the offset after the last
// record read. It reads one record at a time into a buffer it reuses, so
// replaying a log costs the memory of its largest record, not of the log
// (fresh memory costs more than reading a file already cached). A record
// given to fn is valid only until fn returns. An error reading r stops it
// and is returned.
func ReadLogAt(r io.ReaderAt, off, end int64, fn func(LogRecord) error) (int64, error) {
	var buf []byte
	var frame [logFrame]byte
	for end-off >= logFrame {
		if _, err := r.ReadAt(frame[:], off); err != nil {
			return off, readErr(err)
		}
		size := int64(binary.LittleEndian.Uint32(frame[:]) &^ logPacked)
		if size > maxLogRecord || size > end-off-logFrame {
			return off, nil // torn
		}
		n := logFrame + int(size)
		if cap(buf) < n {
			buf = make([]byte, n+n/4)
		}
		b := buf[:n]
		if _, err := r.ReadAt(b, off); err != nil {
			return off, readErr(err)
		}
		rec, _, err := decodeLogRecord(b)
		if err != nil {
			return off, nil // torn
		}
		if err := fn(rec); err != nil {
			return off, err
		}
		off += int64(n)
	}
	return off, nil
}

// readErr is nil for the end of the file (the log ends torn there) and
// err otherwise.
func readErr(err error) error {
	if errors.Is(err, io.EOF) {
		return nil
	}
	return err
}

// decodeLogRecord decodes the record at the start of b and returns its
// framed size.
func decodeLogRecord(b []byte) (LogRecord, int, error) {
	var rec LogRecord
	if len(b) < logFrame {
		return rec, 0, errTorn
	}
	size := binary.LittleEndian.Uint32(b)
	packed := size&logPacked != 0
	size &^= logPacked
	if size > maxLogRecord || uint64(size) > uint64(len(b)-logFrame) {
		return rec, 0, errTorn
	}
	p := b[logFrame : logFrame+int(size)]
	if crc32.Checksum(p, castagnoli) != binary.LittleEndian.Uint32(b[4:]) {
		return rec, 0, errTorn
	}
	if packed {
		pr, seq, err := decodePacked(p)
		if err != nil {
			return rec, 0, errTorn
		}
		return LogRecord{Seq: seq, packed: pr}, logFrame + int(size), nil
	}
	d := logDecoder{b: p}
	rec.Seq = d.uvarint()
	nt := d.count()
	names := make([]string, 0, nt)
	for range nt {
		l := d.count()
		if d.err != nil || l > len(d.b)-d.i {
			return rec, 0, errTorn
		}
		names = append(names, string(d.b[d.i:d.i+l]))
		d.i += l
	}
	nops := d.count()
	rec.Ops = make([]LogOp, 0, nops)
	for range nops {
		var op LogOp
		kind := d.byte()
		op.ID = d.u32()
		switch kind {
		case 0:
			op.Group = d.u32()
		case 1:
			op.Remove = true
		default:
			return rec, 0, errTorn
		}
		k := d.count()
		if d.err != nil {
			return rec, 0, errTorn
		}
		if k > 0 {
			op.Terms = make([]string, 0, k)
		}
		for range k {
			t := d.uvarint()
			if t >= uint64(len(names)) {
				return rec, 0, errTorn
			}
			op.Terms = append(op.Terms, names[t])
		}
		rec.Ops = append(rec.Ops, op)
	}
	if d.err != nil || d.i != len(d.b) {
		return rec, 0, errTorn
	}
	return rec, logFrame + int(size), nil
}

type logDecoder struct {
	b   []byte
	i   int
	err error
}

func (d *logDecoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, k := binary.Uvarint(d.b[d.i:])
	if k <= 0 {
		d.err = errTorn
		return 0
	}
	d.i += k
	return v
}

// count reads a count, which cannot exceed the bytes left (every counted
// item takes at least one byte).
func (d *logDecoder) count() int {
	v := d.uvarint()
	if v > uint64(len(d.b)-d.i) {
		d.err = errTorn
		return 0
	}
	return int(v)
}

func (d *logDecoder) u32() uint32 {
	v := d.uvarint()
	if v > 1<<32-1 {
		d.err = errTorn
	}
	return uint32(v)
}

func (d *logDecoder) byte() byte {
	if d.err != nil || d.i >= len(d.b) {
		d.err = errTorn
		return 0
	}
	c := d.b[d.i]
	d.i++
	return c
}

// Apply applies rec's changes in order: Add for an add, Remove for a
// remove. It refuses (before changing anything) an add whose id does not
// follow the index's last id or those added before it in rec, which would
// make Add panic: such a log does not belong to this index. It refuses a
// run of counted removals (format 2) that does not fit the index with the
// index as the runs before it left it: the index should then be dropped.
func (ix *Index) Apply(rec LogRecord) error {
	if rec.packed != nil {
		return ix.applyPacked(rec.Seq, rec.packed)
	}
	var last uint32
	if n := len(ix.ids); n > 0 {
		last = ix.ids[n-1]
	}
	have := len(ix.ids) > 0
	for _, op := range rec.Ops {
		if op.Remove {
			continue
		}
		if have && op.ID <= last {
			return fmt.Errorf("search: apply log record %d: passage %d after %d: %w", rec.Seq, op.ID, last, ErrFormat)
		}
		last, have = op.ID, true
	}
	vecs := ix.logVectors(rec.Ops)
	for i, op := range rec.Ops {
		if op.Remove {
			ix.Remove(op.ID, op.Terms)
			continue
		}
		var v []int8
		if vecs != nil {
			v = vecs[i]
		}
		ix.AddVector(op.ID, op.Group, op.Terms, v)
	}
	return nil
}

// logVectors computes the vectors of ops' added passages (nil for removals)
// on up to 4 goroutines, as the library's parse workers do: a vector is
// most of the cost of adding a passage, and replaying a log at open is on
// the path of the first answer. Nil without a lexicon or with few adds (Add
// computes them then).
func (ix *Index) logVectors(ops []LogOp) [][]int8 {
	adds := 0
	for _, op := range ops {
		if !op.Remove {
			adds++
		}
	}
	if ix.lex == nil || ix.lex.dims == 0 || adds < 256 {
		return nil
	}
	vecs := make([][]int8, len(ops))
	workers := min(runtime.GOMAXPROCS(0), 4)
	chunk := (len(ops) + workers - 1) / workers
	var wg sync.WaitGroup
	for lo := 0; lo < len(ops); lo += chunk {
		hi := min(lo+chunk, len(ops))
		wg.Add(1)
		go func(part []LogOp, out [][]int8) {
			defer wg.Done()
			pv := &PassageVectors{lex: ix.lex, tf: make([]uint32, ix.lex.Len())}
			buf := make([]int8, 0, len(part)*ix.lex.dims)
			for i, op := range part {
				if op.Remove {
					continue
				}
				start := len(buf)
				buf = pv.Append(buf, op.Terms)
				out[i] = buf[start:len(buf):len(buf)]
			}
		}(ops[lo:hi], vecs[lo:hi])
	}
	wg.Wait()
	return vecs
}
