package slack

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"briefbot/bot"
)

var clock = time.Unix(1700000000, 0)

func fixedNow() time.Time { return clock }

func httpAdapter(t *testing.T, f *fakeSlack) (*Adapter, *syncBuffer) {
	t.Helper()
	a, logs, _ := newTestAdapter(t, f, Config{SigningSecret: testSecret, Now: fixedNow})
	return a, logs
}

func serve(h http.Handler, r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func TestCommandAcksAtOnceThenAnswersOnResponseURL(t *testing.T) {
	f := newFakeSlack(t)
	rs := newResponseServer(t)
	a, _ := httpAdapter(t, f)
	release := make(chan struct{})
	got := make(chan bot.Request, 1)
	h := handlerFunc(func(ctx context.Context, req bot.Request) bot.Reply {
		got <- req
		<-release // the answer is slow; the ack must not wait for it
		return bot.Reply{Title: "Export controls", Sections: []bot.Section{{
			Heading: "Chips & more", URL: "https://example.com/a?x=1&y=2", Meta: "Example News · 3 Feb 2025",
			Lines: []bot.Line{{Text: "Limits on <advanced> chips tightened.", Style: bot.Quote, Cites: []bot.Cite{{N: 1, URL: "https://example.com/a"}}}},
		}}}
	})

	w := serve(a.HTTPHandler(h), signed(t, "/slack/commands", "application/x-www-form-urlencoded",
		commandBody("ask what about export controls?", rs.hookURL("1")), testSecret, clock))
	if w.Code != http.StatusOK || w.Body.Len() != 0 {
		t.Fatalf("ack = %d %q, want 200 with an empty body", w.Code, w.Body.String())
	}
	req := waitN(t, got, 1)[0]
	want := bot.Request{Platform: "slack", Kind: bot.Command, Channel: "C0001", User: "U0USER1", Text: "ask what about export controls?"}
	if req != want {
		t.Errorf("request = %+v, want %+v", req, want)
	}
	close(release)

	resp := rs.WaitResponses(t, 1)[0]
	if resp.ResponseType != "in_channel" {
		t.Errorf("response_type = %q, want in_channel", resp.ResponseType)
	}
	wantBlocks := []string{
		"*Export controls*",
		"*<https://example.com/a?x=1&amp;y=2|Chips &amp; more>* · Example News · 3 Feb 2025\n> Limits on &lt;advanced&gt; chips tightened. [<https://example.com/a|1>]",
	}
	if strings.Join(resp.BlockTexts(), "\n---\n") != strings.Join(wantBlocks, "\n---\n") {
		t.Errorf("blocks =\n%s\nwant\n%s", strings.Join(resp.BlockTexts(), "\n---\n"), strings.Join(wantBlocks, "\n---\n"))
	}
	if !strings.Contains(resp.Text, "Limits on &lt;advanced&gt; chips tightened.") {
		t.Errorf("fallback text %q lacks the answer", resp.Text)
	}
	idle(t, a)
	if p := f.accepted(); len(p) != 0 {
		t.Errorf("a one-message answer also went to chat.postMessage: %+v", p)
	}
}

func TestCommandEphemeralReply(t *testing.T) {
	rs := newResponseServer(t)
	a, _ := httpAdapter(t, newFakeSlack(t))
	h := handlerFunc(func(context.Context, bot.Request) bot.Reply {
		return bot.Reply{Ephemeral: true, Title: "How to use /brief", Sections: []bot.Section{{Lines: []bot.Line{{Text: "/brief ask <question>"}}}}}
	})
	w := serve(a.HTTPHandler(h), signed(t, "/slack/commands", "application/x-www-form-urlencoded", commandBody("", rs.hookURL("2")), testSecret, clock))
	if w.Code != http.StatusOK {
		t.Fatalf("status %d", w.Code)
	}
	resp := rs.WaitResponses(t, 1)[0]
	if resp.ResponseType != "ephemeral" {
		t.Errorf("response_type = %q, want ephemeral", resp.ResponseType)
	}
	if len(resp.BlockTexts()) != 2 || resp.BlockTexts()[1] != "/brief ask &lt;question&gt;" {
		t.Errorf("blocks = %q", resp.BlockTexts())
	}
}

func TestUnverifiedRequestsAreRefused(t *testing.T) {
	body := commandBody("ask anything", "http://127.0.0.1:1/hook")
	tests := []struct {
		name string
		req  func() *http.Request
	}{
		{"forged signature", func() *http.Request {
			return signed(t, "/slack/commands", "application/x-www-form-urlencoded", body, "not-the-secret", clock)
		}},
		{"body changed after signing", func() *http.Request {
			r := signed(t, "/slack/commands", "application/x-www-form-urlencoded", body, testSecret, clock)
			r2 := httptest.NewRequest(http.MethodPost, "/slack/commands", strings.NewReader(body+"&text=other"))
			r2.Header = r.Header
			return r2
		}},
		{"stale timestamp", func() *http.Request {
			return signed(t, "/slack/commands", "application/x-www-form-urlencoded", body, testSecret, clock.Add(-5*time.Minute-time.Second))
		}},
		{"timestamp in the future", func() *http.Request {
			return signed(t, "/slack/commands", "application/x-www-form-urlencoded", body, testSecret, clock.Add(6*time.Minute))
		}},
		{"no signature", func() *http.Request {
			r := signed(t, "/slack/commands", "application/x-www-form-urlencoded", body, testSecret, clock)
			r.Header.Del("X-Slack-Signature")
			return r
		}},
		{"event with forged signature", func() *http.Request {
			return signed(t, "/slack/events", "application/json", `{"type":"url_verification","challenge":"abc"}`, "not-the-secret", clock)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, _ := httpAdapter(t, newFakeSlack(t))
			rec := &recorder{}
			w := serve(a.HTTPHandler(rec), tt.req())
			if w.Code != http.StatusUnauthorized {
				t.Errorf("status = %d, want 401", w.Code)
			}
			if b := strings.TrimSpace(w.Body.String()); b != "unauthorized" {
				t.Errorf("body = %q, want only \"unauthorized\"", b)
			}
			idle(t, a)
			if n := len(rec.requests()); n != 0 {
				t.Errorf("handler called %d times for a refused request", n)
			}
		})
	}
}

func TestSignedRequestAtTheEdgeOfTheWindowIsAccepted(t *testing.T) {
	rs := newResponseServer(t)
	a, _ := httpAdapter(t, newFakeSlack(t))
	w := serve(a.HTTPHandler(&recorder{}), signed(t, "/slack/commands", "application/x-www-form-urlencoded",
		commandBody("help", rs.hookURL("3")), testSecret, clock.Add(-4*time.Minute-59*time.Second)))
	if w.Code != http.StatusOK {
		t.Fatalf("status = %d, want 200", w.Code)
	}
	rs.WaitResponses(t, 1)
}

func TestURLVerification(t *testing.T) {
	a, _ := httpAdapter(t, newFakeSlack(t))
	w := serve(a.HTTPHandler(&recorder{}), signed(t, "/slack/events", "application/json",
		`{"token":"x","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}`, testSecret, clock))
	if w.Code != http.StatusOK {
		t.Fatalf("status = %d", w.Code)
	}
	if got := strings.TrimSpace(w.Body.String()); got != `{"challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"}` {
		t.Errorf("body = %s", got)
	}
}

func TestRetriedEventIsAnsweredOnce(t *testing.T) {
	f := newFakeSlack(t)
	a, _ := httpAdapter(t, f)
	rec := &recorder{}
	h := a.HTTPHandler(rec)
	body := eventBody("Ev0001", mentionEvent("U0USER1", "<@"+testBotUser+"> ask about chips", "1700000001.000100", ""))
	for retry := range 3 {
		r := signed(t, "/slack/events", "application/json", body, testSecret, clock)
		if retry > 0 {
			r.Header.Set("X-Slack-Retry-Num", string(rune('0'+retry)))
			r.Header.Set("X-Slack-Retry-Reason", "http_timeout")
		}
		if w := serve(h, r); w.Code != http.StatusOK {
			t.Fatalf("delivery %d: status %d", retry, w.Code)
		}
	}
	p := f.wait(t, 1)[0]
	idle(t, a)
	if n := len(f.accepted()); n != 1 {
		t.Fatalf("posted %d replies to one event delivered 3 times, want 1", n)
	}
	if p.Channel != "C0001" || p.ThreadTS != "1700000001.000100" {
		t.Errorf("reply in channel %q thread %q, want C0001 thread of the mention", p.Channel, p.ThreadTS)
	}
	reqs := rec.requests()
	if len(reqs) != 1 || reqs[0].Kind != bot.Mention || reqs[0].Text != "ask about chips" {
		t.Errorf("requests = %+v, want one mention \"ask about chips\"", reqs)
	}
	if p.Token != testBotToken {
		t.Errorf("chat.postMessage not authorised with the bot token")
	}
}

func TestMentionInThreadRepliesInThatThread(t *testing.T) {
	f := newFakeSlack(t)
	a, _ := httpAdapter(t, f)
	rec := &recorder{}
	body := eventBody("Ev0002", mentionEvent("U0USER1", "<@"+testBotUser+"|briefbot> digest  &lt;chips&gt; &amp; <https://example.com/x|this>", "1700000002.000200", "1700000000.000001"))
	serve(a.HTTPHandler(rec), signed(t, "/slack/events", "application/json", body, testSecret, clock))
	p := f.wait(t, 1)[0]
	if p.ThreadTS != "1700000000.000001" {
		t.Errorf("thread_ts = %q, want the thread the mention is in", p.ThreadTS)
	}
	if got := rec.requests()[0].Text; got != "digest <chips> & this" {
		t.Errorf("text = %q, want mention stripped and Slack escaping undone", got)
	}
}

func TestDirectMessageIsAnsweredInTheDM(t *testing.T) {
	f := newFakeSlack(t)
	a, _ := httpAdapter(t, f)
	rec := &recorder{}
	serve(a.HTTPHandler(rec), signed(t, "/slack/events", "application/json",
		eventBody("Ev0003", dmEvent("U0USER1", "sources", "1700000003.000300", "")), testSecret, clock))
	p := f.wait(t, 1)[0]
	if p.Channel != "D0001" || p.ThreadTS != "" {
		t.Errorf("reply to channel %q thread %q, want D0001 top level", p.Channel, p.ThreadTS)
	}
	want := bot.Request{Platform: "slack", Kind: bot.Direct, Channel: "D0001", User: "U0USER1", Text: "sources"}
	if got := rec.requests(); len(got) != 1 || got[0] != want {
		t.Errorf("requests = %+v, want %+v", got, want)
	}
}

func TestMessagesNotForTheBotAreIgnored(t *testing.T) {
	tests := []struct {
		name  string
		inner string
	}{
		{"the bot's own DM", dmEvent(testBotUser, "here is your answer", "1.1", "")},
		{"another bot's DM", dmEvent("U0OTHER", "beep", "1.2", `,"bot_id":"B0OTHER"`)},
		{"bot_message subtype", dmEvent("", "beep", "1.3", `,"subtype":"bot_message","bot_id":"B0OTHER"`)},
		{"edited DM", `{"type":"message","subtype":"message_changed","channel":"D0001","channel_type":"im","ts":"1.4","event_ts":"1.4","message":{"type":"message","user":"U0USER1","text":"ask again","ts":"1.0"}}`},
		{"deleted DM", `{"type":"message","subtype":"message_deleted","channel":"D0001","channel_type":"im","ts":"1.5","deleted_ts":"1.0"}`},
		{"channel message", `{"type":"message","channel":"C0001","user":"U0USER1","text":"ask about chips","ts":"1.6","channel_type":"channel"}`},
		{"mention by a bot", `{"type":"app_mention","user":"U0OTHER","bot_id":"B0OTHER","text":"<@` + testBotUser + `> hi","ts":"1.7","channel":"C0001"}`},
		{"mention by the bot itself", mentionEvent(testBotUser, "<@"+testBotUser+"> hi", "1.8", "")},
		{"event briefbot does not handle", `{"type":"reaction_added","user":"U0USER1","reaction":"thumbsup","item":{"type":"message","channel":"C0001","ts":"1.0"},"event_ts":"1.9"}`},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeSlack(t)
			a, _ := httpAdapter(t, f)
			rec := &recorder{}
			w := serve(a.HTTPHandler(rec), signed(t, "/slack/events", "application/json", eventBody("EvIgn"+string(rune('A'+i)), tt.inner), testSecret, clock))
			if w.Code != http.StatusOK {
				t.Errorf("status = %d, want 200 (acknowledged, so Slack does not retry)", w.Code)
			}
			idle(t, a)
			if n := len(rec.requests()); n != 0 {
				t.Errorf("handler called %d times", n)
			}
			if p := f.accepted(); len(p) != 0 {
				t.Errorf("posted %+v", p)
			}
		})
	}
}

