package bot

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"briefbot/briefing"
	"briefbot/briefing/schedule"
)

func TestPoster(t *testing.T) {
	e := newEnv(t, time.UTC, schedule.Schedule{})
	ctx := context.Background()
	d, err := e.lib.Digest(ctx, briefingWindow(e.now))
	if err != nil {
		t.Fatal(err)
	}
	empty := d
	empty.Articles, empty.Items, empty.Themes = 0, nil, nil
	chat := &fakeChat{}
	p := NewPoster(map[string]Chat{"slack": chat})
	berlin := schedule.Subscription{ID: "7", Platform: "slack", Channel: "C1", Spec: "daily 08:00", TZ: "Europe/Berlin"}
	config := schedule.Subscription{ID: schedule.ConfigPrefix + "slack-C9", Platform: "slack", Channel: "C9", Spec: "daily 08:00", TZ: "UTC"}

	tests := []struct {
		name string
		sub  schedule.Subscription
		err  error // the chat's
		d    bool  // post the digest (else the empty one)
		want []string
		not  []string
		is   error // the error Post returns wraps it
	}{
		{name: "from chat", sub: berlin, d: true, want: []string{"Scheduled digest · stop it with /brief unsubscribe 7", "DeepSeek"}},
		{name: "from the configuration", sub: config, d: true, want: []string{"Scheduled digest"}, not: []string{"unsubscribe"}},
		{name: "nothing new", sub: berlin, want: []string{"nothing new"}, not: []string{"Scheduled digest"}},
		{name: "no chat for the platform", sub: schedule.Subscription{ID: "8", Platform: "discord", Channel: "42", TZ: "UTC"}, d: true, is: schedule.ErrNoRoute},
		{name: "partly posted", sub: berlin, d: true, err: fmt.Errorf("message 2 of 2: %w", ErrPartlyPosted), is: schedule.ErrPartlyPosted},
		{name: "refused", sub: berlin, d: true, err: errors.New("slack: 503"), want: []string{"DeepSeek"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			chat.err = tt.err
			before := len(chat.Posts())
			dg := empty
			if tt.d {
				dg = d
			}
			err := p.Post(ctx, tt.sub, dg)
			switch {
			case tt.is != nil && !errors.Is(err, tt.is):
				t.Fatalf("Post error = %v, want one wrapping %v", err, tt.is)
			case tt.is == nil && tt.err != nil && !errors.Is(err, tt.err):
				t.Fatalf("Post error = %v, want one wrapping the chat's %v", err, tt.err)
			case tt.is == nil && tt.err == nil && err != nil:
				t.Fatalf("Post: %v", err)
			}
			if err != nil && !strings.Contains(err.Error(), tt.sub.Platform+": post digest to "+tt.sub.Channel) {
				t.Errorf("Post error %q does not name the platform and channel", err)
			}
			posts := chat.Posts()[before:]
			if len(tt.want) == 0 {
				if tt.is == schedule.ErrNoRoute && len(posts) != 0 {
					t.Errorf("posted %d messages without a route", len(posts))
				}
				return
			}
			if len(posts) != 1 || posts[0].To.Channel != tt.sub.Channel {
				t.Fatalf("posts = %+v, want one to %s", posts, tt.sub.Channel)
			}
			text := posts[0].text()
			for _, w := range tt.want {
				if !strings.Contains(text, w) {
					t.Errorf("post lacks %q:\n%s", w, text)
				}
			}
			for _, w := range tt.not {
				if strings.Contains(text, w) {
					t.Errorf("post has %q:\n%s", w, text)
				}
			}
		})
	}
	if !p.CanPost("slack") || p.CanPost("discord") {
		t.Error("CanPost should be true for slack only")
	}
}

// briefingWindow is the day up to an hour after now.
func briefingWindow(now time.Time) briefing.DigestRequest {
	return briefing.DigestRequest{Since: now.Add(-23 * time.Hour), Until: now.Add(time.Hour)}
}
