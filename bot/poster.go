package bot

import (
	"context"
	"errors"
	"fmt"
	"time"

	"briefbot/briefing"
	"briefbot/briefing/schedule"
)

// ErrPartlyPosted is wrapped by a Chat's Post error when the platform
// accepted part of the reply (a long digest split over several messages)
// before failing. The Poster passes it on as schedule.ErrPartlyPosted: such
// a digest is not sent again, which would repeat the accepted part.
var ErrPartlyPosted = errors.New("reply partly posted")

// Poster posts scheduled digests to chat (it implements schedule.Poster):
// it renders the digest with DigestReply, in the subscription's zone, notes
// in the footer that it is scheduled (and, for one made from chat, how to
// stop it), and posts it with the Chat of the subscription's platform.
type Poster struct {
	chats map[string]Chat
}

var _ schedule.Poster = (*Poster)(nil)

// NewPoster returns a Poster over chats, by platform name ("slack",
// "discord"): those that can post unprompted (they have a bot token).
func NewPoster(chats map[string]Chat) *Poster {
	return &Poster{chats: chats}
}

// CanPost reports whether digests can be posted to platform.
func (p *Poster) CanPost(platform string) bool { return p.chats[platform] != nil }

// Post renders d and posts it to sub's channel. Errors name the platform
// and channel; they wrap schedule.ErrNoRoute when there is no Chat for the
// platform and schedule.ErrPartlyPosted when the Chat posted part of it.
func (p *Poster) Post(ctx context.Context, sub schedule.Subscription, d briefing.Digest) error {
	chat := p.chats[sub.Platform]
	if chat == nil {
		return fmt.Errorf("%s: post digest to %s: %w", sub.Platform, sub.Channel, schedule.ErrNoRoute)
	}
	err := chat.Post(ctx, Destination{Channel: sub.Channel}, ScheduledReply(sub, d))
	if errors.Is(err, ErrPartlyPosted) {
		return fmt.Errorf("%s: post digest to %s: %w: %w", sub.Platform, sub.Channel, schedule.ErrPartlyPosted, err)
	}
	if err != nil {
		return fmt.Errorf("%s: post digest to %s: %w", sub.Platform, sub.Channel, err)
	}
	return nil
}

// ScheduledReply renders a scheduled digest for sub: DigestReply in the
// subscription's zone with a footer saying it is scheduled; a digest with
// nothing new is one line.
func ScheduledReply(sub schedule.Subscription, d briefing.Digest) Reply {
	loc, err := schedule.LoadZone(sub.TZ)
	if err != nil {
		loc = time.UTC
	}
	if d.Articles == 0 {
		return Reply{Title: DigestReply(d, loc).Title}
	}
	r := DigestReply(d, loc)
	note := "Scheduled digest"
	if !sub.FromConfig() {
		note += " · stop it with /brief unsubscribe " + sub.ID
	}
	if r.Footer != "" {
		r.Footer += " · " + note
	} else {
		r.Footer = note
	}
	return r
}
