package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestFeedsDefaults(t *testing.T) {
	c, err := Load(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	f := c.Feeds
	if len(f.URLs) != 0 || f.File != "" || f.Interval != 15*time.Minute || f.Backlog != 7*24*time.Hour || f.AllowPrivate || f.Retention != 0 {
		t.Errorf("feed defaults %+v", f)
	}
}

func TestFeedsSet(t *testing.T) {
	opml := filepath.Join(t.TempDir(), "feeds.opml")
	os.WriteFile(opml, []byte("<opml/>"), 0o644)
	c, err := Load(env(map[string]string{
		"BRIEFBOT_FEEDS":               " https://a.example.com/rss , https://b.example.org/atom.xml,",
		"BRIEFBOT_FEEDS_FILE":          opml,
		"BRIEFBOT_FEED_INTERVAL":       "1h",
		"BRIEFBOT_FEED_BACKLOG":        "2d",
		"BRIEFBOT_FEEDS_ALLOW_PRIVATE": "true",
		"BRIEFBOT_RETENTION":           "90d",
	}))
	if err != nil {
		t.Fatal(err)
	}
	f := c.Feeds
	if len(f.URLs) != 2 || f.URLs[1] != "https://b.example.org/atom.xml" || f.File != opml || f.Interval != time.Hour ||
		f.Backlog != 48*time.Hour || !f.AllowPrivate || f.Retention != 90*24*time.Hour {
		t.Errorf("feeds %+v", f)
	}
	if c, _ := Load(env(map[string]string{"BRIEFBOT_RETENTION": "keep"})); c.Feeds.Retention != 0 {
		t.Errorf("keep: %v", c.Feeds.Retention)
	}
}

func TestFeedsProblemsNamed(t *testing.T) {
	_, err := Load(env(map[string]string{
		"BRIEFBOT_FEEDS":               "https://ok.example.com/rss,ftp://bad.example.com/x",
		"BRIEFBOT_FEEDS_FILE":          "/no/such/file.opml",
		"BRIEFBOT_FEED_INTERVAL":       "10s",
		"BRIEFBOT_FEED_BACKLOG":        "soon",
		"BRIEFBOT_FEEDS_ALLOW_PRIVATE": "perhaps",
		"BRIEFBOT_RETENTION":           "-3d",
	}))
	if err == nil {
		t.Fatal("no error")
	}
	for _, name := range []string{"BRIEFBOT_FEEDS:", "BRIEFBOT_FEEDS_FILE:", "BRIEFBOT_FEED_INTERVAL:", "BRIEFBOT_FEED_BACKLOG:", "BRIEFBOT_FEEDS_ALLOW_PRIVATE:", "BRIEFBOT_RETENTION:"} {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("error does not name %s:\n%v", name, err)
		}
	}
	if strings.Contains(err.Error(), "ok.example.com") {
		t.Errorf("a good URL is reported: %v", err)
	}
}
