package profilewatch

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/packuilon/packuilon/internal/amqp"
)

// A scan whose broker goes away after confirming some of its requests (a real TCP proxy in front
// of RabbitMQ, cut once the fourth request is confirmed) fails, but records in the cache the
// profiles whose requests were confirmed: the next scan publishes exactly the others, so no
// confirmed request is published twice and none is lost. For a scan of changes and for a
// --publish-all (whose unconfirmed profiles stay pending).
func TestBrokerLostKeepsTheConfirmed(t *testing.T) {
	const n, cutAt = 12, 4
	for _, publishAll := range []bool{false, true} {
		t.Run(fmt.Sprintf("publish-all=%v", publishAll), func(t *testing.T) {
			f := publishAllFixture(t, n)
			if !publishAll {
				for i := range n {
					f.put(tmpl(i, 2))
				}
			}
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			s, px := f.scannerBehindProxy(t)
			s.afterSend = func(k int, d amqp.Deferred) {
				if k == cutAt {
					if err := d.Wait(ctx); err != nil {
						t.Errorf("confirm of request %d: %v", k, err)
					}
					px.Cut()
				}
			}
			rep, err := s.Scan(ctx, ScanOptions{PublishAll: publishAll})
			if err == nil {
				t.Fatalf("scan with the broker cut after %d confirms succeeded: %s", cutAt, rep)
			}
			if !strings.Contains(err.Error(), "confirmed and recorded in the cache") {
				t.Errorf("scan with the broker cut after %d confirms: %v", cutAt, err)
			}
			t.Logf("%s: %v", rep, err)
			if len(rep.Published) < 1 || len(rep.Published) > cutAt {
				t.Errorf("%d requests reported confirmed, want 1 to %d", len(rep.Published), cutAt)
			}
			queued := map[string]bool{}
			imageKeys(t, f.drain(), queued)
			confirmed := map[string]bool{}
			imageKeys(t, rep.Published, confirmed)
			for k := range confirmed {
				if !queued[k] {
					t.Errorf("%s reported confirmed is not in the queue", k)
				}
			}
			next := f.mustScan(ScanOptions{})
			imageKeys(t, f.drain(), confirmed) // fails on any published twice
			if len(confirmed) != n || len(next.Published) != n-len(rep.Published) {
				t.Errorf("next scan: %s; %d of %d profiles published in the two scans", next, len(confirmed), n)
			}
			if rep := f.mustScan(ScanOptions{}); rep.Candidates != 0 || len(f.drain()) != 0 || f.pendingEntries() != 0 {
				t.Errorf("a third scan: %s, want nothing", rep)
			}
		})
	}
}
