package briefing

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"briefbot/briefing/search"
)

// The index persists as a base written whole (IndexFile) plus a change log
// (LogFile) of what changed since: each transaction that changed the
// corpus appends one record (the passages it added, with their terms,
// postings and vectors as search.LogEncoder writes them, and those it
// removed), numbered with the corpus generation it committed. A change
// costs an append, not a rewrite; reopening maps the base and replays the
// log. Once the log outgrows a fraction of the base, or logCap whatever
// the base's size (replaying it delays a start's first answer), the base
// is written again (merged) and the log emptied: in the background for a
// large index, questions being answered meanwhile.
//
// LogFile starts with a header naming its base (generation, size and
// checksum): a log whose header names another base is ignored. Records are
// replayed while each continues the generation of the one before; a torn
// or damaged record ends the log. An index whose generation is then not the
// store's is rebuilt from the store, as before the log existed, so a crash
// between a commit and its record loses nothing.

// LogFile is the index's change log inside the data directory.
const LogFile = "index.log"

const (
	logMagic  = "BBLOG001"
	logHeader = 32 // magic, base generation uint64, base size uint64, base checksum uint32, 0 uint32

	// mergeFraction: the base is written again once the log holds more
	// than 1/mergeFraction of its bytes.
	mergeFraction = 10
	// mergeInline is the largest base merged in the refresh that grew the
	// log rather than in the background: writing it takes a moment.
	mergeInline = 16 << 20
	// logCap is the most log kept whatever the base's size: replaying it
	// is on the path of the first answer after a start.
	logCap = 32 << 20
)

// baseID identifies one written base: a log belongs to it.
type baseID struct {
	gen  uint64
	size int64
	crc  uint32
}

func (b baseID) zero() bool { return b == baseID{} }

// ixFiles is the persisted state the in-memory index reflects. Guarded by
// refreshMu.
type ixFiles struct {
	base   baseID // the base the index came from or was written as; zero when none
	logEnd int64  // bytes of LogFile the index reflects; 0 when no log for base exists yet
	bad    bool   // a write failed: no more appends; the next persist writes a base

	pending []search.LogOp // applied to the index since the last record
	w       *os.File       // the log, open for appends until synced
	buf     []byte
	enc     *search.LogEncoder // made at the first append
}

// loaded is an index read or rebuilt, with the files it reflects.
type loaded struct {
	ix    *search.Index
	gen   uint64
	files ixFiles
}

func (l *Library) indexPath() string { return filepath.Join(l.st.Dir(), IndexFile) }
func (l *Library) logPath() string   { return filepath.Join(l.st.Dir(), LogFile) }

// readIndexFiles maps the base and replays its log up to generation want.
// The generation reached may be short of want (a torn log, or one behind
// the store).
func readIndexFiles(dir string, want uint64) (loaded, error) {
	ix, id, err := readIndexFile(filepath.Join(dir, IndexFile))
	if err != nil {
		return loaded{}, err
	}
	ld := loaded{ix: ix, gen: id.gen, files: ixFiles{base: id}}
	// Read record by record, not whole: on the path of the first answer,
	// a heap copy of the log costs more than replaying it.
	f, err := os.Open(filepath.Join(dir, LogFile))
	if err != nil {
		return ld, nil // no log yet: the base alone
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return ld, nil
	}
	hdr := make([]byte, logHeader)
	if _, err := f.ReadAt(hdr, 0); err != nil || !logBelongs(hdr, id) {
		return ld, nil // a stale log: the base alone
	}
	end, _ := replay(ix, f, logHeader, st.Size(), &ld.gen, want)
	ld.files.logEnd = end
	return ld, nil
}

// errStop ends a replay at a record that does not continue the generation.
var errStop = errors.New("stop")

// replay applies the records of log from offset off up to end to ix while
// each continues *gen, up to want, and returns the offset after those
// applied.
func replay(ix *search.Index, log io.ReaderAt, off, end int64, gen *uint64, want uint64) (int64, error) {
	n, err := search.ReadLogAt(log, off, end, func(rec search.LogRecord) error {
		if *gen >= want || rec.Seq != *gen+1 {
			return errStop
		}
		if err := ix.Apply(rec); err != nil {
			return err
		}
		*gen = rec.Seq
		return nil
	})
	if errors.Is(err, errStop) {
		err = nil
	}
	return n, err
}

