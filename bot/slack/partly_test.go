package slack

import (
	"context"
	"errors"
	"testing"

	"briefbot/bot"
)

// A digest split over several messages whose later part Slack refuses is
// reported as partly posted, so the scheduler does not send the first part
// again; one refused at the first message is a plain error, safe to retry.
func TestPostReportsAPartlyPostedReply(t *testing.T) {
	for _, tt := range []struct {
		name       string
		failAt     int
		wantPartly bool
	}{
		{"first message refused", 1, false},
		{"second message refused", 2, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeSlack(t)
			f.fail = func(method string, n int) (int, string, string) {
				if method == "chat.postMessage" && n == tt.failAt {
					return 0, "", "channel_not_found"
				}
				return 0, "", ""
			}
			a, _, _ := newTestAdapter(t, f, Config{})
			reply := manySmallSections(80)
			if n := len(render(reply)); n < 2 {
				t.Fatalf("the reply renders as %d message(s), want several", n)
			}
			err := a.Post(context.Background(), bot.Destination{Channel: "C0DIGEST"}, reply)
			if err == nil {
				t.Fatal("Post succeeded although Slack refused a message")
			}
			if got := errors.Is(err, bot.ErrPartlyPosted); got != tt.wantPartly {
				t.Errorf("errors.Is(err, ErrPartlyPosted) = %v, want %v (err: %v)", got, tt.wantPartly, err)
			}
		})
	}
}
