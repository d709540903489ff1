package main

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// serve's HTTP server bounds how long a client may take to send its
// headers and its request, and how long an idle connection stays open, so
// slow or trickling clients cannot hold connections and goroutines.
func TestHTTPServerHasTimeouts(t *testing.T) {
	srv := newHTTPServer(http.NotFoundHandler())
	for name, d := range map[string]time.Duration{
		"ReadHeaderTimeout": srv.ReadHeaderTimeout,
		"ReadTimeout":       srv.ReadTimeout,
		"WriteTimeout":      srv.WriteTimeout,
		"IdleTimeout":       srv.IdleTimeout,
	} {
		if d <= 0 || d > time.Minute {
			t.Errorf("%s = %s, want a bound of a minute at most", name, d)
		}
	}
	if srv.ReadHeaderTimeout > srv.ReadTimeout {
		t.Errorf("ReadHeaderTimeout %s > ReadTimeout %s", srv.ReadHeaderTimeout, srv.ReadTimeout)
	}
}

// A platform's gate answers 503 with Retry-After while closed (loading,
// shutting down) and passes requests through while open.
func TestGate(t *testing.T) {
	var g gate
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusOK) })
	for _, step := range []struct {
		do   func()
		want int
	}{
		{func() {}, http.StatusServiceUnavailable}, // loading
		{func() { g.open(ok) }, http.StatusOK},
		{func() { g.close() }, http.StatusServiceUnavailable}, // shutting down
	} {
		step.do()
		w := httptest.NewRecorder()
		g.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/slack/commands", nil))
		if w.Code != step.want {
			t.Errorf("status %d, want %d", w.Code, step.want)
		}
		if w.Code == http.StatusServiceUnavailable && w.Header().Get("Retry-After") == "" {
			t.Error("503 without Retry-After")
		}
	}
}
