//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package search

import "os"

// OpenIndexFile opens the index persisted in f from byte offset off to the
// end of the file. On this platform it reads the file into memory and then
// uses it as OpenIndex does; f may be closed once it returns.
func OpenIndexFile(f *os.File, off int64) (*Index, error) {
	return readIndexFile(f, off)
}
