package corpus

import (
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"io/fs"
	"path"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// File is a candidate article file under the corpus root.
type File struct {
	Path    string // slash-separated path under the root, with extension
	Size    int64
	ModTime time.Time
}

// IsArticle reports whether name has an article extension: .txt, .md,
// .markdown, .html or .htm, in any case.
func IsArticle(name string) bool {
	switch strings.ToLower(path.Ext(name)) {
	case ".txt", ".md", ".markdown", ".html", ".htm":
		return true
	}
	return false
}

// Hidden reports whether the slash path p is hidden: one of its elements
// starts with '.' (List and ListSince skip such files and folders).
func Hidden(p string) bool {
	for el := range strings.SplitSeq(p, "/") {
		if strings.HasPrefix(el, ".") {
			return true
		}
	}
	return false
}

// List walks fsys recursively and returns its article files (see IsArticle),
// sorted by Path. Hidden files and directories (names starting with '.') and
// files of other types are skipped. When the root itself cannot be read,
// List returns no files and that one error; a subdirectory or file that
// cannot be read is skipped and reported in the error list while the rest
// are still listed.
func List(fsys fs.FS) ([]File, []error) {
	var files []File
	var errs []error
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == "." {
				return err
			}
			errs = append(errs, fmt.Errorf("corpus: list %s: %w", p, err))
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if p != "." && strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() || !IsArticle(p) {
			return nil
		}
		var info fs.FileInfo
		if d.Type()&fs.ModeSymlink != 0 {
			info, err = fs.Stat(fsys, p)
		} else {
			info, err = d.Info()
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("corpus: list %s: %w", p, err))
			return nil
		}
		if !info.Mode().IsRegular() {
			return nil
		}
		files = append(files, File{Path: p, Size: info.Size(), ModTime: info.ModTime()})
		return nil
	})
	if err != nil {
		return nil, []error{fmt.Errorf("corpus: list root: %w", err)}
	}
	sort.Slice(files, func(i, j int) bool { return files[i].Path < files[j].Path })
	return files, errs
}

// Listing is what ListSince found.
type Listing struct {
	// Files are the article files that were stat-ed: those whose names the
	// caller did not know, and every file of a folder whose modification
	// time is unknown (an embedded file system). Sorted by Path.
	Files []File
	// Read are the folders read by name, each with the known paths
	// directly in it and which of them were found there. The known files of
	// the other folders of Dirs with a non-zero time are present: their
	// folders' entries are as they were.
	Read []Folder
	// Dirs is every folder walked ("." the root) with the modification
	// time to trust at the next ListSince; zero when it must not be trusted
	// (unknown, too recent to be sure no later change shares it, or the
	// folder could not be read).
	Dirs map[string]time.Time
}

// Folder is a folder ListSince read by name.
type Folder struct {
	Dir     string
	Known   []string // the known paths directly in Dir
	Present []bool   // Present[i]: Known[i] was found in Dir
}

// racyDir is how old a folder's modification time must be to be trusted:
// a change made within the same tick of the file system's clock as the
// listing would not change it.
const racyDir = 2 * time.Second

// ListSince lists fsys as List does, but without stat-ing what cannot have
// changed since a listing that recorded dirs (its Listing.Dirs). A folder
// whose modification time is what dirs recorded has the entries it had:
// its known files are present, and its subfolders are those dirs holds,
// each checked the same way. A folder whose time differs is read by name
// (Read): knownIn gives the paths known directly in it, found present or
// not; only unknown names are stat-ed (Files). With a nil knownIn, every
// name is unknown. A file edited in place, or replaced under the same name,
// changes no folder's time: only List (a full pass) sees that. now is the
// time of the listing (see racyDir). Errors are as List's.
func ListSince(fsys fs.FS, dirs map[string]time.Time, knownIn func(dir string) []string, now time.Time) (Listing, []error) {
	ls := Listing{Dirs: make(map[string]time.Time)}
	var errs []error
	subdirs := make(map[string][]string)
	for d := range dirs {
		if d != "." {
			subdirs[path.Dir(d)] = append(subdirs[path.Dir(d)], d)
		}
	}
	var walk func(dir string, mt time.Time)
	walk = func(dir string, mt time.Time) {
		trusted := !mt.IsZero() && mt.Before(now.Add(-racyDir))
		if was, ok := dirs[dir]; ok && trusted && was.Equal(mt) {
			ls.Dirs[dir] = mt
			for _, sub := range subdirs[dir] {
				info, err := fs.Stat(fsys, sub)
				if err != nil || !info.IsDir() {
					if err == nil {
						err = errors.New("not a folder any more")
					}
					errs = append(errs, fmt.Errorf("corpus: list %s: %w", sub, err))
					ls.Dirs[sub] = time.Time{}
					continue
				}
				walk(sub, info.ModTime())
			}
			return
		}
		ls.Dirs[dir] = mt
		if !trusted {
			ls.Dirs[dir] = time.Time{}
		}
		read := Folder{Dir: dir}
		if knownIn != nil {
			read.Known = knownIn(dir)
			read.Present = make([]bool, len(read.Known))
		}
		var names nameSet // a folder with no time (an embedded file system): every file is stat-ed
		if !mt.IsZero() {
			names = newNameSet(read.Known)
		}
		var pending []fs.DirEntry // the batch's files to stat
		err := readDir(fsys, dir, func(batch []fs.DirEntry) {
			pending = pending[:0]
			for _, e := range batch {
				name := e.Name()
				if strings.HasPrefix(name, ".") {
					continue
				}
				p := name
				if dir != "." {
					p = dir + "/" + name
				}
				if e.IsDir() {
					info, err := e.Info()
					if err != nil {
						errs = append(errs, fmt.Errorf("corpus: list %s: %w", p, err))
						ls.Dirs[p] = time.Time{}
						continue
					}
					walk(p, info.ModTime())
					continue
				}
				if !IsArticle(name) {
					continue
				}
				if i := names.find(p); i >= 0 {
					read.Present[i] = true
					continue
				}
				pending = append(pending, e)
			}
			ls.Files, errs = statFiles(fsys, dir, pending, ls.Files, errs)
		})
		if err != nil {
			errs = append(errs, fmt.Errorf("corpus: list %s: %w", dir, err))
			ls.Dirs[dir] = time.Time{}
		}
		ls.Read = append(ls.Read, read)
	}
	root, err := fs.Stat(fsys, ".")
	if err == nil && !root.IsDir() {
		err = errors.New("not a folder")
	}
	if err == nil {
		err = readable(fsys, ".")
	}
	if err != nil {
		return Listing{}, []error{fmt.Errorf("corpus: list root: %w", err)}
	}
	walk(".", root.ModTime())
	slices.SortFunc(ls.Files, func(a, b File) int { return strings.Compare(a.Path, b.Path) })
	return ls, errs
}

