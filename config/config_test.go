package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestLoadDefaults(t *testing.T) {
	c, err := Load(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.DataDir != "./data" || c.HTTPAddr != ":8080" || c.Timezone != time.UTC || c.Refresh != 5*time.Minute ||
		c.FullRefresh != time.Hour || !c.Watch ||
		c.DigestFirstWindow != 24*time.Hour || c.DigestCatchup != 6*time.Hour || c.DigestPostEmpty ||
		c.LLM.Timeout != 20*time.Second || c.LLM.MaxPromptTokens != 3000 || c.LLM.Enabled() ||
		c.Slack.Enabled() || c.Discord.Enabled() || c.Slack.APIURL != "https://slack.com/api/" || c.Discord.APIURL != "https://discord.com" {
		t.Errorf("defaults: %+v", c)
	}
}

func TestLoadReportsEveryProblemByName(t *testing.T) {
	secret := "xoxb-super-secret-token-value"
	_, err := Load(env(map[string]string{
		"BRIEFBOT_CORPUS_DIR":            "/does/not/exist",
		"BRIEFBOT_TIMEZONE":              "Mars/Olympus",
		"BRIEFBOT_REFRESH":               "often",
		"BRIEFBOT_FULL_REFRESH":          "-1h",
		"BRIEFBOT_WATCH":                 "sometimes",
		"BRIEFBOT_DIGEST_CHANNELS":       "teams:123,slack:C1",
		"BRIEFBOT_DIGEST_EMPTY":          "maybe",
		"SLACK_APP_TOKEN":                "xapp-1",
		"SLACK_BOT_TOKEN":                "",
		"DISCORD_PUBLIC_KEY":             "abc",
		"OPENAI_BASE_URL":                "localhost:11434",
		"BRIEFBOT_LLM_MAX_PROMPT_TOKENS": "lots",
		"DISCORD_BOT_TOKEN":              secret,
	}))
	if err == nil {
		t.Fatal("want errors")
	}
	msg := err.Error()
	for _, name := range []string{"BRIEFBOT_CORPUS_DIR", "BRIEFBOT_TIMEZONE", "BRIEFBOT_REFRESH", "BRIEFBOT_FULL_REFRESH", "BRIEFBOT_WATCH", "BRIEFBOT_DIGEST_CHANNELS",
		"BRIEFBOT_DIGEST_EMPTY", "BRIEFBOT_DIGEST_SCHEDULE", "SLACK_BOT_TOKEN", "DISCORD_APP_ID", "DISCORD_PUBLIC_KEY", "OPENAI_BASE_URL", "BRIEFBOT_LLM_MAX_PROMPT_TOKENS"} {
		if !strings.Contains(msg, name) {
			t.Errorf("error does not name %s:\n%s", name, msg)
		}
	}
	if strings.Contains(msg, secret) {
		t.Errorf("error leaks a secret:\n%s", msg)
	}
}

func TestLoadPlatforms(t *testing.T) {
	c, err := Load(env(map[string]string{
		"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1", "SLACK_SIGNING_SECRET": "s", "SLACK_API_URL": "http://127.0.0.1:9/api",
		"DISCORD_APP_ID": "123", "DISCORD_PUBLIC_KEY": strings.Repeat("ab", 32),
		"BRIEFBOT_DIGEST_SCHEDULE": "daily 08:00", "BRIEFBOT_DIGEST_CHANNELS": "slack:C1, discord:99",
		"DISCORD_BOT_TOKEN": "t", "BRIEFBOT_TIMEZONE": "Europe/Berlin",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if !c.Slack.SocketMode() || !c.Slack.HTTPMode() || c.Slack.APIURL != "http://127.0.0.1:9/api/" {
		t.Errorf("slack: %+v", c.Slack)
	}
	if !c.Discord.Interactions() || !c.Discord.Gateway() {
		t.Errorf("discord: %+v", c.Discord)
	}
	if len(c.DigestChannels) != 2 || c.DigestChannels[1] != (Target{"discord", "99"}) || c.Timezone.String() != "Europe/Berlin" {
		t.Errorf("digest: %+v %v", c.DigestChannels, c.Timezone)
	}
	if c.DigestSchedule.Spec() != "daily 08:00" || c.DigestSchedule.Location().String() != "Europe/Berlin" {
		t.Errorf("digest schedule = %q in %s, want daily 08:00 in BRIEFBOT_TIMEZONE", c.DigestSchedule.Spec(), c.DigestSchedule.Location())
	}
}

func TestLoadDigestSchedule(t *testing.T) {
	tests := []struct {
		schedule string
		want     string // in the error; "" for none
	}{
		{"", ""},
		{"weekdays 07:30 tz Asia/Tokyo", ""},
		{"@every 1h", ""},
		{"daily 8", `BRIEFBOT_DIGEST_SCHEDULE: schedule not accepted: "8" is not a time of day`},
		{"daily 08:00 tz Nowhere/City", `BRIEFBOT_DIGEST_SCHEDULE: schedule not accepted: "Nowhere/City" is not a known time zone`},
	}
	for _, tt := range tests {
		c, err := Load(env(map[string]string{
			"BRIEFBOT_DIGEST_SCHEDULE": tt.schedule, "BRIEFBOT_DIGEST_CHANNELS": "slack:C1", "SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s",
		}))
		if tt.schedule == "" {
			if err == nil || !strings.Contains(err.Error(), "BRIEFBOT_DIGEST_SCHEDULE: is empty") {
				t.Errorf("channels without a schedule: error = %v", err)
			}
			continue
		}
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%q: %v", tt.schedule, err)
		case tt.want == "" && c.DigestSchedule.IsZero():
			t.Errorf("%q: not parsed", tt.schedule)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("%q: error = %v, want %q", tt.schedule, err, tt.want)
		}
	}
}

func TestEnvironFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), ".env")
	os.WriteFile(path, []byte("# comment\nBRIEFBOT_TEST_A=\"from file\"\nexport BRIEFBOT_TEST_B=b\n"), 0o644)
	t.Setenv("BRIEFBOT_TEST_B", "from env")
	get, err := Environ(path)
	if err != nil {
		t.Fatal(err)
	}
	if get("BRIEFBOT_TEST_A") != "from file" || get("BRIEFBOT_TEST_B") != "from env" {
		t.Errorf("A=%q B=%q", get("BRIEFBOT_TEST_A"), get("BRIEFBOT_TEST_B"))
	}
	os.WriteFile(path, []byte("not a pair\n"), 0o644)
	if _, err := Environ(path); err == nil || !strings.Contains(err.Error(), "line 1") {
		t.Errorf("bad line: %v", err)
	}
}

