//go:build linux && (amd64 || arm64)

package search

import (
	"os"
	"runtime"
	"syscall"
	"unsafe"
)

// growInPlace remaps the per-passage tables of ix (and its groups), opened from f at byte
// offset off, so that adding passages appends to them where they lie
// instead of copying each (some 20 MB apiece at a million articles, and
// touching every page of them) at the first Add after opening: each table
// is mapped privately from the file at the start of a reserved range whose
// rest is anonymous memory, room for a quarter more passages. Only the
// pages written are copied (the table's last) or allocated. On any failure
// the tables stay as they are (Add copies them then).
func growInPlace(ix *Index, f *os.File, off int64) {
	n := uint64(len(ix.ids))
	if n == 0 || !littleEndian() {
		return
	}
	room := n/4 + 1<<16
	l := ix.layout
	if ids, ok := growable[uint32](ix, f, off+int64(l.ids), n, room); ok {
		ix.ids = ids
	}
	if gslot, ok := growable[uint32](ix, f, off+int64(l.gslot), n, room); ok {
		ix.gslot = gslot
	}
	if lens, ok := growable[uint32](ix, f, off+int64(l.lens), n, room); ok {
		ix.lens = lens
	}
	if codes, ok := growable[uint8](ix, f, off+int64(l.codes), n, room); ok {
		ix.codes = codes
	}
	if g := uint64(len(ix.gids)); g > 0 {
		if gids, ok := growable[uint32](ix, f, off+int64(l.gids), g, g/4+1<<16); ok {
			ix.gids = gids
		}
	}
}

// growable maps the n values of type T at byte offset at of f as
// described at growInPlace, returning them with capacity n+room; the
// mapping is released with ix.
func growable[T uint8 | uint32](ix *Index, f *os.File, at int64, n, room uint64) ([]T, bool) {
	var zero T
	size := uint64(unsafe.Sizeof(zero))
	page := uint64(os.Getpagesize())
	start := uint64(at) &^ (page - 1)
	delta := uint64(at) - start
	fileLen := (delta + n*size + page - 1) &^ (page - 1)
	total := (delta + (n+room)*size + page - 1) &^ (page - 1)
	region, err := syscall.Mmap(-1, 0, int(total), syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANON)
	if err != nil {
		return nil, false
	}
	base := uintptr(unsafe.Pointer(&region[0]))
	r, _, errno := syscall.Syscall6(syscall.SYS_MMAP, base, uintptr(fileLen),
		syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_FIXED, f.Fd(), uintptr(start))
	if errno != 0 || r != base {
		syscall.Munmap(region)
		return nil, false
	}
	runtime.AddCleanup(ix, func(b []byte) { syscall.Munmap(b) }, region)
	p := unsafe.Pointer(&region[delta])
	return unsafe.Slice((*T)(p), n+room)[:n], true
}
