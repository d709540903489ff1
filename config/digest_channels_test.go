package config

import (
	"strings"
	"testing"
)

// TestLoadDigestChannelNeedsAPlatform checks that a digest channel whose
// platform cannot be started is reported by config check, naming what is
// missing, instead of failing when serve starts.
func TestLoadDigestChannelNeedsAPlatform(t *testing.T) {
	schedule := map[string]string{"BRIEFBOT_DIGEST_SCHEDULE": "daily 08:00", "BRIEFBOT_DIGEST_CHANNELS": "slack:C1"}
	with := func(more map[string]string) map[string]string {
		m := map[string]string{}
		for k, v := range schedule {
			m[k] = v
		}
		for k, v := range more {
			m[k] = v
		}
		return m
	}
	tests := []struct {
		name string
		env  map[string]string
		want []string // "" entries: no error
	}{
		{"bot token alone", with(map[string]string{"SLACK_BOT_TOKEN": "xoxb-1"}),
			[]string{"BRIEFBOT_DIGEST_CHANNELS", "slack:C1", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET"}},
		{"no bot token", with(nil), []string{"BRIEFBOT_DIGEST_CHANNELS", "SLACK_BOT_TOKEN"}},
		{"socket mode", with(map[string]string{"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1"}), nil},
		{"http mode", with(map[string]string{"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s"}), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(env(tt.env))
			if tt.want == nil {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error does not name %s:\n%v", w, err)
				}
			}
			if strings.Contains(err.Error(), "xoxb-1") {
				t.Errorf("error leaks the token:\n%v", err)
			}
		})
	}
}
