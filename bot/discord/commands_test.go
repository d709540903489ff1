package discord

import (
	"encoding/json"
	"testing"

	"github.com/bwmarrin/discordgo"

	"briefbot/bot"
)

// parseInteraction decodes an interaction as discordgo does from the wire.
func parseInteraction(t *testing.T, v map[string]any) *discordgo.Interaction {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var i discordgo.Interaction
	if err := json.Unmarshal(b, &i); err != nil {
		t.Fatal(err)
	}
	return &i
}

func TestInteractionRequest(t *testing.T) {
	tests := []struct {
		sub  string
		opts map[string]string
		want string
	}{
		{"ask", map[string]string{"question": "what about  tidal\npower?"}, "ask what about tidal power?"},
		{"digest", nil, "digest"},
		{"digest", map[string]string{"topic": "7d wave farms"}, "digest 7d wave farms"},
		{"sources", nil, "sources"},
		{"help", nil, "help"},
		{"subscribe", nil, "subscribe"},
		{"subscribe", map[string]string{"schedule": "daily 08:00"}, "subscribe daily 08:00"},
		{"subscribe", map[string]string{"schedule": "daily 08:00", "tz": "Europe/Berlin", "topic": "tides"}, "subscribe daily 08:00 tz Europe/Berlin topic tides"},
		{"subscribe", map[string]string{"topic": "tides"}, "subscribe topic tides"},
		{"unsubscribe", map[string]string{"id": "all"}, "unsubscribe all"},
		{"subscriptions", nil, "subscriptions"},
		{"feeds", nil, "feeds"},
		{"feeds", map[string]string{"add": "https://example.com/feed.xml"}, "feeds add https://example.com/feed.xml"},
		{"feeds", map[string]string{"remove": "3"}, "feeds remove 3"},
	}
	for _, tt := range tests {
		i := parseInteraction(t, briefInteraction("1", "tok", "2", tt.sub, tt.opts))
		req, ok := interactionRequest(i)
		if !ok || req.Text != tt.want {
			t.Errorf("%s %v: text %q (ok %v), want %q", tt.sub, tt.opts, req.Text, ok, tt.want)
		}
		if req.Kind != bot.Command || req.Platform != "discord" || req.User != "600000000000000003" || req.Channel != testGuildChannel {
			t.Errorf("%s: request %+v", tt.sub, req)
		}
	}

	dm := briefInteraction("1", "tok", "2", "help", nil)
	delete(dm, "member")
	dm["user"] = map[string]any{"id": "600000000000000004"}
	if req, _ := interactionRequest(parseInteraction(t, dm)); req.User != "600000000000000004" {
		t.Errorf("a DM interaction's user = %q", req.User)
	}

	other := briefInteraction("1", "tok", "2", "ask", nil)
	other["data"].(map[string]any)["name"] = "weather"
	if _, ok := interactionRequest(parseInteraction(t, other)); ok {
		t.Error("a command other than /brief was accepted")
	}
	if _, ok := interactionRequest(parseInteraction(t, map[string]any{"id": "1", "type": 1})); ok {
		t.Error("a PING was taken for a command")
	}
}

func TestCommands(t *testing.T) {
	cmds := Commands()
	if len(cmds) != 1 || cmds[0].Name != "brief" || cmds[0].Description == "" {
		t.Fatalf("Commands() = %+v, want the one /brief command", cmds)
	}
	type opt struct {
		required bool
	}
	want := map[string]map[string]opt{
		"ask":           {"question": {true}},
		"digest":        {"topic": {false}},
		"sources":       {},
		"help":          {},
		"subscribe":     {"schedule": {false}, "tz": {false}, "topic": {false}},
		"unsubscribe":   {"id": {true}},
		"subscriptions": {},
		"feeds":         {"add": {false}, "remove": {false}},
	}
	got := map[string]bool{}
	for _, sub := range cmds[0].Options {
		got[sub.Name] = true
		w, ok := want[sub.Name]
		if !ok || sub.Type != discordgo.ApplicationCommandOptionSubCommand {
			t.Errorf("unexpected option %q (type %v)", sub.Name, sub.Type)
			continue
		}
		if len(sub.Description) == 0 || len(sub.Description) > 100 {
			t.Errorf("%s: description of %d characters; Discord wants 1-100", sub.Name, len(sub.Description))
		}
		if len(sub.Options) != len(w) {
			t.Errorf("%s has %d options, want %d", sub.Name, len(sub.Options), len(w))
		}
		for _, o := range sub.Options {
			wo, ok := w[o.Name]
			if !ok || o.Type != discordgo.ApplicationCommandOptionString || o.Required != wo.required {
				t.Errorf("%s %s: type %v required %v", sub.Name, o.Name, o.Type, o.Required)
			}
			if len(o.Description) == 0 || len(o.Description) > 100 {
				t.Errorf("%s %s: description of %d characters; Discord wants 1-100", sub.Name, o.Name, len(o.Description))
			}
		}
	}
	for name := range want {
		if !got[name] {
			t.Errorf("subcommand %s missing", name)
		}
	}
}

func TestMentions(t *testing.T) {
	const me = "900000000000000001"
	tests := []struct {
		content   string
		mentioned []string
		want      bool
		text      string
	}{
		{"<@" + me + "> ask what about tides?", []string{me}, true, "ask what about tides?"},
		{"hey <@!" + me + ">   digest", nil, true, "hey digest"},
		{"<@123> ask", []string{"123"}, false, "<@123> ask"},
		{"no mention", nil, false, "no mention"},
	}
	for _, tt := range tests {
		m := &discordgo.Message{Content: tt.content}
		for _, id := range tt.mentioned {
			m.Mentions = append(m.Mentions, &discordgo.User{ID: id})
		}
		if got := mentions(m, me); got != tt.want {
			t.Errorf("mentions(%q) = %v, want %v", tt.content, got, tt.want)
		}
		if got := stripMention(tt.content, me); got != tt.text {
			t.Errorf("stripMention(%q) = %q, want %q", tt.content, got, tt.text)
		}
	}
}
