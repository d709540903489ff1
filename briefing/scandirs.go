package briefing

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"path"
	"time"
)

// dirsKey is the store meta key holding the corpus folders' modification
// times as of the last scan whose changes were all stored: a JSON object
// of folder path ("." the root) -> Unix nanoseconds, 0 for a folder not to
// be trusted (see corpus.ListSince).
const dirsKey = "corpus_dirs"

func decodeDirs(v string) map[string]time.Time {
	if v == "" {
		return nil
	}
	var raw map[string]int64
	if json.Unmarshal([]byte(v), &raw) != nil {
		return nil // unreadable: list everything
	}
	dirs := make(map[string]time.Time, len(raw))
	for d, n := range raw {
		dirs[d] = FromNanos(n)
	}
	return dirs
}

// saveDirs records the folders' times of scan sc once its changes ch are
// stored. A folder whose time may not describe the store is recorded as
// untrusted: one holding a file that was skipped (it is retried at the next
// scan only if its folder is read again), and all of them when articles of
// vanished files were kept or did not fit in the database.
func (l *Library) saveDirs(ctx context.Context, sc scanned, ch Changes) error {
	if sc.dirs == nil {
		return nil
	}
	dirs := maps.Clone(sc.dirs)
	if ch.Kept > 0 || ch.Full > 0 {
		for d := range dirs {
			dirs[d] = time.Time{}
		}
	}
	for _, e := range ch.Skipped {
		var sf skippedFile
		if errors.As(e, &sf) && sf.file.Path != "" {
			dirs[path.Dir(sf.file.Path)] = time.Time{}
		}
	}
	raw := make(map[string]int64, len(dirs))
	for d, t := range dirs {
		raw[d] = Nanos(t)
	}
	b, err := json.Marshal(raw)
	if err != nil || string(b) == sc.dirsWas {
		return err
	}
	return l.st.SetMeta(ctx, dirsKey, string(b))
}
