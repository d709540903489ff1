package main

import (
	"crypto/ed25519"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
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
	var got capture
	rest := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got.add(r.Method+" "+r.URL.Path, string(b))
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"id":"900","channel_id":"42","content":""}`)
	}))
	defer rest.Close()
	pub, priv, _ := ed25519.GenerateKey(nil)
	base, _ := startServe(t, map[string]string{
		"DISCORD_APP_ID": discordApp, "DISCORD_PUBLIC_KEY": hex.EncodeToString(pub), "DISCORD_API_URL": rest.URL,
		"BRIEFBOT_FEEDS_ALLOW_PRIVATE": "true", "BRIEFBOT_CORPUS_DIR": t.TempDir(),
	}, io.Discard, serveHooks{})
	send := func(token, sub, opts string) {
		t.Helper()
		body := `{"type":2,"id":"77","application_id":"` + discordApp + `","token":"` + token + `","channel_id":"42","guild_id":"5",` +
			`"member":{"user":{"id":"9","username":"ana"}},"data":{"id":"3","name":"brief","type":1,"options":[{"name":"` + sub + `","type":1,` +
			`"options":[` + opts + `]}]}}`
		stamp := strconv.FormatInt(time.Now().Unix(), 10)
		req, _ := http.NewRequest(http.MethodPost, base+"/discord/interactions", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Signature-Timestamp", stamp)
		req.Header.Set("X-Signature-Ed25519", hex.EncodeToString(ed25519.Sign(priv, []byte(stamp+body))))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %s", sub, resp.Status)
		}
	}
	send("tok-add", "feeds", `{"name":"add","type":3,"value":"`+feed.URL+`/rss.xml"}`)
	got.wait(t, "PATCH /api/v9/webhooks/"+discordApp+"/tok-add", "Added feed #1", 20*time.Second)
	// Polled at once: the list shows it checked, with its title.
	deadline := time.Now().Add(20 * time.Second)
	for i := 0; ; i++ {
		tok := fmt.Sprintf("tok-list-%d", i)
		send(tok, "feeds", "")
		// The list is ephemeral: a follow-up with flags 64.
		if strings.Contains(got.wait(t, "POST /api/v9/webhooks/"+discordApp+"/"+tok, "1 news feed", 20*time.Second), "Fjord Courier") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the feed was not polled")
		}
		time.Sleep(100 * time.Millisecond)
	}
	send("tok-ask", "ask", `{"name":"question","type":3,"value":"what about the salmon ladder at the upper dam?"}`)
	answer := got.wait(t, "PATCH /api/v9/webhooks/"+discordApp+"/tok-ask", "salmon", 20*time.Second)
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
