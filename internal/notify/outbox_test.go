package notify

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/go-hclog"

	"github.com/packuilon/packuilon/internal/config"
	"github.com/packuilon/packuilon/internal/state"
	"github.com/packuilon/packuilon/internal/testenv"
)

// TestOutboxOutageLoggedOnce: with the build store (PostgreSQL, through a proxy) down, the
// outbox read of every poll fails; the outage is logged when it starts (and if its error
// changes), not at every poll, and its end once.
func TestOutboxOutageLoggedOnce(t *testing.T) {
	testenv.Need(t, "/usr/lib/postgresql/15/bin/postgres")
	pg, err := testenv.StartPostgres("") // in the system temp dir: as root, the server runs as postgres
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pg.Stop)
	url, err := pg.CreateDatabase("outbox")
	if err != nil {
		t.Fatal(err)
	}
	proxy, err := testenv.StartTCPProxy(fmt.Sprintf("127.0.0.1:%d", pg.Port))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(proxy.Close)
	st, err := state.Open(strings.Replace(url, fmt.Sprintf("127.0.0.1:%d", pg.Port), proxy.Addr, 1), state.WithPasswordFile(pg.PasswordFile))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	out := &testenv.LogBuffer{}
	d := &Dispatcher{Store: st, Config: func() config.Notify { return config.Notify{} },
		Log: hclog.New(&hclog.LoggerOptions{Output: out})}
	ctx := context.Background()
	d.deliverDue(ctx)
	proxy.Cut()
	const polls = 6
	for range polls {
		d.deliverDue(ctx)
	}
	// A broken pooled connection first, then refused ones: at most one change of error.
	if n := out.Lines("cannot read the notification outbox"); n < 1 || n > 2 {
		t.Fatalf("%d lines for an outage of %d polls, want the start of the outage (and a change of its error):\n%s", n, polls, out)
	}
	if err := proxy.Restore(); err != nil {
		t.Fatal(err)
	}
	d.deliverDue(ctx)
	d.deliverDue(ctx)
	if n := out.Lines("reading the notification outbox again"); n != 1 {
		t.Errorf("%d recovery lines, want 1:\n%s", n, out)
	}
}
