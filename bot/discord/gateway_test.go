package discord

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"briefbot/bot"
	"briefbot/bot/discord/discordfake"
)

const (
	testToken        = "test-token-SECRET"
	testInteractTok  = "interaction-token-SECRET"
	testGuild        = "800000000000000001"
	testDMChannel    = "700000000000000001"
	testGuildChannel = "700000000000000002"
)

// gatewayEvent is a dispatch the fake gateway sends.
type gatewayEvent struct {
	Type string
	Data any
}

func messageEvent(id, channel, guild, authorID string, isBot bool, content string, mentioned ...string) gatewayEvent {
	return gatewayEvent{Type: "MESSAGE_CREATE", Data: discordfake.MessageCreate(id, channel, guild, authorID, isBot, content, mentioned...)}
}

func briefInteraction(id, token, appID string, sub string, opts map[string]string) map[string]any {
	var options []any
	for k, v := range opts {
		options = append(options, map[string]any{"name": k, "type": 3, "value": v})
	}
	return map[string]any{
		"id": id, "application_id": appID, "type": 2, "token": token, "version": 1,
		"channel_id": testGuildChannel, "guild_id": testGuild,
		"member": map[string]any{"user": map[string]any{"id": "600000000000000003", "username": "carol"}},
		"data": map[string]any{
			"id": "500000000000000001", "name": "brief", "type": 1,
			"options": []any{map[string]any{"name": sub, "type": 1, "options": options}},
		},
	}
}

