package main

import (
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"briefbot/bot/discord/discordfake"
)

// TestServeFeedFromDiscord adds a feed with a signed Discord interaction
// (/brief feeds add:URL); serve polls it, and its article is then answered
// from and listed by /brief feeds.
func TestServeFeedFromDiscord(t *testing.T) {
	var feed *httptest.Server
	feed = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>Fjord Courier</title><link>%s/</link>`+
			`<item><guid>c1</guid><title>Salmon ladder opens at the upper dam</title><link>%s/c1</link><description>%s</description></item></channel></rss>`,
			feed.URL, feed.URL, strings.Repeat("A salmon ladder beside the upper dam opened on Thursday so that fish can reach the spawning pools. ", 10))
	}))
	defer feed.Close()
	rest := discordfake.New(t, discordfake.Options{AppID: discordApp})
	pub, priv, _ := ed25519.GenerateKey(nil)
	base, _ := startServe(t, map[string]string{
		"DISCORD_APP_ID": discordApp, "DISCORD_PUBLIC_KEY": hex.EncodeToString(pub), "DISCORD_API_URL": rest.URL(),
		"BRIEFBOT_FEEDS_ALLOW_PRIVATE": "true", "BRIEFBOT_CORPUS_DIR": t.TempDir(),
	}, io.Discard, serveHooks{})
	n := 0
	send := func(token, sub, opts string) {
		t.Helper()
		n++ // every interaction has an id of its own
		body := `{"type":2,"id":"` + strconv.Itoa(7700+n) + `","application_id":"` + discordApp + `","token":"` + token + `","channel_id":"42","guild_id":"5",` +
			`"member":{"user":{"id":"9","username":"ana"}},"data":{"id":"3","name":"brief","type":1,"options":[{"name":"` + sub + `","type":1,` +
			`"options":[` + opts + `]}]}}`
		var v any
		if err := json.Unmarshal([]byte(body), &v); err != nil {
			t.Fatal(err)
		}
		if status, raw := rest.PostInteraction(t, base+"/discord/interactions", priv, time.Now(), v); status != 200 {
			t.Fatalf("%s: %d %s", sub, status, raw)
		}
	}
	// wait returns the body of the first call to method on a path starting
	// with prefix whose body holds want.
	wait := func(method, prefix, want string) string {
		t.Helper()
		var body string
		rest.WaitFor(t, method+" "+prefix+" with "+want, func(cs []discordfake.Call) bool {
			for _, c := range cs {
				if c.Method == method && strings.HasPrefix(c.Path, prefix) && strings.Contains(string(c.Body), want) {
					body = string(c.Body)
					return true
				}
			}
			return false
		})
		return body
	}
	send("tok-add", "feeds", `{"name":"add","type":3,"value":"`+feed.URL+`/rss.xml"}`)
	wait("PATCH", "/api/v9/webhooks/"+discordApp+"/tok-add", "Added feed #1")
	// Polled at once: the list shows it checked, with its title.
	deadline := time.Now().Add(60 * time.Second)
	for i := 0; ; i++ {
		tok := fmt.Sprintf("tok-list-%d", i)
		send(tok, "feeds", "")
		// The list is ephemeral: a follow-up with flags 64.
		if strings.Contains(wait("POST", "/api/v9/webhooks/"+discordApp+"/"+tok, "1 news feed"), "Fjord Courier") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the feed was not polled")
		}
		time.Sleep(100 * time.Millisecond)
	}
	send("tok-ask", "ask", `{"name":"question","type":3,"value":"what about the salmon ladder at the upper dam?"}`)
	answer := wait("PATCH", "/api/v9/webhooks/"+discordApp+"/tok-ask", "salmon")
	if !strings.Contains(answer, "Fjord Courier") {
		t.Errorf("answer lacks the feed as source:\n%s", answer)
	}
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{`briefbot_feed_polls_total{result="ok"} 1`, "briefbot_feed_items_added_total 1", "briefbot_feed_fetch_seconds_bucket", "briefbot_feeds_failing 0", "briefbot_feed_fetched_bytes_total"} {
		if !strings.Contains(string(metrics), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}
