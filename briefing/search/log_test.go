package search

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// TestLogReplayGivesTheSameAnswers builds an index two ways and compares
// the answers to 200 questions: A adds every surviving passage to a new
// index; B writes a base of the first 90% (WriteTo, reopened in place by
// OpenIndex), then replays a log that removes passages of the base and of
// the log itself and adds the remaining 10%, encoded, decoded and applied
// record by record. The log is written in each format (AppendLogRecord,
// as older versions wrote it; LogEncoder, with removals counted and, as
// before those, with each passage's terms) and in formats 1 and 2
// alternately, which must all replay to the same bytes; compacted, to the
// bytes of A.
func TestLogReplayGivesTheSameAnswers(t *testing.T) {
	const n = 20_000
	c := corpusOf(t, n)
	terms := make([][]string, n+1)
	for id := 1; id <= n; id++ {
		terms[id] = Analyze(c.texts[id-1])
	}
	baseEnd := n * 9 / 10
	gone := func(id int) bool { return id%11 == 3 } // about 9%: no compaction
	for _, tc := range []struct {
		name string
		gone func(id int) bool
	}{
		{"removals below a quarter", gone},
		{"removals that compact", func(id int) bool { return id%3 != 0 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := NewIndex()
			for id := 1; id <= n; id++ {
				if !tc.gone(id) {
					a.Add(uint32(id), c.groups[id-1], terms[id])
				}
			}
			qs := newSynth(t, 7).questions(200)
			want := answers(a, c, qs)

			base := NewIndex()
			for id := 1; id <= baseEnd; id++ {
				base.Add(uint32(id), c.groups[id-1], terms[id])
			}
			var buf bytes.Buffer
			if _, err := base.WriteTo(&buf); err != nil {
				t.Fatal(err)
			}
			var recs []LogRecord
			var rec LogRecord
			flush := func() {
				if len(rec.Ops) > 0 {
					rec.Seq = uint64(len(recs) + 1)
					recs = append(recs, rec)
					rec = LogRecord{}
				}
			}
			for id := 1; id <= baseEnd; id++ { // removals from the base
				if tc.gone(id) {
					rec.Ops = append(rec.Ops, LogOp{Remove: true, ID: uint32(id), Terms: terms[id]})
				}
				if len(rec.Ops) == 100 {
					flush()
				}
			}
			for id := baseEnd + 1; id <= n; id++ { // adds, some removed again later
				rec.Ops = append(rec.Ops, LogOp{ID: uint32(id), Group: c.groups[id-1], Terms: terms[id]})
				// Small records add one by one; large ones compute their
				// vectors on several goroutines first (logVectors).
				if len(rec.Ops) == 64 && id < (baseEnd+n)/2 || len(rec.Ops) == 600 {
					flush()
				}
				// And a record mixing runs of adds and removals.
				if id == baseEnd+1000 {
					for r := baseEnd + 200; r < baseEnd+300; r++ {
						if tc.gone(r) {
							rec.Ops = append(rec.Ops, LogOp{Remove: true, ID: uint32(r), Terms: terms[r]})
						}
					}
				}
			}
			flush()
			for id := baseEnd + 1; id <= n; id++ {
				if tc.gone(id) && (id < baseEnd+200 || id >= baseEnd+300) {
					rec.Ops = append(rec.Ops, LogOp{Remove: true, ID: uint32(id), Terms: terms[id]})
				}
			}
			flush()

			var fresh bytes.Buffer
			if _, err := a.WriteTo(&fresh); err != nil {
				t.Fatal(err)
			}
			var written [4][]byte
			enc := NewLogEncoder()
			lists := NewLogEncoder()
			lists.termLists = true
			// 3: formats 1 and 2, alternately (an older binary's log
			// appended to); 4: format 2 with each removal's terms.
			for format := 1; format <= 4; format++ {
				var log []byte
				for i, r := range recs {
					switch {
					case format == 1 || format == 3 && i%2 == 0:
						log = AppendLogRecord(log, r)
					case format == 4:
						log = lists.Append(log, r)
					default:
						log = enc.Append(log, r)
					}
				}
				b, err := OpenIndex(bytes.Clone(buf.Bytes()))
				if err != nil {
					t.Fatal(err)
				}
				var got []LogRecord
				apply := func(r LogRecord) error {
					got = append(got, r)
					return b.Apply(r)
				}
				var end int
				if format%2 == 0 { // read from a file, as a start does
					var at int64
					at, err = ReadLogAt(bytes.NewReader(log), 0, int64(len(log)), apply)
					end = int(at)
				} else {
					end, err = ReadLog(log, apply)
				}
				if err != nil || end != len(log) {
					t.Fatalf("format %d: ReadLog = %d, %v; want %d, nil", format, end, err, len(log))
				}
				if format == 1 && !reflect.DeepEqual(got, recs) {
					t.Fatalf("decoded records differ from those encoded")
				}
				if format > 1 && (len(got) != len(recs) || got[len(got)-1].Seq != recs[len(recs)-1].Seq) {
					t.Fatalf("format %d: decoded %d records, want %d", format, len(got), len(recs))
				}
				if a.Len() != b.Len() {
					t.Fatalf("format %d: replayed index has %d passages, want %d", format, b.Len(), a.Len())
				}
				if got := answers(b, c, qs); got != want {
					t.Errorf("format %d: base + log: answers differ from a new index:\n%s", format, firstDiff(got, want))
				}
				// And written whole again (the merge), reopened.
				var merged bytes.Buffer
				if _, err := b.WriteTo(&merged); err != nil {
					t.Fatal(err)
				}
				written[format-1] = merged.Bytes()
				m, err := OpenIndex(merged.Bytes())
				if err != nil {
					t.Fatal(err)
				}
				if err := m.Verify(); err != nil {
					t.Errorf("format %d: merged: %v", format, err)
				}
				if got := answers(m, c, qs); got != want {
					t.Errorf("format %d: merged: answers differ from a new index:\n%s", format, firstDiff(got, want))
				}
				// Without its tombstones, it is the new index.
				b.Compact()
				var compacted bytes.Buffer
				if _, err := b.WriteTo(&compacted); err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(compacted.Bytes(), fresh.Bytes()) {
					t.Errorf("format %d: compacted, the replayed index is written to other bytes than a new one", format)
				}
			}
			for format := 2; format <= 4; format++ {
				if !bytes.Equal(written[0], written[format-1]) {
					t.Errorf("the index replayed from a log of format %d is written to other bytes than from format 1", format)
				}
			}
		})
	}
}

