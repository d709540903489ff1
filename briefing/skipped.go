package briefing

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"

	"briefbot/briefing/corpus"
)

// skippedMetaKey is the store meta key under which the files last warned
// about are remembered: a JSON object of error text -> file stamp.
const skippedMetaKey = "skipped_warned"

// skippedFile is a file that could not be read or parsed, with the stamp
// (size, modification time) it had then.
type skippedFile struct {
	err  error
	file corpus.File
}

func (s skippedFile) Error() string { return s.err.Error() }
func (s skippedFile) Unwrap() error { return s.err }

// stamp identifies the skipped file's version: "" when unknown.
func stamp(err error) string {
	var sf skippedFile
	if !errors.As(err, &sf) {
		return ""
	}
	return fmt.Sprintf("%d %d", sf.file.Size, sf.file.ModTime.UnixNano())
}

// warnSkipped logs a warning for each skipped file not already warned about
// in this store with the same stamp, so that a file that stays unreadable
// is reported once (by the first Open, Refresh or CLI run that meets it)
// until it changes; the others are logged at Debug. It then remembers the
// current set, so a file fixed and broken again is reported again.
func (l *Library) warnSkipped(ctx context.Context, skipped []error) {
	before := map[string]string{}
	if v, err := l.st.Meta(ctx, skippedMetaKey); err == nil && v != "" {
		_ = json.Unmarshal([]byte(v), &before) // a damaged memo only repeats warnings
	}
	now := make(map[string]string, len(skipped))
	for _, e := range skipped {
		msg, st := e.Error(), stamp(e)
		now[msg] = st
		if old, ok := before[msg]; ok && old == st {
			l.log.Debug("skipped corpus file (warned before)", "error", msg)
			continue
		}
		l.log.Warn("skipped corpus file", "error", msg)
	}
	if maps.Equal(before, now) {
		return
	}
	b, err := json.Marshal(now)
	if err == nil {
		err = l.st.SetMeta(context.WithoutCancel(ctx), skippedMetaKey, string(b))
	}
	if err != nil {
		l.log.Debug("remember skipped files", "error", err.Error())
	}
}
