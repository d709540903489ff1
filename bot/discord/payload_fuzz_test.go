package discord

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"briefbot/bot"
)

// FuzzInteraction fuzzes the JSON body of a signed HTTP interaction. Any
// body gets an answer (a status, never a panic), and the answers it starts
// finish.
func FuzzInteraction(f *testing.F) {
	const app = "900000000000000002"
	for _, s := range []string{
		`{"type":1,"id":"1","application_id":"` + app + `","token":"tok"}`,
		`{"type":2,"id":"2","application_id":"` + app + `","token":"tok-2","channel_id":"42","member":{"user":{"id":"7","username":"u"}},"data":{"id":"3","name":"brief","type":1,"options":[{"name":"ask","type":1,"options":[{"name":"question","type":3,"value":"what about tides?"}]}]}}`,
		`{"type":2,"id":"3","token":"t/../x?y","data":{"name":"brief","type":1,"options":[{"name":"subscribe","type":1,"options":[{"name":"schedule","type":3,"value":"daily 08:00"},{"name":"tz","type":3,"value":"Europe/Berlin"}]}]}}`,
		`{"type":2,"data":{"name":"other","type":1}}`,
		`{"type":3,"data":{"custom_id":"x"}}`,
		`{"type":2,"data":{"name":"brief","type":1,"options":[{"name":"ask","type":1,"options":[{"name":"question","type":3,"value":null}]}]}}`,
		`{"type":2,"data":null}`,
	} {
		f.Add(s)
	}
	rest := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"id":"900","channel_id":"42","content":""}`)
	}))
	f.Cleanup(rest.Close)
	key := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, ed25519.SeedSize))
	a, err := New(Config{AppID: app, PublicKey: hex.EncodeToString(key.Public().(ed25519.PublicKey)), APIURL: rest.URL})
	if err != nil {
		f.Fatal(err)
	}
	h := a.HTTPHandler(echo{})
	f.Fuzz(func(t *testing.T, body string) {
		ts := strconv.FormatInt(time.Now().Unix(), 10)
		req := httptest.NewRequest(http.MethodPost, "/discord/interactions", bytes.NewReader([]byte(body)))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Signature-Timestamp", ts)
		req.Header.Set("X-Signature-Ed25519", hex.EncodeToString(ed25519.Sign(key, []byte(ts+body))))
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code >= 500 {
			t.Fatalf("status %d for %q", w.Code, body)
		}
		select {
		case <-a.rt.Idle():
		case <-time.After(30 * time.Second):
			t.Fatalf("answers still in flight for %q", body)
		}
	})
}

// echo answers "you said: TEXT".
type echo struct{}

func (echo) Handle(_ context.Context, req bot.Request) bot.Reply {
	return bot.Reply{Title: "you said: " + req.Text}
}
