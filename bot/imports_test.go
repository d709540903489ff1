package bot

import (
	"go/build"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// bot is the chat side: it reaches stored state only through the domain
// packages (briefing, briefing/feeds, briefing/schedule), whose Store
// interfaces briefing/store implements; bot must not depend on the store,
// directly or through any package it imports (what `go list -deps ./bot`
// shows, tests excluded).
func TestBotDoesNotDependOnTheStore(t *testing.T) {
	const module, store = "briefbot", "briefbot/briefing/store"
	root := ".." // bot is a directory of the module's root
	via := map[string]string{module + "/bot": ""}
	queue := []string{module + "/bot"}
	for len(queue) > 0 {
		path := queue[0]
		queue = queue[1:]
		dir := filepath.Join(root, filepath.FromSlash(strings.TrimPrefix(path, module)))
		pkg, err := build.ImportDir(dir, 0)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		for _, imp := range pkg.Imports {
			if _, seen := via[imp]; seen || !strings.HasPrefix(imp, module+"/") {
				continue // other modules cannot import ours
			}
			via[imp] = path
			queue = append(queue, imp)
		}
	}
	if len(via) < 3 {
		t.Fatalf("walked only %v: the walk is broken", via)
	}
	if _, ok := via[store]; ok {
		chain := []string{store}
		for p := via[store]; p != ""; p = via[p] {
			chain = append(chain, p)
		}
		slices.Reverse(chain)
		t.Errorf("bot depends on the store: %s; declare what is needed as an interface in the domain package and let the store implement it", strings.Join(chain, " -> "))
	}
}
