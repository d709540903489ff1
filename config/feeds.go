package config

import (
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

// Feeds holds the news feed settings.
type Feeds struct {
	URLs         []string      // BRIEFBOT_FEEDS
	File         string        // BRIEFBOT_FEEDS_FILE: an OPML file of feeds; "" when unset
	Interval     time.Duration // BRIEFBOT_FEED_INTERVAL, default 15m
	Backlog      time.Duration // BRIEFBOT_FEED_BACKLOG, default 7d
	AllowPrivate bool          // BRIEFBOT_FEEDS_ALLOW_PRIVATE
	Retention    time.Duration // BRIEFBOT_RETENTION; 0 keeps everything
}

// Feed defaults.
const (
	DefaultFeedInterval = 15 * time.Minute
	DefaultFeedBacklog  = 7 * 24 * time.Hour
)

// loadFeeds reads the BRIEFBOT_FEED* variables and BRIEFBOT_RETENTION,
// reporting problems through bad.
func loadFeeds(get func(string) string, bad func(name, format string, a ...any)) Feeds {
	long := func(name string, def time.Duration, min time.Duration, example string) time.Duration {
		v := get(name)
		if v == "" {
			return def
		}
		d, ok := parseLongDuration(v)
		if !ok || d < min {
			bad(name, "%q is not accepted; use a duration of at least %s such as %s (units s, m, h, d, w)", v, min, example)
			return def
		}
		return d
	}
	f := Feeds{
		File:     get("BRIEFBOT_FEEDS_FILE"),
		Interval: long("BRIEFBOT_FEED_INTERVAL", DefaultFeedInterval, time.Minute, "15m or 1h"),
		Backlog:  long("BRIEFBOT_FEED_BACKLOG", DefaultFeedBacklog, time.Hour, "7d"),
	}
	if v := strings.ToLower(get("BRIEFBOT_RETENTION")); v != "" && v != "keep" && v != "0" {
		f.Retention = long("BRIEFBOT_RETENTION", 0, time.Hour, "90d, or keep (the default)")
	}
	switch v := strings.ToLower(get("BRIEFBOT_FEEDS_ALLOW_PRIVATE")); v {
	case "", "false", "0", "no":
	case "true", "1", "yes":
		f.AllowPrivate = true
	default:
		bad("BRIEFBOT_FEEDS_ALLOW_PRIVATE", "%q is not accepted; use true (tests and trusted networks only) or false (the default)", v)
	}
	for _, part := range strings.Split(get("BRIEFBOT_FEEDS"), ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		u, err := url.Parse(part)
		if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
			bad("BRIEFBOT_FEEDS", "%q is not an http(s) URL; use a comma-separated list such as https://example.com/feed.xml,https://example.org/atom.xml", part)
			continue
		}
		f.URLs = append(f.URLs, part)
	}
	if f.File != "" {
		if st, err := os.Stat(f.File); err != nil || st.IsDir() {
			bad("BRIEFBOT_FEEDS_FILE", "%q is not a readable file; point it at an OPML file exported from a feed reader, or unset it", f.File)
		}
	}
	return f
}

// parseLongDuration parses a Go duration, or a whole number of days (7d)
// or weeks (2w).
func parseLongDuration(s string) (time.Duration, bool) {
	s = strings.TrimSpace(strings.ToLower(s))
	if d, err := time.ParseDuration(s); err == nil {
		return d, d > 0
	}
	if len(s) < 2 {
		return 0, false
	}
	unit := map[byte]time.Duration{'d': 24 * time.Hour, 'w': 7 * 24 * time.Hour}[s[len(s)-1]]
	n, err := strconv.Atoi(s[:len(s)-1])
	if unit == 0 || err != nil || n <= 0 || n > 100000 {
		return 0, false
	}
	return time.Duration(n) * unit, true
}
