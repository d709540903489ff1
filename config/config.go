// Package config turns the environment (and an optional .env file) into one
// validated Config. Load reports every problem at once, each naming the
// variable and how to fix it. Secrets are never part of an error message.
package config

import (
	"bufio"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"briefbot/briefing/schedule"
)

// Config is briefbot's whole configuration.
type Config struct {
	CorpusDir string // "" means the embedded sample corpus
	DataDir   string
	HTTPAddr  string
	Timezone  *time.Location
	Refresh   time.Duration // the cheap pass: folders' times, new names (BRIEFBOT_REFRESH)
	// FullRefresh is how often every file is stat-ed (BRIEFBOT_FULL_REFRESH):
	// only that finds a file edited in place where no file events come.
	FullRefresh time.Duration
	// Watch: serve watches the corpus folder for file events
	// (BRIEFBOT_WATCH, default on).
	Watch bool

	DigestSchedule    schedule.Schedule // parsed in Timezone; zero (IsZero) means none
	DigestChannels    []Target          // where DigestSchedule posts
	DigestFirstWindow time.Duration
	DigestCatchup     time.Duration
	DigestPostEmpty   bool

	Slack   Slack
	Discord Discord
	LLM     LLM
	Embed   Embed
	Feeds   Feeds
}

// Target is a channel on a platform, from "slack:C0123" or "discord:987".
type Target struct {
	Platform string
	Channel  string
}

// Slack holds the Slack settings. Socket Mode runs when BotToken and AppToken
// are set; HTTP mode when SigningSecret is set.
type Slack struct {
	BotToken      string
	AppToken      string
	SigningSecret string
	APIURL        string
}

// SocketMode reports whether Socket Mode is configured.
func (s Slack) SocketMode() bool { return s.BotToken != "" && s.AppToken != "" }

// HTTPMode reports whether the HTTP endpoints are configured.
func (s Slack) HTTPMode() bool { return s.SigningSecret != "" }

// Enabled reports whether any Slack mode is configured.
func (s Slack) Enabled() bool { return s.SocketMode() || s.HTTPMode() }

// Discord holds the Discord settings. The gateway runs when BotToken is set;
// HTTP interactions when AppID and PublicKey are set.
type Discord struct {
	BotToken  string
	AppID     string
	PublicKey string // hex Ed25519 public key
	GuildID   string
	APIURL    string
}

// Gateway reports whether gateway mode is configured.
func (d Discord) Gateway() bool { return d.BotToken != "" }

// Interactions reports whether HTTP interactions are configured.
func (d Discord) Interactions() bool { return d.AppID != "" && d.PublicKey != "" }

// Enabled reports whether any Discord mode is configured.
func (d Discord) Enabled() bool { return d.Gateway() || d.Interactions() }

// LLM holds the optional OpenAI-compatible summariser settings.
type LLM struct {
	APIKey          string
	BaseURL         string
	Model           string
	Timeout         time.Duration
	MaxPromptTokens int
	// Rewrite: the LLM also rewrites each question into extra search
	// words (BRIEFBOT_LLM_REWRITE; see loadRewrite).
	Rewrite bool
}

// Enabled reports whether an LLM is configured.
func (l LLM) Enabled() bool { return l.APIKey != "" || l.BaseURL != "" }

// Defaults.
const (
	DefaultDataDir    = "./data"
	DefaultHTTPAddr   = ":8080"
	DefaultModel      = "gpt-4o-mini"
	DefaultSlackAPI   = "https://slack.com/api/"
	DefaultDiscordAPI = "https://discord.com"
)