func logHeaderFor(id baseID) []byte {
	b := make([]byte, 0, logHeader)
	b = append(b, logMagic...)
	b = binary.LittleEndian.AppendUint64(b, id.gen)
	b = binary.LittleEndian.AppendUint64(b, uint64(id.size))
	b = binary.LittleEndian.AppendUint32(b, id.crc)
	return binary.LittleEndian.AppendUint32(b, 0)
}

// logBelongs reports whether the log in data starts with the header of
// base id.
func logBelongs(data []byte, id baseID) bool {
	return len(data) >= logHeader && string(data[:logHeader]) == string(logHeaderFor(id))
}

// identify reads the identity of the base at path.
func identify(path string) (baseID, error) {
	f, err := os.Open(path)
	if err != nil {
		return baseID{}, err
	}
	defer f.Close()
	return identifyFile(f)
}

func identifyFile(f *os.File) (baseID, error) {
	var hdr [16]byte
	if _, err := f.ReadAt(hdr[:], 0); err != nil {
		return baseID{}, fmt.Errorf("briefing: %s is truncated (%w): not a briefbot index", f.Name(), err)
	}
	if magic := string(hdr[:8]); magic != indexMagic {
		if magic[:4] == indexMagic[:4] {
			return baseID{}, fmt.Errorf("briefing: %s is an index of format %q, written by another version of briefbot; this one reads %q", f.Name(), magic, indexMagic)
		}
		return baseID{}, fmt.Errorf("briefing: %s is not a briefbot index", f.Name())
	}
	st, err := f.Stat()
	if err != nil {
		return baseID{}, err
	}
	var crc [4]byte
	if st.Size() < int64(len(hdr))+4 {
		return baseID{}, io.ErrUnexpectedEOF
	}
	if _, err := f.ReadAt(crc[:], st.Size()-4); err != nil {
		return baseID{}, err
	}
	return baseID{gen: binary.LittleEndian.Uint64(hdr[8:]), size: st.Size(), crc: binary.LittleEndian.Uint32(crc[:])}, nil
}

// setIndex makes ld the library's index. The caller holds refreshMu and
// l.mu.
func (l *Library) setIndex(ld loaded) {
	l.closeLog()
	l.ix, l.gen, l.files = ld.ix, ld.gen, ld.files
}

// ixAdd adds a passage to the index and to the next log record. The
// caller holds refreshMu and l.mu.
func (l *Library) ixAdd(id, group uint32, terms []string, vec []int8) {
	l.ix.AddVector(id, group, terms, vec)
	l.files.pending = append(l.files.pending, search.LogOp{ID: id, Group: group, Terms: terms, Vec: vec})
}

// ixRemove removes a passage from the index, and records it for the log
// when it was there: a record's removals are replayed as counts of the
// passages using each term, which must all be in the index.
func (l *Library) ixRemove(id uint32, terms []string) {
	if l.ix.Remove(id, terms) {
		l.files.pending = append(l.files.pending, search.LogOp{Remove: true, ID: id, Terms: terms})
	}
}

// logAppend writes the pending changes as the record of generation gen
// (not yet synced: see persistChanges). Without a base to log against, or
// after a failed write, it only drops them: the next persist writes a base.
// The caller holds refreshMu and the store's write lock.
func (l *Library) logAppend(gen uint64) {
	f := &l.files
	ops := f.pending
	f.pending = nil
	if f.bad || f.base.zero() || len(ops) == 0 {
		return
	}
	if err := l.appendRecord(search.LogRecord{Seq: gen, Ops: ops}); err != nil {
		f.bad = true
		l.closeLog()
		l.log.Warn("index change not logged; the index is written whole instead", "error", err.Error())
	}
}

