package corpus

import (
	"embed"
	"io/fs"
)

// sampleFiles is the default corpus: a few short articles about DeepSeek's
// release in early 2025, written for briefbot.
//
//go:embed sample
var sampleFiles embed.FS

// Sample returns the embedded default corpus, the articles under
// briefing/corpus/sample, rooted at that folder.
func Sample() fs.FS {
	sub, err := fs.Sub(sampleFiles, "sample")
	if err != nil { // cannot happen: "sample" is a valid path
		return sampleFiles
	}
	return sub
}
