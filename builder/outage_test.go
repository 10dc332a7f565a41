package builder

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/packuilon/packuilon/internal/config"
	"github.com/packuilon/packuilon/internal/state"
	"github.com/packuilon/packuilon/internal/testenv"
	"github.com/packuilon/packuilon/internal/web"
	"github.com/packuilon/packuilon/templates"
)

// storeThroughProxy opens a PostgreSQL build store reached through a TCP proxy the test cuts
// to make real outages of the store, and a logger writing to the returned buffer.
func storeThroughProxy(t *testing.T) (*state.Store, *testenv.TCPProxy, hclog.Logger, *testenv.LogBuffer) {
	t.Helper()
	pg := testenv.SharedPostgres(t)
	url := pg.NewDatabase(t)
	proxy, err := testenv.StartTCPProxy(fmt.Sprintf("127.0.0.1:%d", pg.Port))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(proxy.Close)
	direct := fmt.Sprintf("@127.0.0.1:%d/", pg.Port)
	if !strings.Contains(url, direct) {
		t.Fatalf("database URL %q does not name the server's port", url)
	}
	st, err := state.Open(strings.Replace(url, direct, "@"+proxy.Addr+"/", 1), state.WithPasswordFile(pg.PasswordFile))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	buf := &testenv.LogBuffer{}
	return st, proxy, hclog.New(&hclog.LoggerOptions{Name: "test", Level: hclog.Info, Output: buf}), buf
}

// outages runs step through two outages of the store, with a success before, between and
// after, and checks that each outage's start and each recovery is logged once. (One failed
// step per outage: within an outage, the error can change from a broken pooled connection to
// a refused new one, and each change is logged.)
func outages(t *testing.T, proxy *testenv.TCPProxy, buf *testenv.LogBuffer, failing, recovered string, step func()) {
	t.Helper()
	step()
	for n := 1; n <= 2; n++ {
		proxy.Cut()
		step()
		if got := buf.Lines(failing); got != n {
			t.Fatalf("outage %d: %d lines %q, want %d:\n%s", n, got, failing, n, buf)
		}
		if err := proxy.Restore(); err != nil {
			t.Fatal(err)
		}
		step()
		if got := buf.Lines(recovered); got != n {
			t.Fatalf("after outage %d: %d lines %q, want %d:\n%s", n, got, recovered, n, buf)
		}
	}
}

// TestLeaseRenewalLogsEachOutage: a builder whose build store goes away twice while a build
// runs logs both outages of its lease renewals, and each recovery, not only the first outage.
func TestLeaseRenewalLogsEachOutage(t *testing.T) {
	st, proxy, log, buf := storeThroughProxy(t)
	ctx := context.Background()
	rec, _, err := st.Intake(ctx, request("outage", "sha256:outage"), "")
	if err != nil {
		t.Fatal(err)
	}
	lease, _, err := st.ClaimBuild(ctx, rec.ID, state.NewOwner(), time.Hour, "")
	if err != nil {
		t.Fatal(err)
	}
	stopped := false
	k := newLeaseKeeper(lease, time.Hour, 30*time.Second, log, func() { stopped = true })
	outages(t, proxy, buf, "cannot renew the build's lease", "renewed the build's lease again", func() {
		t.Helper()
		if !k.renew(ctx) || stopped {
			t.Fatalf("renewal ended keeping the lease:\n%s", buf)
		}
	})
}

// TestEndingCounterLogsEachOutage: the journal reader behind packuilon_builds_total logs both
// outages of the build store, and each recovery, not only the first outage.
func TestEndingCounterLogsEachOutage(t *testing.T) {
	st, proxy, log, buf := storeThroughProxy(t)
	ctx := context.Background()
	c, err := newEndingCounter(ctx, st, web.NewMetrics(st.CountStates, st.CountRollbacks), log)
	if err != nil {
		t.Fatal(err)
	}
	outages(t, proxy, buf, "cannot count ended builds", "counting ended builds from the build store again", func() { c.tick(ctx) })
}

// TestSchedulerLogsEachOutage: the scheduler's reads of the store on every tick and wake-up
// (expired leases, the queue) log each outage of the store when it starts and when it ends,
// not an error a tick.
func TestSchedulerLogsEachOutage(t *testing.T) {
	for _, tc := range []struct {
		name, failing, recovered string
		step                     func(s *scheduler, ctx context.Context)
	}{
		{"reap", "cannot take back expired leases", "taking back expired leases again", func(s *scheduler, ctx context.Context) { s.reap(ctx) }},
		{"dispatch", "cannot read the queue of builds", "reading the queue of builds again", func(s *scheduler, ctx context.Context) { s.dispatch(ctx, ctx) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st, proxy, log, buf := storeThroughProxy(t)
			s := newScheduler(st, nil, &atomic.Pointer[config.Config]{}, &atomic.Pointer[templates.Set]{}, log)
			ctx := context.Background()
			outages(t, proxy, buf, tc.failing, tc.recovered, func() { tc.step(s, ctx) })
		})
	}
}
