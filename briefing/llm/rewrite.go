package llm

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/sashabaranov/go-openai"

	"briefbot/briefing"
)

var _ briefing.Rewriter = (*Client)(nil)

// rewritePrompt asks for search words, not an answer.
const rewritePrompt = `You help a search engine over news articles. Rewrite the user's question as one line of search words: its key terms and the other words, synonyms and names a news article answering it would likely use. Reply with the search words only, on one line, at most 12 words, no explanation. Never answer the question.`

// Rewrite limits.
const (
	rewriteTokens = 60  // reply budget
	maxRewrite    = 200 // characters of the reply kept
)

// Rewrite asks the model for search words for question (one attempt, no
// retry: callers give it a short deadline and do without it). The reply is
// its first line, cut to a couple of hundred characters. A failure is an
// *Error; it never quotes the key.
func (c *Client) Rewrite(ctx context.Context, question string) (string, error) {
	creq := openai.ChatCompletionRequest{Model: c.model, Messages: []openai.ChatCompletionMessage{
		{Role: openai.ChatMessageRoleSystem, Content: rewritePrompt},
		{Role: openai.ChatMessageRoleUser, Content: question},
	}}
	if c.reasoning {
		creq.MaxCompletionTokens = reasoningReplyTokens
	} else {
		creq.MaxTokens = rewriteTokens
	}
	rec := &recorder{hc: c.hc}
	cfg := c.cfg
	cfg.HTTPClient = rec
	resp, err := openai.NewClientWithConfig(cfg).CreateChatCompletion(ctx, creq)
	if err != nil {
		if ctx.Err() != nil {
			return "", &Error{"timeout", fmt.Errorf("llm: rewrite: %w", ctx.Err())}
		}
		return "", &Error{reason(err, rec), c.describe("rewrite", err, rec)}
	}
	if len(resp.Choices) == 0 {
		return "", &Error{"bad_reply", errors.New("llm: rewrite: malformed reply: no choices")}
	}
	text := strings.TrimSpace(thinking.ReplaceAllString(resp.Choices[0].Message.Content, ""))
	line, _, _ := strings.Cut(text, "\n")
	line = strings.Trim(strings.TrimSpace(line), "\"'`*-•")
	if utf8.RuneCountInString(line) > maxRewrite {
		line = string([]rune(line)[:maxRewrite])
	}
	if line == "" {
		return "", &Error{"bad_reply", errors.New("llm: rewrite: empty reply")}
	}
	return line, nil
}