// statFiles stats the files of entries (a batch of the folder dir's, one
// on each core at a time: at a million files the stats are most of a full
// pass; a link is followed, as List does), and appends the regular files
// to files and what failed to errs, in the order of entries.
func statFiles(fsys fs.FS, dir string, entries []fs.DirEntry, files []File, errs []error) ([]File, []error) {
	type stat struct {
		path string
		info fs.FileInfo
		err  error
	}
	got := make([]stat, len(entries))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(entries)) {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < len(entries); i = int(next.Add(1) - 1) {
				e, g := entries[i], &got[i]
				g.path = e.Name()
				if dir != "." {
					g.path = dir + "/" + g.path
				}
				if e.Type()&fs.ModeSymlink != 0 {
					g.info, g.err = fs.Stat(fsys, g.path)
				} else {
					g.info, g.err = e.Info()
				}
			}
		})
	}
	wg.Wait()
	for i := range got {
		switch p := got[i].path; {
		case got[i].err != nil:
			errs = append(errs, fmt.Errorf("corpus: list %s: %w", p, got[i].err))
		case got[i].info.Mode().IsRegular():
			files = append(files, File{Path: p, Size: got[i].info.Size(), ModTime: got[i].info.ModTime()})
		}
	}
	return files, errs
}

// readDirBatch is how many entries readDir reads at a time.
const readDirBatch = 1024

// readDir calls fn with the entries of the folder dir, in the order the
// file system gives them, a batch at a time: a folder of a million files
// is not held, nor sorted, whole.
func readDir(fsys fs.FS, dir string, fn func([]fs.DirEntry)) error {
	f, err := fsys.Open(dir)
	if err != nil {
		return err
	}
	defer f.Close()
	d, ok := f.(fs.ReadDirFile)
	if !ok {
		entries, err := fs.ReadDir(fsys, dir)
		fn(entries)
		return err
	}
	for {
		entries, err := d.ReadDir(readDirBatch)
		fn(entries)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// readable reports why the folder dir cannot be read, reading one entry
// rather than all of them.
func readable(fsys fs.FS, dir string) error {
	f, err := fsys.Open(dir)
	if err != nil {
		return err
	}
	defer f.Close()
	if d, ok := f.(fs.ReadDirFile); ok {
		if _, err := d.ReadDir(1); err != nil && !errors.Is(err, io.EOF) {
			return err
		}
	}
	return nil
}

// Unchanged reports whether every folder of dirs (a Listing.Dirs recorded
// by an earlier ListSince) still has the modification time recorded, each
// trusted (see racyDir): then no entry was added, removed or renamed
// anywhere under the root since, and ListSince would stat nothing. It
// stats only the folders. False when dirs is empty or the root is missing
// from it.
func Unchanged(fsys fs.FS, dirs map[string]time.Time, now time.Time) bool {
	if _, ok := dirs["."]; !ok {
		return false
	}
	for d, was := range dirs {
		if was.IsZero() || !was.Before(now.Add(-racyDir)) {
			return false
		}
		info, err := fs.Stat(fsys, d)
		if err != nil || !info.IsDir() || !info.ModTime().Equal(was) {
			return false
		}
	}
	return true
}

// nameSet answers whether a path is one of a list of paths: a hash table of
// indexes into the list, open addressing. A changed folder of a million
// files asks once per entry; a binary search over a million sorted paths
// with a common prefix compared twenty strings each time.
type nameSet struct {
	names []string
	slots []uint32 // index+1 into names, 0 for empty
	seed  maphash.Seed
}

func newNameSet(names []string) nameSet {
	n := 8
	for n < 2*len(names) {
		n <<= 1
	}
	s := nameSet{names: names, slots: make([]uint32, n), seed: maphash.MakeSeed()}
	if len(names) == 0 {
		return s
	}
	mask := uint64(n - 1)
	for i, name := range names {
		for h := maphash.String(s.seed, name) & mask; ; h = (h + 1) & mask {
			if s.slots[h] == 0 {
				s.slots[h] = uint32(i + 1)
				break
			}
		}
	}
	return s
}

// find returns the index of p in the list, -1 when it is not there (of
// equal names, the first).
func (s nameSet) find(p string) int {
	if len(s.names) == 0 {
		return -1
	}
	mask := uint64(len(s.slots) - 1)
	for h := maphash.String(s.seed, p) & mask; ; h = (h + 1) & mask {
		i := s.slots[h]
		if i == 0 {
			return -1
		}
		if s.names[i-1] == p {
			return int(i - 1)
		}
	}
}