func TestLongCommandReplyContinuesInThread(t *testing.T) {
	f := newFakeSlack(t)
	rs := newResponseServer(t)
	a, _ := httpAdapter(t, f)
	h := handlerFunc(func(context.Context, bot.Request) bot.Reply { return longReply(12, 6) })
	serve(a.HTTPHandler(h), signed(t, "/slack/commands", "application/x-www-form-urlencoded", commandBody("digest", rs.hookURL("4")), testSecret, clock))
	want := len(render(longReply(12, 6)))
	if want < 3 {
		t.Fatalf("test reply renders to %d messages; make it longer", want)
	}
	posts := f.wait(t, want)
	idle(t, a)
	if posts[0].ThreadTS != "" || posts[0].Channel != "C0001" {
		t.Errorf("first message: channel %q thread %q, want C0001 top level", posts[0].Channel, posts[0].ThreadTS)
	}
	for i, p := range posts[1:] {
		if p.ThreadTS != posts[0].TS {
			t.Errorf("message %d in thread %q, want the first message's %q", i+2, p.ThreadTS, posts[0].TS)
		}
	}
	if n := len(f.accepted()); n != want {
		t.Errorf("posted %d messages, want %d", n, want)
	}
}

func TestLongCommandReplyFallsBackToResponseURL(t *testing.T) {
	f := newFakeSlack(t)
	f.fail = func(method string, n int) (int, string, string) { return 0, "", "not_in_channel" }
	rs := newResponseServer(t)
	a, _ := httpAdapter(t, f)
	reply := longReply(40, 6)
	parts := len(render(reply))
	if parts <= maxResponses {
		t.Fatalf("test reply renders to %d messages; want more than %d", parts, maxResponses)
	}
	h := handlerFunc(func(context.Context, bot.Request) bot.Reply { return reply })
	serve(a.HTTPHandler(h), signed(t, "/slack/commands", "application/x-www-form-urlencoded", commandBody("digest", rs.hookURL("5")), testSecret, clock))
	got := rs.WaitResponses(t, maxResponses)
	idle(t, a)
	if rs.PendingResponses() != 0 {
		t.Errorf("more than %d posts to one response_url", maxResponses)
	}
	for _, r := range got {
		if r.ResponseType != "in_channel" {
			t.Errorf("response_type %q", r.ResponseType)
		}
	}
	if last := got[len(got)-1].Text; !strings.Contains(last, "more parts did not fit") {
		t.Errorf("last post %q does not say the reply was cut", last)
	}
}

