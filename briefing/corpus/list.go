package corpus

import (
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
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
