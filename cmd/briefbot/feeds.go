package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"briefbot/briefing"
	"briefbot/briefing/feeds"
	"briefbot/briefing/store"
	"briefbot/config"
)

const feedsUsage = `usage: briefbot feeds add URL... | remove ID | list | import FILE.opml | export | poll
  add URL...        follow feeds (RSS, Atom or JSON Feed), e.g. briefbot feeds add https://example.com/feed.xml
  remove ID         stop following a feed and drop its articles (IDs from list)
  list              the feeds, their state and last error
  import FILE.opml  follow every feed of an OPML file exported from a feed reader
  export            print the feeds as OPML
  poll              poll every feed once and exit (for your own cron)`

func cmdFeeds(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	var c common
	fs := newFlags("feeds", stderr, &c)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usageError{"feeds: which action?\n" + feedsUsage}
	}
	action, rest := fs.Arg(0), fs.Args()[1:]
	need := map[string]int{"add": -1, "remove": 1, "list": 0, "import": 1, "export": 0, "poll": 0}
	n, ok := need[action]
	switch {
	case !ok:
		return usageError{fmt.Sprintf("feeds: unknown action %q\n%s", action, feedsUsage)}
	case n == -1 && len(rest) == 0, n >= 0 && len(rest) != n:
		return usageError{fmt.Sprintf("feeds %s: wrong number of arguments\n%s", action, feedsUsage)}
	}
	cfg, err := c.load(getenv)
	if err != nil {
		return err
	}
	log := cliLog(stderr)
	var lib *briefing.Library
	var st *store.Store
	if action == "poll" || action == "remove" {
		opt, err := llmOptions(cfg, true, nil, log)
		if err != nil {
			return err
		}
		if lib, st, _, err = openLibrary(ctx, cfg, stderr, opt, false); err != nil {
			return err
		}
	} else if st, err = store.Open(ctx, cfg.DataDir); err != nil {
		return err
	}
	defer st.Close()
	if lib != nil {
		defer lib.Close() // waits for a background merge of the index
	}
	p, fe, err := newPoller(ctx, cfg, st, lib, log, nil, nil)
	if err != nil {
		return err
	}
	defer fe.Close()

	switch action {
	case "add":
		for _, u := range rest {
			f, created, err := p.Add(ctx, u)
			if errors.Is(err, feeds.ErrBadURL) {
				return usageError{"feeds add: " + err.Error()}
			}
			if err != nil {
				return err
			}
			if created {
				fmt.Fprintf(stdout, "added feed %d: %s\n", f.ID, f.URL)
			} else {
				fmt.Fprintf(stdout, "already following feed %d: %s\n", f.ID, f.URL)
			}
		}
		return nil
	case "remove":
		id, err := strconv.ParseInt(strings.TrimPrefix(rest[0], "#"), 10, 64)
		if err != nil {
			return usageError{fmt.Sprintf("feeds remove: %q is not a feed ID; briefbot feeds list shows them, e.g. briefbot feeds remove 3", rest[0])}
		}
		f, err := p.Remove(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			return usageError{fmt.Sprintf("feeds remove: there is no feed %d; briefbot feeds list shows them", id)}
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "removed feed %d: %s\n", f.ID, f.URL)
		return nil
	case "list":
		list, err := p.List(ctx)
		if err != nil {
			return err
		}
		if len(list) == 0 {
			fmt.Fprintln(stdout, "no feeds; add one with: briefbot feeds add https://example.com/feed.xml")
			return nil
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tSTATUS\tITEMS\tLAST OK\tFEED")
		for _, f := range list {
			fmt.Fprintf(tw, "%d\t%s\t%d\t%s\t%s\n", f.ID, feedStatus(f), f.Items, when(f.LastOK), feedLabel(f))
		}
		return tw.Flush()
	case "import":
		file, err := os.Open(rest[0])
		if err != nil {
			return usageError{fmt.Sprintf("feeds import: cannot read %s: %v", rest[0], errors.Unwrap(err))}
		}
		defer file.Close()
		urls, err := feeds.ReadOPML(file)
		if err != nil {
			return usageError{fmt.Sprintf("feeds import: %s: %v", rest[0], err)}
		}
		added, known, bad := 0, 0, 0
		for _, u := range urls {
			_, created, err := p.Add(ctx, u)
			switch {
			case errors.Is(err, feeds.ErrBadURL):
				bad++
				fmt.Fprintf(stderr, "briefbot: feeds import: skipped: %v\n", err)
			case err != nil:
				return err
			case created:
				added++
			default:
				known++
			}
		}
		fmt.Fprintf(stdout, "imported %s: %d added, %d already followed, %d skipped\n", rest[0], added, known, bad)
		return nil
	case "export":
		list, err := p.List(ctx)
		if err != nil {
			return err
		}
		return feeds.WriteOPML(stdout, list)
	default: // poll
		r, err := p.PollAll(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "polled %d feeds: %d ok, %d not modified, %d failed, %d skipped (backing off); %d articles added, %d updated",
			r.Feeds, r.OK, r.NotModified, r.Errors, r.Skipped, r.Added, r.Updated)
		if r.Pruned > 0 {
			fmt.Fprintf(stdout, ", %d pruned", r.Pruned)
		}
		fmt.Fprintln(stdout)
		if r.Errors > 0 {
			list, err := p.List(ctx)
			if err != nil {
				return err
			}
			for _, f := range list {
				if f.Failures > 0 {
					fmt.Fprintf(stdout, "  feed %d %s: %s\n", f.ID, f.URL, f.LastError)
				}
			}
		}
		return nil
	}
}