func TestMetricsCountRequestsAndAcks(t *testing.T) {
	reg := prometheus.NewRegistry()
	rs := newResponseServer(t)
	f := newFakeSlack(t)
	a, _, _ := newTestAdapter(t, f, Config{SigningSecret: testSecret, Now: fixedNow, Registerer: reg})
	h := a.HTTPHandler(&recorder{})
	serve(h, signed(t, "/slack/commands", "application/x-www-form-urlencoded", commandBody("help", rs.hookURL("6")), testSecret, clock))
	serve(h, signed(t, "/slack/commands", "application/x-www-form-urlencoded", commandBody("help", rs.hookURL("6")), "forged", clock))
	rs.WaitResponses(t, 1)
	idle(t, a)

	// A second adapter on the same registry shares the collectors.
	if _, err := New(Config{SigningSecret: testSecret, APIURL: "https://slack.com/api/", Registerer: reg}); err != nil {
		t.Fatalf("second adapter on one registry: %v", err)
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]float64{}
	var acks uint64
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			switch mf.GetName() {
			case "briefbot_slack_requests_total":
				counts[labels(m)] = m.GetCounter().GetValue()
			case "briefbot_slack_ack_seconds":
				acks += m.GetHistogram().GetSampleCount()
			}
		}
	}
	if counts["kind=command,result=ok"] != 1 || counts["kind=command,result=unauthorized"] != 1 {
		t.Errorf("requests_total = %v, want one ok and one unauthorized command", counts)
	}
	if acks != 1 {
		t.Errorf("ack_seconds has %d samples, want 1", acks)
	}
}