func (l *Library) appendRecord(rec search.LogRecord) error {
	f := &l.files
	if f.logEnd == 0 {
		if err := writeLog(l.logPath(), f.base, nil); err != nil {
			return err
		}
		f.logEnd = logHeader
	}
	if f.w == nil {
		w, err := os.OpenFile(l.logPath(), os.O_WRONLY, 0)
		if err != nil {
			return fmt.Errorf("briefing: append to index log: %w", err)
		}
		// Whatever lies beyond what the index reflects (a torn record, or
		// records of generations the store no longer has, as after a
		// restore) must not follow the new records.
		if err := w.Truncate(f.logEnd); err != nil {
			w.Close()
			return fmt.Errorf("briefing: append to index log: %w", err)
		}
		f.w = w
	}
	if f.enc == nil {
		f.enc = search.NewLogEncoder()
	}
	f.buf = f.enc.Append(f.buf[:0], rec)
	if _, err := f.w.WriteAt(f.buf, f.logEnd); err != nil {
		return fmt.Errorf("briefing: append to index log: %w", err)
	}
	f.logEnd += int64(len(f.buf))
	if cap(f.buf) > 1<<20 {
		f.buf = nil
	}
	return nil
}

// closeLog closes the log file (without syncing it).
func (l *Library) closeLog() {
	if l.files.w != nil {
		l.files.w.Close()
		l.files.w = nil
	}
}

// writeLog replaces the log at path by one for base id holding the
// records in tail (tmp file, synced, renamed).
func writeLog(path string, id baseID, tail []byte) error {
	tmp := path + ".tmp"
	err := os.WriteFile(tmp, append(logHeaderFor(id), tail...), 0o644)
	if err == nil {
		err = syncFile(tmp)
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("briefing: write index log: %w", err)
	}
	return nil
}

func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// writeBase writes ix whole as the base of generation gen, with an empty
// log, and returns the files the index now reflects. The caller holds
// refreshMu and the store's write lock, and ix does not change meanwhile.
func (l *Library) writeBase(ix *search.Index, gen uint64) (ixFiles, error) {
	if err := writeIndexFile(l.indexPath(), ix, gen); err != nil {
		return ixFiles{}, err
	}
	id, err := identify(l.indexPath())
	if err == nil {
		err = writeLog(l.logPath(), id, nil)
	}
	if err != nil {
		return ixFiles{}, err
	}
	return ixFiles{base: id, logEnd: logHeader}, nil
}

// persistChanges makes what the index gained since the last call durable:
// the log synced, or, without a usable log, the index written whole; and
// the base merged once the log has grown. The caller holds refreshMu and
// the store's write lock. A failure (a full disk) is logged: the next Open
// rebuilds.
func (l *Library) persistChanges(ctx context.Context) {
	f := &l.files
	if f.w != nil {
		err := f.w.Sync()
		l.closeLog()
		if err != nil {
			f.bad = true
			l.log.Warn("index log not synced; the index is written whole instead", "error", err.Error())
		}
	}
	if !f.bad && !f.base.zero() && f.logEnd > 0 {
		if n := f.logEnd - logHeader; n*mergeFraction <= f.base.size && n <= l.logCapMax() {
			return
		}
		if f.base.size > l.inlineMax() {
			l.mergeLater(ctx)
			return
		}
	}
	l.mu.RLock()
	ix, gen := l.ix, l.gen
	l.mu.RUnlock()
	files, err := l.writeBase(ix, gen)
	if err != nil {
		l.files = ixFiles{bad: true}
		l.log.Warn("index not persisted; the next start rebuilds it from the database", "error", err.Error())
		return
	}
	l.files = files
}

func (l *Library) logCapMax() int64 {
	if l.logCap != 0 {
		return l.logCap
	}
	return logCap
}

func (l *Library) inlineMax() int64 {
	if l.inline != 0 {
		return l.inline
	}
	return mergeInline
}

// mergeLater starts, unless one is running, a merge in the background:
// the index written whole while questions are answered. Close waits for
// it. The caller holds refreshMu.
func (l *Library) mergeLater(ctx context.Context) {
	if l.merging {
		return
	}
	l.merging = true
	ctx = context.WithoutCancel(ctx)
	l.merges.Go(func() {
		if err := l.merge(ctx); err != nil {
			l.log.Warn("index merge failed; the change log keeps growing until the next", "error", err.Error())
		}
	})
}