func TestLoadRefreshAndWatch(t *testing.T) {
	for _, tc := range []struct {
		env   map[string]string
		full  time.Duration
		watch bool
	}{
		{map[string]string{}, time.Hour, true},
		{map[string]string{"BRIEFBOT_FULL_REFRESH": "30m", "BRIEFBOT_WATCH": "off"}, 30 * time.Minute, false},
		{map[string]string{"BRIEFBOT_FULL_REFRESH": " 2h ", "BRIEFBOT_WATCH": "ON"}, 2 * time.Hour, true},
		{map[string]string{"BRIEFBOT_WATCH": "false"}, time.Hour, false},
	} {
		c, err := Load(env(tc.env))
		if err != nil {
			t.Errorf("%v: %v", tc.env, err)
			continue
		}
		if c.FullRefresh != tc.full || c.Watch != tc.watch {
			t.Errorf("%v: full refresh %v, watch %v; want %v, %v", tc.env, c.FullRefresh, c.Watch, tc.full, tc.watch)
		}
	}
	_, err := Load(env(map[string]string{"BRIEFBOT_FULL_REFRESH": "hourly", "BRIEFBOT_WATCH": "maybe"}))
	if err == nil || !strings.Contains(err.Error(), "BRIEFBOT_FULL_REFRESH: \"hourly\" is not a positive duration") ||
		!strings.Contains(err.Error(), "BRIEFBOT_WATCH: \"maybe\" is not accepted; use on") {
		t.Errorf("bad values: %v", err)
	}
}
