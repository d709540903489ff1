package briefing

import (
	"regexp"
	"strings"
)

// minSecret is the shortest configured secret looked for: shorter values
// (a test's "s") would match ordinary words.
const minSecret = 8

// tokenShapes match credentials by their form: Slack bot, user and app
// tokens, OpenAI-style keys and bearer tokens.
var tokenShapes = regexp.MustCompile(`\bxox[abposr]-[A-Za-z0-9-]{8,}|\bxapp-[A-Za-z0-9-]{8,}|\bsk-[A-Za-z0-9_-]{16,}|(?i)\bbearer\s+[A-Za-z0-9._~+/-]{16,}`)

// leaksSecret reports whether s contains one of secrets (those of at least
// minSecret bytes) or anything shaped like a token.
func leaksSecret(s string, secrets []string) bool {
	for _, sec := range secrets {
		if len(sec) >= minSecret && strings.Contains(s, sec) {
			return true
		}
	}
	return tokenShapes.MatchString(s)
}
