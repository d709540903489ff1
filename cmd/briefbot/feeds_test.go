package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func feedServer(t *testing.T) *httptest.Server {
	t.Helper()
	data, err := os.ReadFile("../../briefing/feeds/testdata/rss.xml")
	if err != nil {
		t.Fatal(err)
	}
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/rss.xml" {
			http.NotFound(w, r)
			return
		}
		if r.Header.Get("If-None-Match") == `"v1"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", `"v1"`)
		w.Write([]byte(strings.ReplaceAll(string(data), "{{BASE}}", srv.URL)))
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestFeedsCLI(t *testing.T) {
	srv := feedServer(t)
	env := map[string]string{"BRIEFBOT_DATA_DIR": t.TempDir(), "BRIEFBOT_FEEDS_ALLOW_PRIVATE": "true"}
	steps := []struct {
		args []string
		code int
		want []string
	}{
		{[]string{"feeds", "add", srv.URL + "/rss.xml"}, 0, []string{"added feed 1: " + srv.URL + "/rss.xml"}},
		{[]string{"feeds", "add", srv.URL + "/rss.xml"}, 0, []string{"already following feed 1"}},
		{[]string{"feeds", "list"}, 0, []string{"ID", "new", srv.URL + "/rss.xml"}},
		{[]string{"feeds", "poll"}, 0, []string{"polled 1 feeds: 1 ok", "2 articles added"}},
		{[]string{"feeds", "poll"}, 0, []string{"1 not modified", "0 articles added"}},
		{[]string{"feeds", "list"}, 0, []string{"ok", "Harbour Ledger <" + srv.URL + "/rss.xml>"}},
		{[]string{"ask", "--json", "what about the pilot station rebuild at Gull Point?"}, 0, []string{`"doc":"feed/1/`, `"source":"Harbour Ledger"`}},
		{[]string{"feeds", "export"}, 0, []string{`<opml version="2.0">`, `xmlUrl="` + srv.URL + `/rss.xml"`}},
		{[]string{"feeds", "remove", "1"}, 0, []string{"removed feed 1"}},
		{[]string{"feeds", "remove", "1"}, 2, nil},
		{[]string{"feeds", "remove", "one"}, 2, nil},
		{[]string{"feeds", "add", "example.com/feed"}, 2, nil},
		{[]string{"feeds", "frobnicate"}, 2, nil},
		{[]string{"feeds"}, 2, nil},
	}
	for _, s := range steps {
		code, out, errOut := runCLI(t, env, "", s.args...)
		if code != s.code {
			t.Fatalf("%v: exit %d, want %d\n%s%s", s.args, code, s.code, out, errOut)
		}
		for _, w := range s.want {
			if !strings.Contains(out, w) {
				t.Errorf("%v: output lacks %q:\n%s", s.args, w, out)
			}
		}
		if s.code == 2 && !strings.Contains(errOut, "feeds") {
			t.Errorf("%v: unclear usage error %q", s.args, errOut)
		}
	}
	code, out, _ := runCLI(t, env, "", "ask", "--json", "what about the pilot station rebuild at Gull Point?")
	if code != 0 || strings.Contains(out, `"doc":"feed/1/`) {
		t.Errorf("removed feed's articles still answered: %s", out)
	}
}

func TestFeedsImportAndPrivateRefused(t *testing.T) {
	dir := t.TempDir()
	opml := filepath.Join(dir, "subs.opml")
	os.WriteFile(opml, []byte(`<?xml version="1.0"?><opml version="1.0"><head><title>x</title></head><body>
<outline text="a" xmlUrl="https://a.example.com/rss"/><outline text="local" xmlUrl="http://127.0.0.1:9/rss"/></body></opml>`), 0o644)
	env := map[string]string{"BRIEFBOT_DATA_DIR": filepath.Join(dir, "data")}
	code, out, errOut := runCLI(t, env, "", "feeds", "import", opml)
	if code != 0 || !strings.Contains(out, "1 added, 0 already followed, 1 skipped") || !strings.Contains(errOut, "not a public address") {
		t.Errorf("import: exit %d\n%s%s", code, out, errOut)
	}
	code, _, errOut = runCLI(t, env, "", "feeds", "add", "http://169.254.169.254/latest/meta-data/")
	if code != 2 || !strings.Contains(errOut, "not a public address") {
		t.Errorf("metadata address: exit %d %s", code, errOut)
	}
	code, _, errOut = runCLI(t, map[string]string{"BRIEFBOT_DATA_DIR": env["BRIEFBOT_DATA_DIR"], "BRIEFBOT_FEEDS": "ftp://x.example.com/"}, "", "feeds", "list")
	if code != 2 || !strings.Contains(errOut, "BRIEFBOT_FEEDS") {
		t.Errorf("bad BRIEFBOT_FEEDS: exit %d %s", code, errOut)
	}
}