func TestGateway(t *testing.T) {
	f := newFakeDiscord(t)
	me := f.BotID()
	events := []gatewayEvent{
		messageEvent("401", "700000000000000009", testGuild, "600000000000000009", true, "<@"+me+"> ask are you a bot?", me), // another bot
		messageEvent("402", "700000000000000008", "", me, true, "my own message"),                                            // ourselves
		messageEvent("403", "700000000000000007", testGuild, "600000000000000007", false, "no mention here"),                 // chatter
		messageEvent("404", testDMChannel, "", "600000000000000001", false, "ask what about tidal power?"),                   // DM
		messageEvent("405", testGuildChannel, testGuild, "600000000000000002", false, "<@!"+me+"> digest  chips", me),        // mention
		{Type: "INTERACTION_CREATE", Data: briefInteraction("300000000000000001", testInteractTok, f.AppID(), "ask",
			map[string]string{"question": "what about export controls?"})},
	}
	logger, logged := captureLogs(t)
	reg := prometheus.NewRegistry()
	a, err := New(Config{BotToken: testToken, GuildID: testGuild, APIURL: f.URL(), Log: logger, Registerer: reg})
	if err != nil {
		t.Fatal(err)
	}
	h := &recorder{}
	stop := listen(t, a, h)
	f.WaitReady(t)
	for _, e := range events {
		f.Send(t, e.Type, e.Data)
	}

	patch := "/api/v9/webhooks/" + f.AppID() + "/" + testInteractTok + "/messages/@original"
	dm := "/api/v9/channels/" + testDMChannel + "/messages"
	mention := "/api/v9/channels/" + testGuildChannel + "/messages"
	commands := "/api/v9/applications/" + f.AppID() + "/guilds/" + testGuild + "/commands"
	f.WaitFor(t, "the three answers and the command registration", func(cs []discordfake.Call) bool {
		return discordfake.IndexOf(cs, "PATCH", patch) >= 0 && discordfake.IndexOf(cs, "POST", dm) >= 0 &&
			discordfake.IndexOf(cs, "POST", mention) >= 0 && discordfake.IndexOf(cs, "PUT", commands) >= 0
	})
	if err := stop(); err != nil {
		t.Fatalf("Listen: %v", err)
	}
	cs := f.Calls()

	t.Run("identify", func(t *testing.T) {
		id := f.Identify()
		if id["token"] != "Bot "+testToken {
			t.Errorf("identify token = %v, want the bot token with the Bot prefix", id["token"])
		}
		got := discordgo.Intent(id["intents"].(float64))
		for _, want := range []discordgo.Intent{discordgo.IntentsGuilds, discordgo.IntentsGuildMessages, discordgo.IntentsDirectMessages, discordgo.IntentsMessageContent} {
			if got&want == 0 {
				t.Errorf("intents %b lack %b", got, want)
			}
		}
	})

	t.Run("requests", func(t *testing.T) {
		want := map[string]bot.Request{
			testDMChannel:    {Platform: "discord", Kind: bot.Direct, Channel: testDMChannel, User: "600000000000000001", Text: "ask what about tidal power?"},
			testGuildChannel: {Platform: "discord", Kind: bot.Mention, Channel: testGuildChannel, User: "600000000000000002", Text: "digest chips"},
		}
		wantCmd := bot.Request{Platform: "discord", Kind: bot.Command, Channel: testGuildChannel, User: "600000000000000003", Text: "ask what about export controls?"}
		reqs := h.requests()
		if len(reqs) != 3 {
			t.Fatalf("handled %d requests, want 3 (DM, mention, command; bots and unmentioned chatter ignored): %+v", len(reqs), reqs)
		}
		for _, r := range reqs {
			w := want[r.Channel]
			if r.Kind == bot.Command {
				w = wantCmd
			}
			if r != w {
				t.Errorf("request %+v, want %+v", r, w)
			}
		}
	})

	t.Run("commands registered in the guild", func(t *testing.T) {
		puts := discordfake.Matching(cs, "PUT", commands)
		if len(puts) != 1 {
			t.Fatalf("%d bulk overwrites, want 1", len(puts))
		}
		if puts[0].Auth != "Bot "+testToken {
			t.Errorf("overwrite sent Authorization %q", puts[0].Auth)
		}
		if !strings.Contains(string(puts[0].Body), `"name":"brief"`) || !strings.Contains(string(puts[0].Body), `"name":"question"`) {
			t.Errorf("overwrite body lacks /brief ask question: %s", puts[0].Body)
		}
	})

	t.Run("interaction deferred then answered", func(t *testing.T) {
		cb := "/api/v9/interactions/300000000000000001/" + testInteractTok + "/callback"
		i, j := discordfake.IndexOf(cs, "POST", cb), discordfake.IndexOf(cs, "PATCH", patch)
		if i < 0 || j < 0 || i > j {
			t.Fatalf("want the callback before the edit of @original; calls %v", cs)
		}
		if typ := cs[i].Decode(t)["type"]; typ != float64(5) {
			t.Errorf("callback type = %v, want 5 (deferred)", typ)
		}
		if body := string(cs[j].Body); !strings.Contains(body, "You said: ask what about export controls?") {
			t.Errorf("edit of @original lacks the answer: %s", body)
		}
	})

	t.Run("DM answered in the DM", func(t *testing.T) {
		posts := discordfake.Matching(cs, "POST", dm)
		if len(posts) != 1 {
			t.Fatalf("%d posts to the DM, want 1", len(posts))
		}
		m := posts[0].Decode(t)
		if m["message_reference"] != nil {
			t.Errorf("DM answer is a reply: %v", m["message_reference"])
		}
		if !strings.Contains(string(posts[0].Body), "You said: ask what about tidal power?") {
			t.Errorf("DM answer: %s", posts[0].Body)
		}
	})

	t.Run("mention answered as a reply", func(t *testing.T) {
		posts := discordfake.Matching(cs, "POST", mention)
		if len(posts) != 1 {
			t.Fatalf("%d posts to the channel, want 1", len(posts))
		}
		ref, _ := posts[0].Decode(t)["message_reference"].(map[string]any)
		if ref["message_id"] != "405" {
			t.Errorf("message_reference = %v, want a reply to message 405", ref)
		}
	})

	t.Run("bots and chatter ignored", func(t *testing.T) {
		for _, c := range cs {
			for _, ch := range []string{"700000000000000009", "700000000000000008", "700000000000000007"} {
				if strings.Contains(c.Path, ch) {
					t.Errorf("answered in ignored channel: %s", c)
				}
			}
		}
	})

	t.Run("metrics", func(t *testing.T) {
		for _, kind := range []string{"command", "mention", "direct"} {
			if n := testutil.ToFloat64(a.requests.WithLabelValues(kind, "ok")); n != 1 {
				t.Errorf("briefbot_discord_requests_total{kind=%q,result=\"ok\"} = %v, want 1", kind, n)
			}
		}
		if n, err := testutil.GatherAndCount(reg, "briefbot_discord_requests_total"); err != nil || n != 3 {
			t.Errorf("registered series = %d (%v), want 3", n, err)
		}
	})

	t.Run("no secrets in logs", func(t *testing.T) {
		out := logged.String()
		for _, secret := range []string{testToken, testInteractTok} {
			if strings.Contains(out, secret) {
				t.Errorf("logs contain %q:\n%s", secret, out)
			}
		}
	})
}

func TestGatewayBadToken(t *testing.T) {
	f := newFakeDiscord(t)
	logger, logged := captureLogs(t)
	a, err := New(Config{BotToken: "wrong-token-SECRET", APIURL: f.URL(), Log: logger})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute) // a safety net only
	defer cancel()
	err = a.Listen(ctx, &recorder{})
	if err == nil || !strings.Contains(err.Error(), "DISCORD_BOT_TOKEN") {
		t.Fatalf("Listen with a rejected token = %v, want an error naming DISCORD_BOT_TOKEN", err)
	}
	if strings.Contains(err.Error()+logged.String(), "wrong-token-SECRET") {
		t.Errorf("the token leaked: %v\n%s", err, logged.String())
	}
}
