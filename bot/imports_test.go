package bot

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// bot is the chat side: it reaches stored state only through briefing,
// briefing/feeds and briefing/schedule, never the store itself.
func TestBotDoesNotImportTheStore(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			if path, _ := strconv.Unquote(imp.Path.Value); path == "briefbot/briefing/store" {
				t.Errorf("%s imports briefbot/briefing/store; use briefing/schedule or briefing/feeds", name)
			}
		}
	}
}
