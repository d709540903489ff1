package discordfake

import (
	"encoding/json"
	"errors"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// gateway is Discord's gateway for one session at a time: hello,
// identify, READY, then the events a test sends. After each event it asks
// for a heartbeat (op 1); the client answers from its read loop only after
// the event's handlers have run (the adapter handles events
// synchronously), so the answer, carrying the event's sequence number,
// shows the adapter has taken the event.
type gateway struct {
	s        *Server
	events   chan gatewaySend
	ready    chan struct{}
	once     sync.Once
	identify map[string]any // guarded by s.mu
}

type gatewaySend struct {
	typ  string
	data any
	done chan error
}

// Send dispatches one gateway event (op 0) of type typ ("MESSAGE_CREATE",
// "INTERACTION_CREATE") with data, and returns once the adapter has taken
// it. An INTERACTION_CREATE's interaction becomes known to the REST API
// (its callback and webhook work).
func (s *Server) Send(t testing.TB, typ string, data any) {
	t.Helper()
	if typ == "INTERACTION_CREATE" {
		b, _ := json.Marshal(data)
		var head struct {
			ID    string `json:"id"`
			Token string `json:"token"`
		}
		_ = json.Unmarshal(b, &head)
		s.expect(head.ID, head.Token)
	}
	ev := gatewaySend{typ: typ, data: data, done: make(chan error, 1)}
	select {
	case s.gw.events <- ev:
	case <-time.After(10 * time.Second):
		t.Fatalf("discordfake: %s not sent: no gateway session", typ)
	}
	if err := <-ev.done; err != nil {
		t.Fatalf("discordfake: %s: %v", typ, err)
	}
}

func (g *gateway) serve(w http.ResponseWriter, r *http.Request) {
	up := websocket.Upgrader{}
	conn, err := up.Upgrade(w, r, nil)
	if err != nil {
		g.s.problem("gateway upgrade: %v", err)
		return
	}
	defer conn.Close()
	seq := int64(0)
	write := func(op int, typ string, d any) error {
		m := map[string]any{"op": op, "d": d, "s": nil, "t": nil}
		if op == 0 {
			seq++
			m["s"], m["t"] = seq, typ
		}
		return conn.WriteJSON(m)
	}
	if write(10, "", map[string]any{"heartbeat_interval": 41250}) != nil {
		return
	}
	var identify struct {
		Op int            `json:"op"`
		D  map[string]any `json:"d"`
	}
	if err := conn.ReadJSON(&identify); err != nil || identify.Op != 2 {
		g.s.problem("gateway: no identify (op %d, %v)", identify.Op, err)
		return
	}
	g.s.mu.Lock()
	g.identify = identify.D
	g.s.mu.Unlock()
	if identify.D["token"] != "Bot "+g.s.opt.Token {
		conn.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(4004, "Authentication failed."))
		g.s.problem("gateway: identify with the wrong token")
		return
	}
	const messageContent = 1 << 15
	if intents, _ := identify.D["intents"].(float64); int(intents)&messageContent == 0 {
		g.s.problem("gateway: identify without the Message Content intent: mentions and DMs arrive empty")
	}
	if write(0, "READY", map[string]any{
		"v": 10, "session_id": "discordfake-session", "resume_gateway_url": "ws://" + r.Host + "/gw",
		"user":        map[string]any{"id": g.s.opt.BotID, "username": "briefbot", "discriminator": "0", "bot": true},
		"application": map[string]any{"id": g.s.opt.AppID, "flags": 0},
		"guilds":      []any{map[string]any{"id": g.s.opt.Guild, "unavailable": true}},
	}) != nil {
		return
	}

	beats := make(chan int64)
	gone := make(chan struct{})
	go func() {
		defer close(gone)
		for {
			var msg struct {
				Op int              `json:"op"`
				D  *json.RawMessage `json:"d"`
			}
			if conn.ReadJSON(&msg) != nil {
				return
			}
			if msg.Op != 1 {
				continue
			}
			n := int64(-1)
			if msg.D != nil {
				_ = json.Unmarshal(*msg.D, &n)
			}
			select {
			case beats <- n:
			case <-gone:
				return
			}
		}
	}()
	// The client's first heartbeat comes at once, from another goroutine;
	// wait for it so that the heartbeat after an event is the one asked for.
	select {
	case <-beats:
		if write(11, "", nil) != nil {
			return
		}
	case <-gone:
		return
	case <-time.After(10 * time.Second):
		g.s.problem("gateway: no first heartbeat")
		return
	}
	g.once.Do(func() { close(g.ready) })
	for {
		select {
		case <-gone:
			return
		case <-beats: // a periodic heartbeat
			if write(11, "", nil) != nil {
				return
			}
		case ev := <-g.events:
			ev.done <- dispatch(write, &seq, beats, gone, ev)
		}
	}
}

// dispatch sends ev, then a heartbeat request, and waits for the heartbeat
// that carries ev's sequence number.
func dispatch(write func(int, string, any) error, seq *int64, beats <-chan int64, gone <-chan struct{}, ev gatewaySend) error {
	if err := write(0, ev.typ, ev.data); err != nil {
		return err
	}
	want := *seq
	if err := write(1, "", nil); err != nil {
		return err
	}
	deadline := time.After(10 * time.Second)
	for {
		select {
		case n := <-beats:
			if err := write(11, "", nil); err != nil {
				return err
			}
			if n >= want {
				return nil
			}
		case <-gone:
			return errors.New("the client closed the gateway")
		case <-deadline:
			return errors.New("no heartbeat after the event")
		}
	}
}

// MessageCreate is a MESSAGE_CREATE event's data: a message id in channel
// (a guild channel when guild is set, else a DM) from author, @mentioning
// the users in mentions.
func MessageCreate(id, channel, guild, author string, isBot bool, content string, mentions ...string) map[string]any {
	m := map[string]any{
		"id": id, "channel_id": channel, "type": 0, "content": content, "tts": false,
		"timestamp":        "2025-04-10T09:30:00.000000+00:00",
		"author":           map[string]any{"id": author, "username": "user" + author[max(0, len(author)-4):], "discriminator": "0", "bot": isBot},
		"mentions":         []any{},
		"mention_roles":    []any{},
		"mention_everyone": false,
		"attachments":      []any{},
		"embeds":           []any{},
		"pinned":           false,
	}
	if guild != "" {
		m["guild_id"] = guild
		m["member"] = map[string]any{"roles": []any{}}
	}
	var ms []any
	for _, u := range mentions {
		ms = append(ms, map[string]any{"id": u, "username": "briefbot", "discriminator": "0", "bot": true})
	}
	if len(ms) > 0 {
		m["mentions"] = ms
	}
	return m
}
