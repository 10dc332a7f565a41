package profilewatch

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/packuilon/packuilon/internal/event"
	"github.com/packuilon/packuilon/internal/testenv"
)

// TestPublishNeverShowsThePassword: a broker that refuses the credentials (or cannot be reached)
// fails the publish with an error and retry warnings that name the broker but never contain
// RABBIT_PW (DESIGN property 7: the scan error goes to the journal and to watch --once's stderr).
func TestPublishNeverShowsThePassword(t *testing.T) {
	rmq := testenv.SharedRabbit(t)
	const secret = "s3cret-Pw-7f1c"
	req := event.NewRequest(event.Spec{Personality: "p", Archetype: "a", OS: "sl", OSVersion: "7x-x86_64",
		Branch: event.Branch{Type: event.BranchDomain, Name: "prod"}}, event.ReasonManual)
	for _, tc := range []struct {
		name string
		port int
	}{
		{"wrong password", rmq.Port},
		{"nothing listening", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := rmq.Global(testenv.UniqueName(t))
			g.RabbitPW, g.RabbitPort = secret, tc.port
			var logged bytes.Buffer
			log := hclog.New(&hclog.LoggerOptions{Output: &logged, Level: hclog.Trace})
			ctx, cancel := context.WithTimeout(context.Background(), 4*time.Second)
			defer cancel()
			err := Publish(ctx, g, []event.BuildRequest{req}, log, nil)
			if err == nil {
				t.Fatal("publish succeeded")
			}
			if !strings.Contains(err.Error(), g.Redacted()) {
				t.Errorf("error does not name the broker %s: %v", g.Redacted(), err)
			}
			if logged.Len() == 0 {
				t.Error("no retry warning was logged")
			}
			for what, s := range map[string]string{"error": err.Error(), "log": logged.String()} {
				if strings.Contains(s, secret) {
					t.Errorf("the %s contains the password: %s", what, s)
				}
			}
		})
	}
}