// Load reads the configuration through getenv (os.Getenv in production).
func Load(getenv func(string) string) (Config, error) {
	var errs []error
	bad := func(name, format string, a ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", name, fmt.Sprintf(format, a...)))
	}
	get := func(name string) string { return strings.TrimSpace(getenv(name)) }
	dur := func(name string, def time.Duration) time.Duration {
		v := get(name)
		if v == "" {
			return def
		}
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			bad(name, "%q is not a positive duration; use Go syntax such as 90s, 5m or 24h", v)
			return def
		}
		return d
	}

	c := Config{
		CorpusDir:         get("BRIEFBOT_CORPUS_DIR"),
		DataDir:           or(get("BRIEFBOT_DATA_DIR"), DefaultDataDir),
		HTTPAddr:          or(get("BRIEFBOT_HTTP_ADDR"), DefaultHTTPAddr),
		Refresh:           dur("BRIEFBOT_REFRESH", 5*time.Minute),
		FullRefresh:       dur("BRIEFBOT_FULL_REFRESH", time.Hour),
		Watch:             true,
		DigestFirstWindow: dur("BRIEFBOT_DIGEST_FIRST_WINDOW", 24*time.Hour),
		DigestCatchup:     dur("BRIEFBOT_DIGEST_CATCHUP", 6*time.Hour),
	}

	if c.CorpusDir != "" {
		if st, err := os.Stat(c.CorpusDir); err != nil || !st.IsDir() {
			bad("BRIEFBOT_CORPUS_DIR", "%q is not a readable directory; point it at a folder of .txt, .md or .html articles, or unset it for the embedded sample", c.CorpusDir)
		}
	}
	switch v := strings.ToLower(get("BRIEFBOT_WATCH")); v {
	case "", "on", "true", "1", "yes":
	case "off", "false", "0", "no":
		c.Watch = false
	default:
		bad("BRIEFBOT_WATCH", "%q is not accepted; use on (watch the corpus folder for changes, the default) or off (re-scan every BRIEFBOT_REFRESH only)", v)
	}
	c.Timezone = time.UTC
	if tz := get("BRIEFBOT_TIMEZONE"); tz != "" {
		loc, err := time.LoadLocation(tz)
		if err != nil {
			bad("BRIEFBOT_TIMEZONE", "%q is not a known time zone; use an IANA name such as Europe/Berlin or America/New_York", tz)
		} else {
			c.Timezone = loc
		}
	}
	if v := get("BRIEFBOT_DIGEST_SCHEDULE"); v != "" {
		sched, err := schedule.Parse(v, c.Timezone)
		if err != nil {
			bad("BRIEFBOT_DIGEST_SCHEDULE", "%v", err)
		} else {
			c.DigestSchedule = sched
		}
	}
	switch v := strings.ToLower(get("BRIEFBOT_DIGEST_EMPTY")); v {
	case "", "skip", "quiet", "false", "0", "no":
	case "post", "true", "1", "yes":
		c.DigestPostEmpty = true
	default:
		bad("BRIEFBOT_DIGEST_EMPTY", "%q is not accepted; use post (say \"nothing new\") or skip (stay quiet, the default)", v)
	}
	if v := get("BRIEFBOT_DIGEST_CHANNELS"); v != "" {
		for _, part := range strings.Split(v, ",") {
			part = strings.TrimSpace(part)
			if part == "" {
				continue
			}
			platform, ch, ok := strings.Cut(part, ":")
			platform = strings.ToLower(strings.TrimSpace(platform))
			ch = strings.TrimSpace(ch)
			if !ok || ch == "" || (platform != "slack" && platform != "discord") {
				bad("BRIEFBOT_DIGEST_CHANNELS", "%q is not PLATFORM:CHANNEL; use a comma-separated list such as slack:C0123,discord:987654321", part)
				continue
			}
			c.DigestChannels = append(c.DigestChannels, Target{Platform: platform, Channel: ch})
		}
	}
	if get("BRIEFBOT_DIGEST_SCHEDULE") != "" && len(c.DigestChannels) == 0 {
		bad("BRIEFBOT_DIGEST_CHANNELS", "is empty but BRIEFBOT_DIGEST_SCHEDULE is set; name where digests go, e.g. slack:C0123,discord:987654321")
	}
	if get("BRIEFBOT_DIGEST_SCHEDULE") == "" && len(c.DigestChannels) > 0 {
		bad("BRIEFBOT_DIGEST_SCHEDULE", "is empty but BRIEFBOT_DIGEST_CHANNELS is set; set a schedule such as \"daily 08:00\", a cron spec or @every 1h")
	}

	c.Slack = Slack{
		BotToken:      get("SLACK_BOT_TOKEN"),
		AppToken:      get("SLACK_APP_TOKEN"),
		SigningSecret: get("SLACK_SIGNING_SECRET"),
		APIURL:        or(get("SLACK_API_URL"), DefaultSlackAPI),
	}
	if c.Slack.AppToken != "" && !strings.HasPrefix(c.Slack.AppToken, "xapp-") {
		bad("SLACK_APP_TOKEN", "does not look like an app-level token; it starts with xapp- (Basic Information > App-Level Tokens, scope connections:write)")
	}
	if c.Slack.AppToken != "" && c.Slack.BotToken == "" {
		bad("SLACK_BOT_TOKEN", "is empty but SLACK_APP_TOKEN is set; Socket Mode needs both (OAuth & Permissions > Bot User OAuth Token, xoxb-...)")
	}
	if c.Slack.BotToken != "" && !strings.HasPrefix(c.Slack.BotToken, "xoxb-") {
		bad("SLACK_BOT_TOKEN", "does not look like a bot token; it starts with xoxb- (OAuth & Permissions > Bot User OAuth Token)")
	}
	if c.Slack.SigningSecret != "" && c.Slack.BotToken == "" {
		bad("SLACK_BOT_TOKEN", "is empty but SLACK_SIGNING_SECRET is set; HTTP mode still needs the bot token to post answers")
	}
	if u, err := url.Parse(c.Slack.APIURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		bad("SLACK_API_URL", "%q is not an http(s) URL; leave it unset for %s", c.Slack.APIURL, DefaultSlackAPI)
	} else if !strings.HasSuffix(c.Slack.APIURL, "/") {
		c.Slack.APIURL += "/"
	}

	c.Discord = Discord{
		BotToken:  get("DISCORD_BOT_TOKEN"),
		AppID:     get("DISCORD_APP_ID"),
		PublicKey: get("DISCORD_PUBLIC_KEY"),
		GuildID:   get("DISCORD_GUILD_ID"),
		APIURL:    strings.TrimRight(or(get("DISCORD_API_URL"), DefaultDiscordAPI), "/"),
	}
	if (c.Discord.AppID == "") != (c.Discord.PublicKey == "") {
		if c.Discord.AppID == "" {
			bad("DISCORD_APP_ID", "is empty but DISCORD_PUBLIC_KEY is set; HTTP interactions need both (Developer Portal > General Information > Application ID)")
		} else {
			bad("DISCORD_PUBLIC_KEY", "is empty but DISCORD_APP_ID is set; HTTP interactions need both (Developer Portal > General Information > Public Key)")
		}
	}
	if k := c.Discord.PublicKey; k != "" && !isHex(k, 64) {
		bad("DISCORD_PUBLIC_KEY", "is not 64 hex characters; copy the Public Key from Developer Portal > General Information")
	}
	if c.Discord.AppID != "" && !isDigits(c.Discord.AppID) {
		bad("DISCORD_APP_ID", "%q is not a numeric application id (Developer Portal > General Information > Application ID)", c.Discord.AppID)
	}
	if c.Discord.GuildID != "" && !isDigits(c.Discord.GuildID) {
		bad("DISCORD_GUILD_ID", "%q is not a numeric server id (enable Developer Mode, right-click the server, Copy Server ID)", c.Discord.GuildID)
	}
	if u, err := url.Parse(c.Discord.APIURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		bad("DISCORD_API_URL", "%q is not an http(s) origin; leave it unset for %s", c.Discord.APIURL, DefaultDiscordAPI)
	}
	for _, t := range c.DigestChannels {
		if t.Platform == "slack" && c.Slack.BotToken == "" {
			bad("BRIEFBOT_DIGEST_CHANNELS", "names slack:%s but SLACK_BOT_TOKEN is not set; digests to Slack need the bot token", t.Channel)
		}
		if t.Platform == "slack" && c.Slack.BotToken != "" && !c.Slack.Enabled() {
			bad("BRIEFBOT_DIGEST_CHANNELS", "names slack:%s but SLACK_BOT_TOKEN alone starts no Slack connection; also set SLACK_APP_TOKEN (Socket Mode, xapp-...) or SLACK_SIGNING_SECRET (HTTP mode)", t.Channel)
		}
		if t.Platform == "discord" && c.Discord.BotToken == "" {
			bad("BRIEFBOT_DIGEST_CHANNELS", "names discord:%s but DISCORD_BOT_TOKEN is not set; digests to Discord need the bot token", t.Channel)
		}
	}

	c.LLM = LLM{
		APIKey:  get("OPENAI_API_KEY"),
		BaseURL: get("OPENAI_BASE_URL"),
		Model:   or(get("BRIEFBOT_LLM_MODEL"), DefaultModel),
		Timeout: dur("BRIEFBOT_LLM_TIMEOUT", 20*time.Second),
	}
	if c.LLM.BaseURL != "" {
		if u, err := url.Parse(c.LLM.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad("OPENAI_BASE_URL", "is not an http(s) URL; use e.g. http://localhost:11434/v1 for Ollama or leave it unset for OpenAI")
		}
	}
	c.LLM.MaxPromptTokens = 3000
	if v := get("BRIEFBOT_LLM_MAX_PROMPT_TOKENS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 500 || n > 1000000 {
			bad("BRIEFBOT_LLM_MAX_PROMPT_TOKENS", "%q is not accepted; use a whole number of tokens from 500 up (default 3000)", v)
		} else {
			c.LLM.MaxPromptTokens = n
		}
	}
	if c.LLM.Enabled() && c.LLM.Timeout > 14*time.Minute {
		bad("BRIEFBOT_LLM_TIMEOUT", "%s is longer than the chat platforms' follow-up windows allow; use at most 14m (default 20s)", c.LLM.Timeout)
	}
	c.LLM.Rewrite = loadRewrite(get, bad, c.LLM)
	c.Embed = loadEmbed(get, bad, c.LLM)
	c.Feeds = loadFeeds(get, bad)
	return c, errors.Join(errs...)
}

// Environ returns a getenv that reads the process environment, falling back to
// a .env file at path (KEY=VALUE lines, # comments, optional quotes) for
// variables the environment does not set. A missing file is not an error.
func Environ(path string) (func(string) string, error) {
	file := map[string]string{}
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return os.Getenv, nil
		}
		return nil, fmt.Errorf("config: open %s: %w", path, err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		line = strings.TrimPrefix(line, "export ")
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			return nil, fmt.Errorf("config: %s line %d: want KEY=VALUE", path, n)
		}
		v = strings.TrimSpace(v)
		if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
			v = v[1 : len(v)-1]
		}
		file[strings.TrimSpace(k)] = v
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("config: read %s: %w", path, err)
	}
	return func(k string) string {
		if v, ok := os.LookupEnv(k); ok {
			return v
		}
		return file[k]
	}, nil
}

func or(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

func isHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for _, r := range s {
		if !strings.ContainsRune("0123456789abcdefABCDEF", r) {
			return false
		}
	}
	return true
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}
