package slack

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/slack-go/slack"
)

// ErrTokenRejected is wrapped by CheckAuth's error when Slack refused the
// bot token (invalid_auth, not_authed, token_revoked, account_inactive...).
var ErrTokenRejected = errors.New("slack: the bot token was rejected")

// CheckAuth asks Slack (auth.test, at the configured API URL) whether the
// bot token works, and remembers the bot's user id so that it never answers
// itself. It returns the workspace and the bot user's names for the log.
// Its error wraps ErrTokenRejected when Slack refused the token; any other
// error (network, a 5xx) says nothing about the token. Without a bot token
// it does nothing.
func (a *Adapter) CheckAuth(ctx context.Context) (team, user string, err error) {
	if a.api == nil {
		return "", "", nil
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	resp, err := a.api.AuthTestContext(ctx)
	if err != nil {
		var se slack.SlackErrorResponse
		if errors.As(err, &se) {
			return "", "", fmt.Errorf("%w: auth.test says %s", ErrTokenRejected, se.Err)
		}
		return "", "", fmt.Errorf("slack: auth.test: %w", err)
	}
	a.botID.learn(resp.UserID)
	return resp.Team, resp.User, nil
}
