//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package search

import (
	"fmt"
	"os"
	"runtime"
	"syscall"
)

// OpenIndexFile opens the index persisted in f from byte offset off (a
// multiple of 8) to the end of the file, memory-mapped: the tables are used
// where they lie and read from disk as Searches touch them, so opening
// takes milliseconds whatever the index's size (see OpenIndex for what it
// checks). The mapping lives as long as the index; f may be closed once
// OpenIndexFile returns. The file must not be modified in place afterwards
// (replace it by renaming a new file over it).
func OpenIndexFile(f *os.File, off int64) (*Index, error) {
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("search: open index: %w", err)
	}
	size := st.Size()
	if off%8 != 0 || off > size || size-off < headerSize || size != int64(int(size)) {
		return readIndexFile(f, off)
	}
	data, err := syscall.Mmap(int(f.Fd()), 0, int(size), syscall.PROT_READ, syscall.MAP_PRIVATE)
	if err != nil {
		return readIndexFile(f, off) // a file system that cannot map
	}
	ix, err := OpenIndex(data[off:])
	if err != nil {
		syscall.Munmap(data)
		return nil, err
	}
	runtime.AddCleanup(ix, func(b []byte) { syscall.Munmap(b) }, data)
	growInPlace(ix, f, off)
	return ix, nil
}
