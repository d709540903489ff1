package discord

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"briefbot/bot"
	"briefbot/bot/discord/discordfake"
)

// A digest split over several messages whose later part Discord refuses is
// reported as partly posted, so the scheduler does not send the first part
// again; one refused at the first message is a plain error, safe to retry.
func TestPostReportsAPartlyPostedReply(t *testing.T) {
	reply := bot.Reply{Title: "Briefing for Monday"}
	for i := 0; i < 40; i++ {
		reply.Sections = append(reply.Sections, bot.Section{
			Heading: fmt.Sprintf("Story %d", i+1),
			Lines:   []bot.Line{{Text: strings.Repeat("A sentence of the story that carries its news. ", 8), Style: bot.Quote, Cites: []bot.Cite{{N: i + 1}}}},
		})
	}
	if n := len(render(reply)); n < 2 {
		t.Fatalf("the reply renders as %d message(s), want several", n)
	}
	for _, tt := range []struct {
		name       string
		failAt     int
		wantPartly bool
	}{
		{"first message refused", 1, false},
		{"second message refused", 2, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := discordfake.New(t, discordfake.Options{Token: testToken})
			f.Fail(func(route string, n int) *discordfake.Failure {
				if route == "POST /api/v9/channels/700000000000000005/messages" && n == tt.failAt {
					return &discordfake.Failure{Status: http.StatusForbidden, Code: 50013, Message: "Missing Permissions"}
				}
				return nil
			})
			a, err := New(Config{BotToken: testToken, APIURL: f.URL()})
			if err != nil {
				t.Fatal(err)
			}
			err = a.Post(context.Background(), bot.Destination{Channel: "700000000000000005"}, reply)
			if err == nil {
				t.Fatal("Post succeeded although Discord refused a message")
			}
			if got := errors.Is(err, bot.ErrPartlyPosted); got != tt.wantPartly {
				t.Errorf("errors.Is(err, ErrPartlyPosted) = %v, want %v (err: %v)", got, tt.wantPartly, err)
			}
		})
	}
}
