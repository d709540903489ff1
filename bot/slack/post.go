package slack

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"briefbot/bot"
)

// replyCommand delivers a slash command's reply. One message (or an
// ephemeral reply) goes to response_url, visible in the channel unless
// ephemeral. A longer reply is posted with chat.postMessage and continues in
// the thread of its first message; when the bot cannot post in the channel
// (not a member, a DM between people) it falls back to response_url, which
// takes at most five posts.
func (a *Adapter) replyCommand(ctx context.Context, c command, r bot.Reply) error {
	msgs := render(r)
	if len(msgs) == 0 {
		return nil
	}
	kind := slack.ResponseTypeInChannel
	if r.Ephemeral {
		kind = slack.ResponseTypeEphemeral
	}
	if c.ResponseURL == "" {
		if r.Ephemeral {
			return a.postEphemeral(ctx, c.Channel, c.User, "", msgs)
		}
		return a.postThread(ctx, c.Channel, "", msgs)
	}
	if len(msgs) > 1 && !r.Ephemeral && a.api != nil {
		ts, err := a.postMessage(ctx, c.Channel, "", msgs[0])
		if err == nil {
			return a.postThread(ctx, c.Channel, ts, msgs[1:])
		}
		if ctx.Err() != nil {
			return err
		}
		a.log.Info("cannot post in channel; answering through response_url", "method", "chat.postMessage", "channel", c.Channel, "error", err.Error())
	}
	if len(msgs) > maxResponses {
		msgs = append(msgs[:maxResponses-1:maxResponses-1], notice(fmt.Sprintf(
			"%d more parts did not fit here. Mention me in a channel I am in, or message me directly, for the whole reply.",
			len(msgs)-(maxResponses-1))))
	}
	for i, m := range msgs {
		if err := a.postResponse(ctx, c.Channel, c.ResponseURL, kind, m); err != nil {
			return fmt.Errorf("message %d of %d: %w", i+1, len(msgs), err)
		}
	}
	return nil
}

// notice is a one-block message of plain text.
func notice(text string) message {
	return message{blocks: []block{{kind: footerBlock, text: escape(text)}}}
}

// postThread posts msgs to channel; the first in thread (top level when
// ""), the rest in thread or the first message's thread.
func (a *Adapter) postThread(ctx context.Context, channel, thread string, msgs []message) error {
	for i, m := range msgs {
		ts, err := a.postMessage(ctx, channel, thread, m)
		if err != nil && i > 0 {
			return fmt.Errorf("message %d of %d: %w: %w", i+1, len(msgs), bot.ErrPartlyPosted, err)
		}
		if err != nil {
			return fmt.Errorf("message %d of %d: %w", i+1, len(msgs), err)
		}
		if thread == "" {
			thread = ts
		}
	}
	return nil
}

// postEphemeral shows msgs to user only.
func (a *Adapter) postEphemeral(ctx context.Context, channel, user, thread string, msgs []message) error {
	if a.api == nil {
		return errors.New("no bot token configured")
	}
	for i, m := range msgs {
		opts := msgOptions(m, thread)
		err := a.retry(ctx, "chat.postEphemeral", channel, func() error {
			_, err := a.api.PostEphemeralContext(ctx, channel, user, opts...)
			return err
		})
		if err != nil {
			return fmt.Errorf("message %d of %d: %w", i+1, len(msgs), err)
		}
	}
	return nil
}

// postMessage posts m and returns its ts.
func (a *Adapter) postMessage(ctx context.Context, channel, thread string, m message) (string, error) {
	if a.api == nil {
		return "", errors.New("no bot token configured")
	}
	opts := msgOptions(m, thread)
	var ts string
	err := a.retry(ctx, "chat.postMessage", channel, func() error {
		var err error
		_, ts, err = a.api.PostMessageContext(ctx, channel, opts...)
		return err
	})
	return ts, err
}

func msgOptions(m message, thread string) []slack.MsgOption {
	opts := []slack.MsgOption{
		slack.MsgOptionText(m.Text(), false),
		slack.MsgOptionBlocks(m.Blocks()...),
		slack.MsgOptionDisableLinkUnfurl(),
		slack.MsgOptionDisableMediaUnfurl(),
	}
	if thread != "" {
		opts = append(opts, slack.MsgOptionTS(thread))
	}
	return opts
}

// responseMessage is the JSON posted to a response_url.
type responseMessage struct {
	ResponseType    string        `json:"response_type"`
	Text            string        `json:"text"`
	Blocks          []slack.Block `json:"blocks"`
	ReplaceOriginal bool          `json:"replace_original"`
	UnfurlLinks     bool          `json:"unfurl_links"`
	UnfurlMedia     bool          `json:"unfurl_media"`
}

// postResponse posts m to a slash command's response_url. Errors never
// contain the URL: it is a credential for the channel.
func (a *Adapter) postResponse(ctx context.Context, channel, responseURL, kind string, m message) error {
	body, err := json.Marshal(responseMessage{ResponseType: kind, Text: m.Text(), Blocks: m.Blocks()})
	if err != nil {
		return fmt.Errorf("response_url: encode: %w", err)
	}
	return a.retry(ctx, "response_url", channel, func() error {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, responseURL, bytes.NewReader(body))
		if err != nil {
			return errors.New("invalid response_url")
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := a.http.Do(req)
		if err != nil {
			var ue *url.Error
			if errors.As(err, &ue) {
				err = ue.Err
			}
			return err
		}
		defer resp.Body.Close()
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
		switch {
		case resp.StatusCode == http.StatusTooManyRequests:
			sec, _ := strconv.Atoi(strings.TrimSpace(resp.Header.Get("Retry-After")))
			return &slack.RateLimitedError{RetryAfter: time.Duration(sec) * time.Second}
		case resp.StatusCode/100 != 2:
			return fmt.Errorf("status %d: %s", resp.StatusCode, strings.TrimSpace(string(msg)))
		}
		return nil
	})
}

// retry calls post until Slack accepts it, waiting out 429s (Retry-After,
// at most maxAttempts tries). The error names the method.
func (a *Adapter) retry(ctx context.Context, method, channel string, post func() error) error {
	for attempt := 1; ; attempt++ {
		err := post()
		if err == nil {
			a.m.posts.WithLabelValues(method, "ok").Inc()
			return nil
		}
		var rl *slack.RateLimitedError
		if !errors.As(err, &rl) || attempt == maxAttempts || ctx.Err() != nil {
			a.m.posts.WithLabelValues(method, "error").Inc()
			return fmt.Errorf("%s: %w", method, err)
		}
		a.m.posts.WithLabelValues(method, "rate_limited").Inc()
		a.log.Warn("rate limited by Slack; retrying", "method", method, "channel", channel, "retry_after", rl.RetryAfter.String(), "attempt", attempt)
		if err := bot.RetryAfter(ctx, a.sleep, rl.RetryAfter); err != nil {
			return fmt.Errorf("%s: rate limited, gave up waiting: %w", method, err)
		}
	}
}