// TestReadLogStopsAtATornTail checks that a record cut short or damaged
// ends the log there, and that the records before it are all read.
func TestReadLogStopsAtATornTail(t *testing.T) {
	recs := []LogRecord{
		{Seq: 7, Ops: []LogOp{{ID: 1, Group: 1, Terms: []string{"rain", "flood", "rain"}}}},
		{Seq: 8, Ops: []LogOp{{ID: 2, Group: 1, Terms: []string{"flood"}}, {Remove: true, ID: 1, Terms: []string{"rain", "flood", "rain"}}}},
		{Seq: 9, Ops: []LogOp{{ID: 5, Group: 2, Terms: nil}}},
	}
	var log []byte
	ends := []int{0}
	for _, r := range recs {
		log = AppendLogRecord(log, r)
		ends = append(ends, len(log))
	}
	damaged := func(i int) []byte { b := bytes.Clone(log); b[i] ^= 0x40; return b }
	huge := bytes.Clone(log)
	binary.LittleEndian.PutUint32(huge[ends[2]:], 1<<31)
	for _, tc := range []struct {
		name string
		data []byte
		want int // records read
	}{
		{"whole", log, 3},
		{"last cut short", log[:len(log)-1], 2},
		{"only a frame header", log[:ends[2]+5], 2},
		{"payload damaged", damaged(ends[1] + logFrame + 2), 1},
		{"checksum damaged", damaged(ends[1] + 5), 1},
		{"length too large", huge, 2},
		{"empty", nil, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []LogRecord
			n, err := ReadLog(tc.data, func(r LogRecord) error { got = append(got, r); return nil })
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != tc.want || n != ends[tc.want] {
				t.Fatalf("read %d records ending at %d, want %d ending at %d", len(got), n, tc.want, ends[tc.want])
			}
			if !reflect.DeepEqual(got, recs[:tc.want]) && tc.want > 0 {
				t.Errorf("records differ: %+v", got)
			}
			// And read from a file, after its header.
			const at = 32
			file := append(make([]byte, at), tc.data...)
			got = nil
			end, err := ReadLogAt(bytes.NewReader(file), at, int64(len(file)), func(r LogRecord) error { got = append(got, r); return nil })
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != tc.want || end != int64(at+ends[tc.want]) {
				t.Fatalf("ReadLogAt: read %d records ending at %d, want %d ending at %d", len(got), end, tc.want, at+ends[tc.want])
			}
			if !reflect.DeepEqual(got, recs[:tc.want]) && tc.want > 0 {
				t.Errorf("ReadLogAt: records differ: %+v", got)
			}
		})
	}
}

