package main

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"briefbot/briefing"
	"briefbot/briefing/corpus"
	"briefbot/config"
)

// refreshLoop keeps lib up to date with the corpus folder until ctx is
// done. When the folder can be watched (BRIEFBOT_WATCH, a folder on disk),
// each batch of changed files is refreshed as it comes (RefreshPaths), and
// a batch that is not the whole story runs a pass first: the cheap pass
// (RefreshChanged) when a folder appeared or vanished, the full pass when
// events were lost (a file edited in place may be among them). Once the
// folder has been quiet for a few seconds, the times of the folders the
// batches changed are recorded (Settle), so that neither the cheap pass
// nor the next start reads them again. Every BRIEFBOT_REFRESH
// the cheap pass runs anyway: with the watcher keeping up it finds nothing
// and costs the folders' stats, and it finds what file events do not
// report (a network file system's other writers). Every
// BRIEFBOT_FULL_REFRESH the full pass (Refresh) stats every file: only it
// finds a file edited in place where no event came. All of them take
// turns through the library.
func refreshLoop(ctx context.Context, lib *briefing.Library, cfg config.Config, log *slog.Logger) {
	var wg sync.WaitGroup
	defer wg.Wait()
	refreshed := func(what string, err error) {
		if err != nil && ctx.Err() == nil {
			log.Error("corpus refresh failed", "pass", what, "error", err.Error())
		}
	}
	if cfg.CorpusDir != "" && cfg.Watch {
		w, err := corpus.NewWatcher(cfg.CorpusDir, corpus.WatchOptions{})
		if err != nil {
			log.Warn("the corpus folder is not watched: changes are found by the re-scans (BRIEFBOT_REFRESH, BRIEFBOT_FULL_REFRESH) only",
				"reason", err.Error())
		} else {
			since := time.Now() // every folder is watched from here on
			wg.Go(func() {
				// missed: events were lost and the full pass failed: no Settle
				// until a pass of the handler's own succeeds.
				missed := false
				err := w.Run(ctx, func(ctx context.Context, b corpus.Batch) {
					switch {
					case b.Settled: // record the times of the folders the batches changed
						if missed {
							return
						}
						if err := lib.Settle(ctx, since, b.At); err != nil && ctx.Err() == nil {
							log.Warn("corpus folder times not recorded; the next scan reads those folders", "error", err.Error())
						}
						return
					case b.Lost:
						log.Warn("corpus file events were lost: examining every file", "reason", b.Rescan)
						_, err := lib.Refresh(ctx)
						missed = err != nil
						refreshed("full", err)
						return
					case b.Rescan != "":
						log.Info("corpus folder changed: scanning its folders", "reason", b.Rescan)
						_, err := lib.RefreshChanged(ctx)
						if err == nil {
							missed = false // the folders' entries are all stored again
						}
						refreshed("changed folders", err)
					}
					if len(b.Paths) > 0 { // edits in place: no folder scan finds them
						_, err := lib.RefreshPaths(ctx, b.Paths)
						refreshed("watched files", err)
					}
				})
				if ctx.Err() == nil {
					log.Warn("the corpus folder is no longer watched: changes are found by the re-scans only", "reason", err.Error())
				}
			})
			// What changed between the library's scan and the watch.
			_, err := lib.RefreshChanged(ctx)
			refreshed("changed folders", err)
		}
	}
	cheap := time.NewTicker(cfg.Refresh)
	defer cheap.Stop()
	full := time.NewTicker(cfg.FullRefresh)
	defer full.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-cheap.C:
			_, err := lib.RefreshChanged(ctx)
			refreshed("changed folders", err)
		case <-full.C:
			_, err := lib.Refresh(ctx)
			refreshed("full", err)
			cheap.Reset(cfg.Refresh) // nothing for a cheap pass to find just now
		}
	}
}