// merge writes the index whole as a new base, then, under the store's
// write lock, puts it in place with a log holding only the records other
// processes appended meanwhile; the index is then used from the new base.
func (l *Library) merge(ctx context.Context) error {
	l.refreshMu.Lock()
	defer l.refreshMu.Unlock()
	defer func() { l.merging = false }()
	f := l.files
	if f.bad || f.base.zero() || f.logEnd == 0 {
		return nil // written whole meanwhile, or about to be
	}
	l.mu.RLock()
	ix, gen := l.ix, l.gen
	l.mu.RUnlock()
	// refreshMu keeps ix still while it is written; Searches go on.
	tmp := l.indexPath() + ".merge"
	if err := writeIndexTmp(tmp, ix, gen); err != nil {
		return err
	}
	defer os.Remove(tmp) // when it was not put in place
	unlock, err := l.st.LockWrites(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	if cur, err := identify(l.indexPath()); err != nil || cur != f.base {
		return err // another process wrote a base: it is ahead of this one
	}
	data, err := os.ReadFile(l.logPath())
	if err != nil {
		return err
	}
	if !logBelongs(data, f.base) || int64(len(data)) < f.logEnd {
		return nil
	}
	tail := data[f.logEnd:]
	n, _ := search.ReadLog(tail, func(search.LogRecord) error { return nil })
	tail = tail[:n]
	id, err := identify(tmp)
	if err != nil {
		return err
	}
	// Base first: a crash between the renames leaves a log of the old base,
	// ignored with the new one.
	if err := os.Rename(tmp, l.indexPath()); err != nil {
		return fmt.Errorf("briefing: merge index: %w", err)
	}
	l.files = ixFiles{}
	if err := writeLog(l.logPath(), id, tail); err != nil {
		return err
	}
	l.files = ixFiles{base: id, logEnd: logHeader}
	// The new base holds what the index holds: use it where it lies and
	// let the heap copy go.
	nix, nid, err := readIndexFile(l.indexPath())
	if err == nil && nid == id {
		l.mu.Lock()
		if l.ix == ix {
			l.ix = nix
		}
		l.mu.Unlock()
	}
	return nil
}

// catchUp replays onto the index what other processes appended to the log
// of its base since it was read, up to generation want, and reports
// whether it got there. The caller holds refreshMu.
func (l *Library) catchUp(want uint64) bool {
	f := &l.files
	if f.bad || f.base.zero() || f.logEnd == 0 || len(f.pending) > 0 {
		return false
	}
	if cur, err := identify(l.indexPath()); err != nil || cur != f.base {
		return false
	}
	lf, err := os.Open(l.logPath())
	if err != nil {
		return false
	}
	defer lf.Close()
	hdr := make([]byte, logHeader)
	if _, err := lf.ReadAt(hdr, 0); err != nil || !logBelongs(hdr, f.base) {
		return false
	}
	st, err := lf.Stat()
	if err != nil || st.Size() < f.logEnd {
		return false
	}
	tail := make([]byte, st.Size()-f.logEnd)
	if _, err := lf.ReadAt(tail, f.logEnd); err != nil {
		return false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	gen := l.gen
	n, err := replay(l.ix, bytes.NewReader(tail), 0, int64(len(tail)), &gen, want)
	if err != nil {
		return false
	}
	if n > 0 {
		l.gen = gen
		f.logEnd += int64(n)
		l.version++
	}
	return gen == want
}

// Close waits for a merge of the index running in the background, and
// releases the log file. Whoever opens a library closes it; nothing may
// write through it afterwards.
func (l *Library) Close() error {
	l.merges.Wait()
	l.refreshMu.Lock()
	defer l.refreshMu.Unlock()
	l.closeLog()
	return nil
}

// writeIndexTmp writes ix whole, synced, to path.
func writeIndexTmp(path string, ix *search.Index, gen uint64) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("briefing: write index: %w", err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	var hdr [16]byte
	copy(hdr[:8], indexMagic)
	binary.LittleEndian.PutUint64(hdr[8:], gen)
	w.Write(hdr[:])
	_, err = ix.WriteTo(w)
	if err == nil {
		err = w.Flush()
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return fmt.Errorf("briefing: write index: %w", err)
	}
	return nil
}
