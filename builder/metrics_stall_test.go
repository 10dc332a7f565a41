package builder

import (
	"context"
	"testing"
	"time"

	"github.com/packuilon/packuilon/internal/testenv"
	"github.com/packuilon/packuilon/internal/web"
)

// TestEndingCounterGivesUpAStalledRead: the journal reader behind packuilon_builds_total, whose
// PostgreSQL store goes silent (a real proxy drops every byte, resets nothing), gives the read
// up at its deadline and logs the outage, instead of waiting for TCP keepalive; once the store
// answers again, the next read succeeds and says so.
func TestEndingCounterGivesUpAStalledRead(t *testing.T) {
	st, proxy, log, buf := storeThroughProxy(t)
	ctx := context.Background()
	c, err := newEndingCounter(ctx, st, web.NewMetrics(st.CountStates, st.CountRollbacks), log)
	if err != nil {
		t.Fatal(err)
	}
	c.timeout = 500 * time.Millisecond
	c.tick(ctx)
	for n := 1; n <= 2; n++ {
		proxy.Stall()
		whileSilent(t, proxy, "the journal read", func() { c.tick(ctx) })
		if got := buf.Lines("cannot count ended builds"); got != n || buf.Lines("no answer from the build store in 500ms") != n {
			t.Fatalf("outage %d: %d lines of the outage, want %d, saying the read had no answer:\n%s", n, got, n, buf)
		}
		if err := proxy.Restore(); err != nil {
			t.Fatal(err)
		}
		c.tick(ctx)
		if got := buf.Lines("counting ended builds from the build store again"); got != n {
			t.Fatalf("after outage %d: %d lines of the recovery, want %d:\n%s", n, got, n, buf)
		}
	}
}

// whileSilent runs step, which reads from a store behind proxy, stalled, and fails the test if
// step waits for the store: after a minute the proxy is restored (so step ends) and the test
// fails. Not a timing assertion: the minute only bounds how long the test waits for a step
// that, without a deadline of its own, would wait until the proxy is restored.
func whileSilent(t *testing.T, proxy *testenv.TCPProxy, what string, step func()) {
	t.Helper()
	done := make(chan struct{})
	go func() { defer close(done); step() }()
	select {
	case <-done:
	case <-time.After(time.Minute):
		proxy.Restore()
		<-done
		t.Fatalf("%s waited for the silent store", what)
	}
}