// TestApplyRefusesAnotherIndexsLog checks that a record adding ids that do
// not follow the index's is refused before it changes anything.
func TestApplyRefusesAnotherIndexsLog(t *testing.T) {
	ix := NewIndex()
	ix.Add(10, 1, []string{"rain"})
	err := ix.Apply(LogRecord{Seq: 1, Ops: []LogOp{{ID: 11, Group: 1, Terms: []string{"sun"}}, {ID: 4, Group: 1, Terms: []string{"sun"}}}})
	if err == nil {
		t.Fatal("Apply accepted ids out of order")
	}
	if ix.Len() != 1 {
		t.Errorf("a refused record changed the index: %d passages", ix.Len())
	}
}

// TestApplyRefusesRemovalsOfAnotherIndex checks that a run of counted
// removals (format 2) that does not fit the index is refused with the
// index unchanged: a passage it does not hold, one already removed, one
// named twice, or more passages using a term than the index has.
func TestApplyRefusesRemovalsOfAnotherIndex(t *testing.T) {
	build := func() *Index {
		ix := NewIndex()
		ix.Add(1, 1, []string{"rain", "port"})
		ix.Add(2, 1, []string{"rain"})
		ix.Add(3, 2, []string{"sun", "port"})
		ix.Remove(3, []string{"sun", "port"})
		return ix
	}
	written := func(ix *Index) []byte {
		var b bytes.Buffer
		if _, err := ix.WriteTo(&b); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	want := written(build())
	enc := NewLogEncoder()
	for _, tc := range []struct {
		name string
		ops  []LogOp
	}{
		{"unknown passage", []LogOp{{Remove: true, ID: 1, Terms: []string{"rain", "port"}}, {Remove: true, ID: 7, Terms: []string{"rain"}}}},
		{"removed passage", []LogOp{{Remove: true, ID: 2, Terms: []string{"rain"}}, {Remove: true, ID: 3, Terms: []string{"sun", "port"}}}},
		{"passage named twice", []LogOp{{Remove: true, ID: 2, Terms: []string{"rain"}}, {Remove: true, ID: 2, Terms: []string{"rain"}}}},
		{"term used by fewer", []LogOp{{Remove: true, ID: 2, Terms: []string{"rain", "port", "sun"}}}},
		{"term not in the index", []LogOp{{Remove: true, ID: 2, Terms: []string{"rain", "snow"}}}},
	} {
		var recs []LogRecord
		if _, err := ReadLog(enc.Append(nil, LogRecord{Seq: 1, Ops: tc.ops}), func(r LogRecord) error {
			recs = append(recs, r)
			return nil
		}); err != nil || len(recs) != 1 {
			t.Fatalf("%s: ReadLog: %d records, %v", tc.name, len(recs), err)
		}
		ix := build()
		if err := ix.Apply(recs[0]); !errors.Is(err, ErrFormat) {
			t.Errorf("%s: Apply = %v, want ErrFormat", tc.name, err)
		}
		if !bytes.Equal(written(ix), want) {
			t.Errorf("%s: a refused record changed the index", tc.name)
		}
	}
	// What fits is applied: the statistics as Remove leaves them.
	ops := []LogOp{{Remove: true, ID: 2, Terms: []string{"rain"}}, {Remove: true, ID: 1, Terms: []string{"rain", "port"}}}
	byRemove := build()
	for _, op := range ops {
		byRemove.Remove(op.ID, op.Terms)
	}
	ix := build()
	if _, err := ReadLog(enc.Append(nil, LogRecord{Seq: 1, Ops: ops}), ix.Apply); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(written(ix), written(byRemove)) {
		t.Errorf("counted removals left the index other than Remove does")
	}
}

// TestOpenedIndexNumbersGroupsAsANewOne checks groupOf: passages added to
// an opened index (whose groups are found by binary search while they
// increase, by a map otherwise) get the group numbers a new index gives
// them, so that both write the same bytes.
func TestOpenedIndexNumbersGroupsAsANewOne(t *testing.T) {
	text := []string{"rain in the harbour", "flood warnings", "strike at the port", "fees rose", "rates fell", "dockworkers vote", "ferry cancelled"}
	for _, tc := range []struct {
		name          string
		before, after []uint32 // groups of the passages in the base, then added
	}{
		{"increasing, then existing and later", []uint32{1, 2, 2, 3}, []uint32{2, 7, 9}},
		{"increasing, then one between", []uint32{1, 2, 4}, []uint32{3, 4, 8, 3}},
		{"not increasing", []uint32{5, 3, 5, 9}, []uint32{3, 4, 10}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fresh := NewIndex()
			base := NewIndex()
			id := uint32(0)
			for _, g := range tc.before {
				id++
				fresh.Add(id, g, Analyze(text[id%7]))
				base.Add(id, g, Analyze(text[id%7]))
			}
			var buf bytes.Buffer
			if _, err := base.WriteTo(&buf); err != nil {
				t.Fatal(err)
			}
			opened, err := OpenIndex(buf.Bytes())
			if err != nil {
				t.Fatal(err)
			}
			for _, g := range tc.after {
				id++
				fresh.Add(id, g, Analyze(text[id%7]))
				opened.Add(id, g, Analyze(text[id%7]))
			}
			var a, b bytes.Buffer
			if _, err := fresh.WriteTo(&a); err != nil {
				t.Fatal(err)
			}
			if _, err := opened.WriteTo(&b); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(a.Bytes(), b.Bytes()) {
				t.Errorf("opened index written to other bytes than a new one; groups %v vs %v", opened.gids, fresh.gids)
			}
		})
	}
}