func labels(m *dto.Metric) string {
	var parts []string
	for _, l := range m.GetLabel() {
		parts = append(parts, l.GetName()+"="+l.GetValue())
	}
	return strings.Join(parts, ",")
}

func TestHTTPModeOffRefusesRequests(t *testing.T) {
	a, _, _ := newTestAdapter(t, newFakeSlack(t), Config{})
	w := serve(a.HTTPHandler(&recorder{}), signed(t, "/slack/events", "application/json", `{"type":"url_verification","challenge":"x"}`, "", clock))
	if w.Code != http.StatusUnauthorized {
		t.Errorf("status = %d, want 401 without a signing secret", w.Code)
	}
}

// longReply is a digest-like reply of n sections with lines lines each.
func longReply(n, lines int) bot.Reply {
	r := bot.Reply{Title: "Briefing for Monday", Footer: "extractive · quotes are verbatim"}
	c := 0
	for i := range n {
		s := bot.Section{Heading: "Article number " + string(rune('A'+i%26)), URL: "https://news.example.com/story/" + string(rune('a'+i%26)), Meta: "Example Wire · 2 Feb 2025"}
		for range lines {
			c++
			s.Lines = append(s.Lines, bot.Line{
				Text:  strings.Repeat("Chip makers said supply would stay tight through the spring. ", 3),
				Style: bot.Quote,
				Cites: []bot.Cite{{N: c, URL: "https://news.example.com/story/" + string(rune('a'+i%26))}},
			})
		}
		r.Sections = append(r.Sections, s)
	}
	return r
}
