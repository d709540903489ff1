package discord

import (
	"context"
	"net/url"
	"strings"

	"github.com/bwmarrin/discordgo"

	"briefbot/bot"
)

// onMessage answers a direct message, or a message in a guild channel that
// @mentions the bot, through h. Messages from bots (briefbot included),
// webhooks and system messages are ignored.
func (a *Adapter) onMessage(ctx context.Context, h bot.Handler, m *discordgo.Message) {
	if m == nil || m.Author == nil || m.Author.Bot || m.WebhookID != "" {
		return
	}
	if m.Type != discordgo.MessageTypeDefault && m.Type != discordgo.MessageTypeReply {
		return
	}
	me := a.id(&a.botID)
	if me == "" || m.Author.ID == me {
		return
	}
	req := bot.Request{Platform: platform, Channel: m.ChannelID, User: m.Author.ID}
	var ref *discordgo.MessageReference
	if m.GuildID == "" {
		req.Kind = bot.Direct
	} else {
		if !mentions(m, me) {
			return
		}
		req.Kind = bot.Mention
		no := false
		ref = &discordgo.MessageReference{MessageID: m.ID, ChannelID: m.ChannelID, GuildID: m.GuildID, FailIfNotExists: &no}
	}
	req.Text = stripMention(m.Content, me)
	if !a.first(ctx, "message:"+m.ID) {
		a.count(req.Kind, "duplicate")
		return
	}
	a.rt.Go(ctx, func(ctx context.Context) {
		if err := a.call(ctx, func(o ...discordgo.RequestOption) error {
			return a.session.ChannelTyping(m.ChannelID, o...)
		}); err != nil {
			a.log.Debug("discord: typing indicator", "channel", m.ChannelID, "error", err.Error())
		}
		rep := a.rt.Handle(ctx, h, req)
		msgs := render(rep)
		err := a.send(ctx, m.ChannelID, ref, msgs)
		if err != nil {
			a.log.Error("discord: answer message", "kind", req.Kind.String(), "channel", m.ChannelID, "error", err.Error())
		} else {
			a.log.Debug("discord: answered", "kind", req.Kind.String(), "channel", m.ChannelID, "messages", len(msgs))
		}
		a.count(req.Kind, result(rep, err))
	})
}

// mentions reports whether m @mentions the user id.
func mentions(m *discordgo.Message, id string) bool {
	for _, u := range m.Mentions {
		if u != nil && u.ID == id {
			return true
		}
	}
	return strings.Contains(m.Content, "<@"+id+">") || strings.Contains(m.Content, "<@!"+id+">")
}

// stripMention removes <@id> and <@!id> from text.
func stripMention(text, id string) string {
	text = strings.ReplaceAll(text, "<@!"+id+">", " ")
	text = strings.ReplaceAll(text, "<@"+id+">", " ")
	return strings.TrimSpace(bot.OneLine(text))
}

// onInteraction answers a /brief command received over the gateway: it
// defers (type 5) through the callback endpoint at once, then answers like
// an HTTP interaction.
func (a *Adapter) onInteraction(ctx context.Context, h bot.Handler, i *discordgo.Interaction) {
	req, ok := interactionRequest(i)
	if !ok {
		return
	}
	if !a.first(ctx, "interaction:"+i.ID) {
		a.count(req.Kind, "duplicate")
		return
	}
	a.rt.Go(ctx, func(ctx context.Context) {
		err := a.call(ctx, func(o ...discordgo.RequestOption) error {
			return a.session.InteractionRespond(escaped(i), &discordgo.InteractionResponse{
				Type: discordgo.InteractionResponseDeferredChannelMessageWithSource,
			}, o...)
		})
		if err != nil {
			a.log.Error("discord: defer interaction", "interaction", i.ID, "error", err.Error())
			a.count(req.Kind, "failed")
			return
		}
		a.answer(ctx, h, i, req)
	})
}

// answer builds the reply to a deferred interaction and delivers it.
func (a *Adapter) answer(ctx context.Context, h bot.Handler, i *discordgo.Interaction, req bot.Request) {
	rep := a.rt.Handle(ctx, h, req)
	msgs := render(rep)
	err := a.deliver(ctx, i, rep.Ephemeral, msgs)
	if err != nil {
		a.log.Error("discord: answer interaction", "interaction", i.ID, "channel", i.ChannelID, "error", err.Error())
	} else {
		a.log.Debug("discord: answered", "kind", req.Kind.String(), "interaction", i.ID, "channel", i.ChannelID, "messages", len(msgs), "ephemeral", rep.Ephemeral)
	}
	a.count(req.Kind, result(rep, err))
}

// privateNote replaces the public "thinking…" placeholder for the moment
// between an ephemeral answer's delivery and the placeholder's deletion.
const privateNote = "Answered privately."

// deliver sends msgs as the answer to a deferred interaction. A public answer
// edits the original response with the first message and sends the rest as
// follow-ups. An ephemeral answer first edits the placeholder to a short
// note (the first follow-up after a defer would otherwise take the
// placeholder's public visibility), sends every message as an ephemeral
// follow-up and then deletes the placeholder.
func (a *Adapter) deliver(ctx context.Context, i *discordgo.Interaction, ephemeral bool, msgs []message) error {
	appID := i.AppID
	if appID == "" {
		appID = a.cfg.AppID
	}
	it := escaped(i)
	it.AppID = url.PathEscape(appID)
	edit := func(content string, embeds []*discordgo.MessageEmbed) error {
		return a.call(ctx, func(o ...discordgo.RequestOption) error {
			_, err := a.session.InteractionResponseEdit(it, &discordgo.WebhookEdit{
				Content: &content, Embeds: &embeds, AllowedMentions: noMentions(),
			}, o...)
			return err
		})
	}
	followup := func(m message, flags discordgo.MessageFlags) error {
		return a.call(ctx, func(o ...discordgo.RequestOption) error {
			_, err := a.session.FollowupMessageCreate(it, true, &discordgo.WebhookParams{
				Content: m.Content, Embeds: m.Embeds, AllowedMentions: noMentions(), Flags: flags,
			}, o...)
			return err
		})
	}

	if !ephemeral {
		if err := edit(msgs[0].Content, msgs[0].Embeds); err != nil {
			return err
		}
		for n, m := range msgs[1:] {
			if err := followup(m, 0); err != nil {
				return fmtPart(n+2, len(msgs), err)
			}
		}
		return nil
	}
	if err := edit(privateNote, []*discordgo.MessageEmbed{}); err != nil {
		return err
	}
	for n, m := range msgs {
		if err := followup(m, discordgo.MessageFlagsEphemeral); err != nil {
			return fmtPart(n+1, len(msgs), err)
		}
	}
	if err := a.call(ctx, func(o ...discordgo.RequestOption) error {
		return a.session.InteractionResponseDelete(it, o...)
	}); err != nil {
		a.log.Warn("discord: delete placeholder of a private answer", "interaction", i.ID, "error", err.Error())
	}
	return nil
}

// escaped is the part of i that discordgo puts into REST paths (ids and
// the token), each escaped as a path segment: a token is whatever the
// request said, and must not change which endpoint is called.
func escaped(i *discordgo.Interaction) *discordgo.Interaction {
	return &discordgo.Interaction{ID: url.PathEscape(i.ID), AppID: url.PathEscape(i.AppID), Token: url.PathEscape(i.Token), Type: i.Type}
}