// TestOpenedFileGrowsInPlace checks that passages added to an index opened
// from a file give the bytes a new index gives, leave the file as it was,
// and (where growInPlace maps the tables with room) append to the
// per-passage tables where they lie.
func TestOpenedFileGrowsInPlace(t *testing.T) {
	c := corpusOf(t, 3000)
	fresh, base := NewIndex(), NewIndex()
	for id := 1; id <= 2000; id++ {
		terms := Analyze(c.texts[id-1])
		fresh.Add(uint32(id), c.groups[id-1], terms)
		base.Add(uint32(id), c.groups[id-1], terms)
	}
	var buf bytes.Buffer
	buf.Write(make([]byte, 16)) // a caller's header: the tables are not page aligned
	if _, err := base.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "index")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	ix, err := OpenIndexFile(f, 16)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	inPlace := cap(ix.ids) > len(ix.ids)
	firstID, firstCode, firstGroup := &ix.ids[0], &ix.codes[0], &ix.gids[0]
	for id := 2001; id <= 3000; id++ {
		terms := Analyze(c.texts[id-1])
		fresh.Add(uint32(id), c.groups[id-1], terms)
		ix.Add(uint32(id), c.groups[id-1], terms)
	}
	if inPlace && (&ix.ids[0] != firstID || &ix.codes[0] != firstCode || &ix.gids[0] != firstGroup) {
		t.Errorf("the tables were copied, not grown in place")
	}
	var a, b bytes.Buffer
	if _, err := fresh.WriteTo(&a); err != nil {
		t.Fatal(err)
	}
	if _, err := ix.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Errorf("an opened index with passages added writes other bytes than a new one")
	}
	if disk, err := os.ReadFile(path); err != nil || !bytes.Equal(disk, buf.Bytes()) {
		t.Errorf("adding to an opened index changed its file (%v)", err)
	}
	t.Logf("grown in place: %v", inPlace)
}

// TestApplyRefusesVectorsOfAnotherLexicon checks that a format-2 record
// whose vectors have another length than the index's lexicon is refused
// before it changes anything (the caller then rebuilds).
func TestApplyRefusesVectorsOfAnotherLexicon(t *testing.T) {
	enc := NewLogEncoder()
	enc.lex = &Lexicon{dims: enc.lex.dims + 1} // another lexicon's vectors
	log := enc.Append(nil, LogRecord{Seq: 1, Ops: []LogOp{{ID: 11, Group: 1, Terms: []string{"sun"}, Vec: make([]int8, enc.lex.dims)}}})
	ix := NewIndex()
	ix.Add(10, 1, []string{"rain"})
	if _, err := ReadLog(log, ix.Apply); err == nil {
		t.Fatal("Apply accepted vectors of another length")
	}
	if ix.Len() != 1 {
		t.Errorf("a refused record changed the index: %d passages", ix.Len())
	}
}
