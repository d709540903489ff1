package slack

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack/slackevents"

	"briefbot/bot"
)

const maxSkew = 5 * time.Minute // oldest (and furthest in the future) signed request accepted

// HTTPHandler serves Slack's HTTP mode through h (nil: the Handler given to
// Listen): POST /slack/commands (slash commands) and POST /slack/events (the
// Events API, including url_verification). Every request must carry a valid
// v0 signature made with the signing secret and a timestamp within five
// minutes, else it gets 401 and nothing else. Commands and events are
// acknowledged at once with an empty 200; the answer follows through
// response_url or chat.postMessage. Mount it at "/slack/".
func (a *Adapter) HTTPHandler(h bot.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /slack/commands", func(w http.ResponseWriter, r *http.Request) { a.serveCommand(w, r, h) })
	mux.HandleFunc("POST /slack/events", func(w http.ResponseWriter, r *http.Request) { a.serveEvents(w, r, h) })
	return mux
}

func (a *Adapter) serveCommand(w http.ResponseWriter, r *http.Request, h bot.Handler) {
	start := time.Now()
	body, ok := a.verified(w, r, "command")
	if !ok {
		return
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		a.m.requests.WithLabelValues("command", "bad_request").Inc()
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	if form.Get("ssl_check") == "1" {
		w.WriteHeader(http.StatusOK)
		return
	}
	hh := a.handler(h)
	if hh == nil {
		a.log.Error("slash command before the bot is ready: no handler")
		a.m.requests.WithLabelValues("command", "error").Inc()
		http.Error(w, "not ready", http.StatusServiceUnavailable)
		return
	}
	if !a.rt.Begin() {
		a.refuse(w, "command")
		return
	}
	w.WriteHeader(http.StatusOK)
	a.m.ack.WithLabelValues("http").Observe(time.Since(start).Seconds())
	a.rt.Run(r.Context(), a.commandJob(hh, command{
		Channel:     form.Get("channel_id"),
		User:        form.Get("user_id"),
		Text:        form.Get("text"),
		ResponseURL: form.Get("response_url"),
		TriggerID:   form.Get("trigger_id"),
	}))
}

func (a *Adapter) serveEvents(w http.ResponseWriter, r *http.Request, h bot.Handler) {
	start := time.Now()
	body, ok := a.verified(w, r, "event")
	if !ok {
		return
	}
	var outer struct {
		Type      string `json:"type"`
		Challenge string `json:"challenge"`
		EventID   string `json:"event_id"`
	}
	if err := json.Unmarshal(body, &outer); err != nil {
		a.m.requests.WithLabelValues("event", "bad_request").Inc()
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	switch outer.Type {
	case slackevents.URLVerification:
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]string{"challenge": outer.Challenge})
		a.m.requests.WithLabelValues("url_verification", "ok").Inc()
		return
	case slackevents.CallbackEvent:
	case slackevents.AppRateLimited:
		a.log.Warn("Slack is dropping events: the app is over its event rate limit", "event_type", outer.Type)
		w.WriteHeader(http.StatusOK)
		return
	default:
		a.m.requests.WithLabelValues("event", "ignored").Inc()
		w.WriteHeader(http.StatusOK)
		return
	}
	hh := a.handler(h)
	if hh == nil {
		// Not acknowledged: Slack retries, and by then the bot may be ready.
		a.log.Error("event before the bot is ready: no handler", "event_id", outer.EventID)
		a.m.requests.WithLabelValues("event", "error").Inc()
		http.Error(w, "not ready", http.StatusServiceUnavailable)
		return
	}
	ev, err := slackevents.ParseEvent(json.RawMessage(body), slackevents.OptionNoVerifyToken())
	if err == nil && !a.rt.Begin() {
		a.refuse(w, "event")
		return
	}
	w.WriteHeader(http.StatusOK)
	a.m.ack.WithLabelValues("http").Observe(time.Since(start).Seconds())
	if retry := r.Header.Get("X-Slack-Retry-Num"); retry != "" {
		a.log.Debug("event delivered again by Slack", "event_id", outer.EventID, "retry", retry, "reason", r.Header.Get("X-Slack-Retry-Reason"))
	}
	if err != nil {
		// An event type slack-go does not know: nothing briefbot answers.
		a.log.Debug("event ignored", "event_id", outer.EventID, "error", err.Error())
		a.m.requests.WithLabelValues("event", "ignored").Inc()
		return
	}
	cb, _ := ev.Data.(*slackevents.EventsAPICallbackEvent)
	a.rt.Run(r.Context(), a.eventJob(hh, cb, ev.InnerEvent))
}

// refuse answers 503 to a request that arrived after shutdown began, so
// Slack delivers it again (to another instance, or to this one restarted).
func (a *Adapter) refuse(w http.ResponseWriter, kind string) {
	a.m.requests.WithLabelValues(kind, "shutting_down").Inc()
	w.Header().Set("Retry-After", "5")
	http.Error(w, "shutting down", http.StatusServiceUnavailable)
}

// verified reads the body and checks its signature; on failure it has
// answered the request (401 without detail) and logged why.
func (a *Adapter) verified(w http.ResponseWriter, r *http.Request, kind string) ([]byte, bool) {
	if a.cfg.SigningSecret == "" {
		a.log.Warn("Slack HTTP request refused: no signing secret configured (SLACK_SIGNING_SECRET)", "path", r.URL.Path)
		a.m.requests.WithLabelValues(kind, "unauthorized").Inc()
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return nil, false
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		a.m.requests.WithLabelValues(kind, "bad_request").Inc()
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			http.Error(w, "request too large", http.StatusRequestEntityTooLarge)
			return nil, false
		}
		http.Error(w, "bad request", http.StatusBadRequest)
		return nil, false
	}
	if err := verifySignature(r.Header, body, a.cfg.SigningSecret, a.now()); err != nil {
		a.log.Warn("Slack HTTP request refused", "path", r.URL.Path, "reason", err.Error(), "remote_addr", r.RemoteAddr)
		a.m.requests.WithLabelValues(kind, "unauthorized").Inc()
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return nil, false
	}
	return body, true
}

// verifySignature checks Slack's v0 request signature: X-Slack-Signature is
// "v0=" + hex(HMAC-SHA256(secret, "v0:" + timestamp + ":" + body)), and
// X-Slack-Request-Timestamp is within maxSkew of now.
func verifySignature(hdr http.Header, body []byte, secret string, now time.Time) error {
	sig, ts := hdr.Get("X-Slack-Signature"), hdr.Get("X-Slack-Request-Timestamp")
	if sig == "" || ts == "" {
		return errors.New("missing signature headers")
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return errors.New("malformed timestamp")
	}
	if d := now.Sub(time.Unix(sec, 0)); d > maxSkew || d < -maxSkew {
		return errors.New("timestamp outside five minutes")
	}
	hexSig, ok := strings.CutPrefix(sig, "v0=")
	if !ok {
		return errors.New("unknown signature version")
	}
	got, err := hex.DecodeString(hexSig)
	if err != nil {
		return errors.New("malformed signature")
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte("v0:" + ts + ":"))
	mac.Write(body)
	if !hmac.Equal(got, mac.Sum(nil)) {
		return errors.New("signature mismatch")
	}
	return nil
}
