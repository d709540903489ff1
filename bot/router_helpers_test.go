package bot

import "time"

// mustRouter is NewRouter with the zone and digest window config would
// give (UTC, 24h) when opt leaves them zero; it panics on a bad opt.
func mustRouter(opt RouterOptions) *Router {
	if opt.Location == nil {
		opt.Location = time.UTC
	}
	if opt.DigestWindow == 0 {
		opt.DigestWindow = 24 * time.Hour
	}
	r, err := NewRouter(opt)
	if err != nil {
		panic(err)
	}
	return r
}
