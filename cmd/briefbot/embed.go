package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"briefbot/briefing"
	"briefbot/config"
)

// loadEmbeddings loads, for a short-lived command (ask), the passage
// vectors that serve or index embedded; it embeds nothing. A failure only
// leaves the offline ranking, and says so.
func loadEmbeddings(ctx context.Context, lib *briefing.Library, cfg config.Config, stderr io.Writer) {
	if !cfg.Embed.Enabled() {
		return
	}
	if _, err := lib.LoadEmbeddings(ctx); err != nil && ctx.Err() == nil {
		fmt.Fprintf(stderr, "warning: embeddings not loaded, answering from the offline ranking: %v\n", err)
	}
}

// embedAll waits, after `briefbot index` built the offline index, for the
// passages to be embedded (BRIEFBOT_EMBED_MODEL) and reports it. A failing
// endpoint leaves the offline index complete: it is reported, not an error.
func embedAll(ctx context.Context, lib *briefing.Library, cfg config.Config, stdout, stderr io.Writer) {
	if !cfg.Embed.Enabled() {
		return
	}
	start := time.Now()
	st, err := lib.Embed(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "embeddings incomplete (%d of the passages have vectors; the offline index is complete, and the next index or serve goes on): %v\n", st.Vectors, err)
		return
	}
	fmt.Fprintf(stdout, "embedded with %s: %d passages have vectors, %d embedded in %d requests, %d from the cache, in %s\n",
		cfg.Embed.Model, st.Vectors, st.Embedded, st.Requests, st.Cached, time.Since(start).Round(time.Millisecond))
}
