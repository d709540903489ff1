package slack

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"briefbot/bot"
)

func TestCleanText(t *testing.T) {
	tests := []struct {
		text, self, want string
	}{
		{"<@UBOT> ask about chips", "UBOT", "ask about chips"},
		{"<@UBOT|briefbot>   digest", "UBOT", "digest"},
		{"hey <@UBOT> what about <@UOTHER>?", "UBOT", "hey what about <@UOTHER>?"},
		{"<@UBOT> <@UBOT> help", "UBOT", "help"},
		{"<@UANY> help", "", "help"}, // bot id unknown: a leading mention is the bot's
		{"<@UOTHER> help", "UBOT", "<@UOTHER> help"},
		{"ask about <https://example.com/a?b=1&amp;c=2|this page> &amp; &lt;that&gt;", "UBOT", "ask about this page & <that>"},
		{"see <https://example.com/x>", "UBOT", "see https://example.com/x"},
		{"<@UBOT>", "UBOT", ""},
		{"line one\nline two", "UBOT", "line one line two"},
	}
	for _, tt := range tests {
		if got := cleanText(tt.text, tt.self); got != tt.want {
			t.Errorf("cleanText(%q, %q) = %q, want %q", tt.text, tt.self, got, tt.want)
		}
	}
}

func TestEphemeralReplyToAMentionGoesToTheAskerOnly(t *testing.T) {
	f := newFakeSlack(t)
	a, _ := httpAdapter(t, f)
	h := handlerFunc(func(context.Context, bot.Request) bot.Reply {
		return bot.Reply{Ephemeral: true, Title: "How to use /brief"}
	})
	body := eventBody("EvEph", mentionEvent("U0USER1", "<@"+testBotUser+">", "1700000300.000100", ""))
	if w := serve(a.HTTPHandler(h), signed(t, "/slack/events", "application/json", body, testSecret, clock)); w.Code != http.StatusOK {
		t.Fatalf("status %d", w.Code)
	}
	p := f.wait(t, 1)[0]
	if p.Method != "chat.postEphemeral" || p.User != "U0USER1" || p.ThreadTS != "1700000300.000100" {
		t.Errorf("posted %+v, want chat.postEphemeral to U0USER1 in the mention's thread", p)
	}
}

func TestHandlerPanicBecomesAnApology(t *testing.T) {
	f := newFakeSlack(t)
	a, logs := httpAdapter(t, f)
	h := handlerFunc(func(context.Context, bot.Request) bot.Reply { panic("boom") })
	body := eventBody("EvPanic", dmEvent("U0USER1", "ask anything", "1700000400.000100", ""))
	serve(a.HTTPHandler(h), signed(t, "/slack/events", "application/json", body, testSecret, clock))
	p := f.wait(t, 1)[0]
	if len(p.BlockTexts()) == 0 || p.BlockTexts()[0] != "*Sorry, something went wrong on my side answering that. It has been logged; please try again in a moment.*" {
		t.Errorf("reply = %q", p.BlockTexts())
	}
	idle(t, a)
	if got := logs.String(); !strings.Contains(got, "handler panicked") || !strings.Contains(got, "boom") {
		t.Errorf("panic not logged:\n%s", got)
	}
}
