package corpus

import (
	"errors"
	"io/fs"
	"testing"
	"testing/fstest"
	"time"
)

func TestList(t *testing.T) {
	mod := time.Date(2025, 2, 1, 12, 0, 0, 0, time.UTC)
	file := func(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s), ModTime: mod} }
	fsys := fstest.MapFS{
		"b.txt":              file("bb"),
		"a.txt":              file("a"),
		"b/c.md":             file("ccc"),
		"b/.hidden.txt":      file("x"),
		".git/notes.txt":     file("x"),
		"d/e.HTML":           file("e"),
		"d/f.htm":            file("f"),
		"d/g.markdown":       file("g"),
		"d/deep/h.Md":        file("h"),
		"img.png":            file("x"),
		"notes.docx":         file("x"),
		"d/.cache/i.txt":     file("x"),
		"dir.txt/inside.txt": file("i"),
	}
	files, errs := List(fsys)
	if len(errs) != 0 {
		t.Fatalf("errors: %v", errs)
	}
	want := []string{"a.txt", "b.txt", "b/c.md", "d/deep/h.Md", "d/e.HTML", "d/f.htm", "d/g.markdown", "dir.txt/inside.txt"}
	if len(files) != len(want) {
		t.Fatalf("got %d files %v, want %v", len(files), files, want)
	}
	for i, f := range files {
		if f.Path != want[i] {
			t.Errorf("file %d = %q, want %q", i, f.Path, want[i])
		}
		if f.Size != int64(len(fsys[f.Path].Data)) || !f.ModTime.Equal(mod) {
			t.Errorf("%s: Size %d ModTime %v", f.Path, f.Size, f.ModTime)
		}
	}
}

// brokenFS fails to open one path.
type brokenFS struct {
	fsys fs.FS
	bad  string
}

func (b brokenFS) Open(name string) (fs.File, error) {
	if name == b.bad {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrPermission}
	}
	return b.fsys.Open(name)
}

func TestListErrors(t *testing.T) {
	fsys := fstest.MapFS{
		"ok.txt":         {Data: []byte("x")},
		"locked/a.txt":   {Data: []byte("x")},
		"open/b.md":      {Data: []byte("x")},
		"open/deeper.md": {Data: []byte("x")},
	}
	files, errs := List(brokenFS{fsys, "locked"})
	if len(files) != 3 || len(errs) != 1 || !errors.Is(errs[0], fs.ErrPermission) {
		t.Errorf("unreadable subdirectory: files %v errs %v", files, errs)
	}
	files, errs = List(brokenFS{fsys, "."})
	if files != nil || len(errs) != 1 || !errors.Is(errs[0], fs.ErrPermission) {
		t.Errorf("unreadable root: files %v errs %v", files, errs)
	}
}
