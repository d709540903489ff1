package discord

import (
	"fmt"
	"strings"

	"github.com/bwmarrin/discordgo"

	"briefbot/bot"
)

// commandName is the one application command briefbot registers.
const commandName = "brief"

// Commands returns the /brief application command definition: one chat
// command whose subcommands mirror the router's words: ask {question,
// required}, digest {topic}, sources, help, subscribe {schedule, tz, topic},
// unsubscribe {id, required: an id or "all"}, subscriptions and feeds
// {add, remove}. It may be
// used in servers and in DMs with the bot.
func Commands() []*discordgo.ApplicationCommand {
	str := func(name, desc string, required bool, maxLen int) *discordgo.ApplicationCommandOption {
		return &discordgo.ApplicationCommandOption{
			Type: discordgo.ApplicationCommandOptionString, Name: name, Description: desc,
			Required: required, MaxLength: maxLen,
		}
	}
	sub := func(name, desc string, opts ...*discordgo.ApplicationCommandOption) *discordgo.ApplicationCommandOption {
		return &discordgo.ApplicationCommandOption{
			Type: discordgo.ApplicationCommandOptionSubCommand, Name: name, Description: desc, Options: opts,
		}
	}
	contexts := []discordgo.InteractionContextType{discordgo.InteractionContextGuild, discordgo.InteractionContextBotDM}
	return []*discordgo.ApplicationCommand{{
		Type:        discordgo.ChatApplicationCommand,
		Name:        commandName,
		Description: "Cited news briefings: what sources said, what is new",
		Contexts:    &contexts,
		Options: []*discordgo.ApplicationCommandOption{
			sub("ask", "What did sources say about something? Quoted and cited",
				str("question", "Your question, e.g. what did sources say about export controls?", true, 500)),
			sub("digest", "What is new (the last day), optionally on a topic",
				str("topic", "Optional window and topic, e.g. 7d export controls", false, 200)),
			sub("sources", "The articles briefbot knows"),
			sub("help", "How to use /brief"),
			sub("subscribe", "A scheduled digest in this channel",
				str("schedule", "daily 08:00, weekdays 09:30, weekly mon 08:00 or cron \"0 8 * * *\"", false, 100),
				str("tz", "Time zone, e.g. Europe/Berlin (default: the bot's)", false, 64),
				str("topic", "Only stories on this topic", false, 200)),
			sub("unsubscribe", "Stop a scheduled digest",
				str("id", "The subscription's id (see /brief subscriptions) or all", true, 64)),
			sub("subscriptions", "This channel's scheduled digests"),
			sub("feeds", "The news feeds briefbot follows; add or remove one",
				str("add", "A feed to follow (RSS, Atom or JSON Feed), e.g. https://example.com/feed.xml", false, 2000),
				str("remove", "The number of a feed to stop following (see /brief feeds)", false, 20)),
		},
	}}
}

// interactionRequest converts a /brief application command into the
// router's request text: "ask <question>", "digest <topic>",
// "subscribe <schedule> tz <tz> topic <topic>" (empty parts left out),
// "unsubscribe <id>" or the bare subcommand. ok is false for anything that
// is not /brief.
func interactionRequest(i *discordgo.Interaction) (req bot.Request, ok bool) {
	if i == nil || i.Type != discordgo.InteractionApplicationCommand {
		return bot.Request{}, false
	}
	data, isCmd := i.Data.(discordgo.ApplicationCommandInteractionData)
	if !isCmd || data.Name != commandName {
		return bot.Request{}, false
	}
	req = bot.Request{Platform: "discord", Kind: bot.Command, Channel: i.ChannelID, User: interactionUser(i)}
	if len(data.Options) == 0 {
		return req, true // the router answers an empty command with help
	}
	sub := data.Options[0]
	if sub.Type != discordgo.ApplicationCommandOptionSubCommand {
		return req, true
	}
	opt := func(name string) string {
		for _, o := range sub.Options {
			if o.Name == name && o.Value != nil {
				return bot.OneLine(fmt.Sprint(o.Value))
			}
		}
		return ""
	}
	parts := []string{sub.Name}
	add := func(label, v string) {
		if v != "" {
			if label != "" {
				parts = append(parts, label)
			}
			parts = append(parts, v)
		}
	}
	switch sub.Name {
	case "ask":
		add("", opt("question"))
	case "digest":
		add("", opt("topic"))
	case "subscribe":
		add("", opt("schedule"))
		add("tz", opt("tz"))
		add("topic", opt("topic"))
	case "unsubscribe":
		add("", opt("id"))
	case "feeds":
		add("add", opt("add"))
		add("remove", opt("remove"))
	}
	req.Text = strings.Join(parts, " ")
	return req, true
}

func interactionUser(i *discordgo.Interaction) string {
	switch {
	case i.Member != nil && i.Member.User != nil:
		return i.Member.User.ID
	case i.User != nil:
		return i.User.ID
	}
	return ""
}
