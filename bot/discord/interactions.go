package discord

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"

	"briefbot/bot"
)

// HTTPHandler serves POST /discord/interactions, Discord's Interactions
// Endpoint URL; mount it at "/discord/". Every request must carry a valid
// Ed25519 signature (X-Signature-Ed25519 over X-Signature-Timestamp + body)
// made less than 5 minutes ago, otherwise it gets 401. PING gets PONG
// (type 1). A /brief command gets a deferred response (type 5) at once; its
// answer, built through h, follows through the interaction webhook (edit of
// @original, follow-ups for more messages). Without AppID and PublicKey the
// handler answers 404.
func (a *Adapter) HTTPHandler(h bot.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		path := strings.TrimSuffix(r.URL.Path, "/")
		if path != "/discord/interactions" && path != "/interactions" {
			http.NotFound(w, r)
			return
		}
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			http.Error(w, "use POST", http.StatusMethodNotAllowed)
			return
		}
		if a.publicKey == nil || h == nil {
			http.Error(w, "discord interactions are not configured: set DISCORD_APP_ID and DISCORD_PUBLIC_KEY", http.StatusNotFound)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxInteractionBody))
		if err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				http.Error(w, "request too large", http.StatusRequestEntityTooLarge)
				return
			}
			http.Error(w, "cannot read request", http.StatusBadRequest)
			return
		}
		if err := a.verify(r.Header, body); err != nil {
			a.log.Warn("discord: rejected interaction", "reason", err.Error(), "remote", r.RemoteAddr)
			a.count(bot.Command, "unauthorized")
			http.Error(w, "invalid request signature", http.StatusUnauthorized)
			return
		}
		var i discordgo.Interaction
		if err := json.Unmarshal(body, &i); err != nil {
			http.Error(w, "malformed interaction", http.StatusBadRequest)
			return
		}
		switch i.Type {
		case discordgo.InteractionPing:
			writeJSON(w, discordgo.InteractionResponse{Type: discordgo.InteractionResponsePong})
			return
		case discordgo.InteractionApplicationCommand:
		default:
			http.Error(w, "unsupported interaction type", http.StatusBadRequest)
			return
		}
		req, ok := interactionRequest(&i)
		if !ok {
			writeJSON(w, discordgo.InteractionResponse{
				Type: discordgo.InteractionResponseChannelMessageWithSource,
				Data: &discordgo.InteractionResponseData{Content: "briefbot only answers /brief.", Flags: discordgo.MessageFlagsEphemeral},
			})
			return
		}
		if !a.first(r.Context(), "interaction:"+i.ID) {
			// A replay (or Discord sending it again): the first delivery
			// is being answered.
			a.count(req.Kind, "duplicate")
			http.Error(w, "interaction already taken", http.StatusConflict)
			return
		}
		if !a.rt.Begin() {
			w.Header().Set("Retry-After", "5")
			http.Error(w, "shutting down", http.StatusServiceUnavailable)
			return
		}
		writeJSON(w, discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredChannelMessageWithSource})
		if f, ok := w.(http.Flusher); ok {
			f.Flush() // the answer's webhook calls need the deferral acknowledged first
		}
		a.rt.Run(r.Context(), func(ctx context.Context) { a.answer(ctx, h, &i, req) })
	})
}

// verify checks an interaction request's Ed25519 signature and that its
// timestamp is within 5 minutes of now.
func (a *Adapter) verify(hdr http.Header, body []byte) error {
	ts := hdr.Get("X-Signature-Timestamp")
	sig, err := hex.DecodeString(hdr.Get("X-Signature-Ed25519"))
	if ts == "" || err != nil || len(sig) != ed25519.SignatureSize {
		return errors.New("missing or malformed signature headers")
	}
	secs, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return errors.New("malformed timestamp")
	}
	if age := a.now().Sub(time.Unix(secs, 0)); age > maxSignatureAge || age < -maxSignatureAge {
		return fmt.Errorf("timestamp %s off by %s", ts, age.Round(time.Second))
	}
	msg := make([]byte, 0, len(ts)+len(body))
	msg = append(append(msg, ts...), body...)
	if !ed25519.Verify(a.publicKey, msg, sig) {
		return errors.New("bad signature")
	}
	return nil
}

func writeJSON(w http.ResponseWriter, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(b)
}

func fmtPart(n, of int, err error) error {
	return fmt.Errorf("message %d of %d: %w", n, of, err)
}
