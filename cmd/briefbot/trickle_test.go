package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"testing"
	"time"
)

// Trickling clients (a header line sent a byte at a time, never finished)
// are cut off by serve's HTTP server: each connection is closed by the
// server, and an ordinary request is answered while they trickle. The
// header deadline is shortened here so the test is quick; the deadlines
// serve really uses are checked by TestHTTPServerHasTimeouts.
func TestTricklingConnectionsAreCut(t *testing.T) {
	srv := newHTTPServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "ok")
	}))
	srv.ReadHeaderTimeout, srv.ReadTimeout = 300*time.Millisecond, 300*time.Millisecond
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })

	const n = 300
	closed := make(chan error, n)
	for i := 0; i < n; i++ {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		go func() {
			// Trickle until the server closes the connection.
			for _, b := range []byte("POST /slack/commands HTTP/1.1\r\nHost: x\r\nX-Slow: ") {
				if _, err := c.Write([]byte{b}); err != nil {
					break
				}
				time.Sleep(20 * time.Millisecond)
			}
			_, err := io.ReadAll(c) // returns once the server closes it
			closed <- err
		}()
	}
	resp, err := http.Get("http://" + ln.Addr().String() + "/healthz")
	if err != nil {
		t.Fatalf("an ordinary request while %d clients trickle: %v", n, err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("ordinary request: %s", resp.Status)
	}
	// A safety net, not a timing check: the server must close them all.
	deadline := time.After(60 * time.Second)
	for i := 0; i < n; i++ {
		select {
		case <-closed:
		case <-deadline:
			t.Fatalf("%d of %d trickling connections still open after 60 s", n-i, n)
		}
	}
}
