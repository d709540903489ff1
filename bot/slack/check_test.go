package slack

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/slack-go/slack/slacktest"
)

func TestCheckAuth(t *testing.T) {
	tests := []struct {
		name     string
		reply    string // auth.test's JSON; "" for a 500
		rejected bool
		wantErr  bool
	}{
		{name: "valid token", reply: `{"ok":true,"team":"Example","user":"briefbot","team_id":"T1","user_id":"UBOT0001","bot_id":"B1"}`},
		{name: "invalid token", reply: `{"ok":false,"error":"invalid_auth"}`, rejected: true, wantErr: true},
		{name: "revoked token", reply: `{"ok":false,"error":"token_revoked"}`, rejected: true, wantErr: true},
		{name: "server error", reply: "", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := slacktest.NewTestServer(func(c slacktest.Customize) {
				c.Handle("/auth.test", func(w http.ResponseWriter, r *http.Request) {
					if tt.reply == "" {
						http.Error(w, "boom", http.StatusInternalServerError)
						return
					}
					fmt.Fprint(w, tt.reply)
				})
			})
			srv.Start()
			defer srv.Stop()
			a, err := New(Config{BotToken: testBotToken, SigningSecret: testSecret, APIURL: srv.GetAPIURL()})
			if err != nil {
				t.Fatal(err)
			}
			team, user, err := a.CheckAuth(context.Background())
			if (err != nil) != tt.wantErr || errors.Is(err, ErrTokenRejected) != tt.rejected {
				t.Fatalf("CheckAuth = %v; want error %v, rejected %v", err, tt.wantErr, tt.rejected)
			}
			if err != nil && strings.Contains(err.Error(), testBotToken) {
				t.Errorf("the error carries the token: %v", err)
			}
			if !tt.wantErr {
				if team != "Example" || user != "briefbot" || a.botUserID(context.Background()) != "UBOT0001" {
					t.Errorf("CheckAuth = %q, %q; bot id %q", team, user, a.botUserID(context.Background()))
				}
			}
		})
	}
}