// newPoller builds the feed poller over st and lib (nil when only the list
// is managed) and adds the configured feeds that are not stored yet.
func newPoller(ctx context.Context, cfg config.Config, st *store.Store, lib *briefing.Library, log *slog.Logger,
	reg prometheus.Registerer, onFailing func(context.Context, feeds.Feed)) (*feeds.Poller, *feeds.Fetcher, error) {
	fe := feeds.NewFetcher(feeds.FetcherOptions{AllowPrivate: cfg.Feeds.AllowPrivate})
	opt := feeds.Options{
		Store: st, Fetcher: fe, Interval: cfg.Feeds.Interval, Backlog: cfg.Feeds.Backlog, Retention: cfg.Feeds.Retention,
		OnFailing: onFailing, Log: log.With("component", "feeds"), Metrics: feeds.NewMetrics(reg),
	}
	if lib != nil {
		opt.Library = lib
	}
	p, err := feeds.New(opt)
	if err != nil {
		fe.Close()
		return nil, nil, err
	}
	urls := cfg.Feeds.URLs
	if cfg.Feeds.File != "" {
		f, err := os.Open(cfg.Feeds.File)
		if err != nil {
			fe.Close()
			return nil, nil, usageError{fmt.Sprintf("BRIEFBOT_FEEDS_FILE: cannot read %s: %v", cfg.Feeds.File, errors.Unwrap(err))}
		}
		more, err := feeds.ReadOPML(f)
		f.Close()
		if err != nil {
			fe.Close()
			return nil, nil, usageError{fmt.Sprintf("BRIEFBOT_FEEDS_FILE: %s: %v", cfg.Feeds.File, err)}
		}
		urls = append(urls, more...)
	}
	if err := p.Seed(ctx, urls); err != nil {
		if errors.Is(err, feeds.ErrBadURL) {
			fe.Close()
			return nil, nil, usageError{"BRIEFBOT_FEEDS / BRIEFBOT_FEEDS_FILE: " + err.Error()}
		}
		fe.Close()
		return nil, nil, err
	}
	return p, fe, nil
}

func feedStatus(f feeds.Feed) string {
	switch {
	case f.Failing:
		return "failing"
	case f.Failures > 0:
		return fmt.Sprintf("retrying (%d)", f.Failures)
	case f.LastPoll.IsZero():
		return "new"
	}
	return "ok"
}

func feedLabel(f feeds.Feed) string {
	s := f.URL
	if f.Title != "" {
		s = f.Title + " <" + f.URL + ">"
	}
	if f.LastError != "" {
		s += " — " + f.LastError
	}
	return s
}

func when(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return t.UTC().Format("2006-01-02 15:04")
}
