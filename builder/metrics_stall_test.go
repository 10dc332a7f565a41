package builder

import (
	"context"
	"testing"
	"time"

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
		done := make(chan struct{})
		go func() { defer close(done); c.tick(ctx) }()
		// Not a timing assertion: this only bounds how long the test waits for a read that,
		// without its deadline, would wait until the proxy is restored.
		select {
		case <-done:
		case <-time.After(time.Minute):
			proxy.Restore()
			<-done
			t.Fatalf("outage %d: the read waited for the stalled store:\n%s", n, buf)
		}
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
