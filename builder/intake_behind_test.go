package builder

import (
	"context"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	amqp091 "github.com/rabbitmq/amqp091-go"

	"github.com/packuilon/packuilon/internal/config"
	"github.com/packuilon/packuilon/internal/state"
	"github.com/packuilon/packuilon/templates"
)

// TestIntakeHandsNoBuildBehindAnOlderOne: a request of a key whose older build waits to
// resume (here retried) is not handed to the scheduler's handed-only round, which would claim
// it without reading the queue, before the older build, whose image would then be promoted
// after the newer one. Intake asks for a round that reads the queue (oldest first) instead.
func TestIntakeHandsNoBuildBehindAnOlderOne(t *testing.T) {
	ctx := context.Background()
	st, err := state.Open(filepath.Join(t.TempDir(), "builds.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	old, _, err := st.Intake(ctx, request("nubesvms", "sha256:old"), "m1")
	if err != nil {
		t.Fatal(err)
	}
	lease, _, err := st.ClaimBuild(ctx, old.ID, state.NewOwner(), time.Hour, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lease.Finish(ctx, state.Failed, "render failed", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Retry(ctx, old.ID); err != nil {
		t.Fatal(err)
	}
	s := newScheduler(st, nil, &atomic.Pointer[config.Config]{}, &atomic.Pointer[templates.Set]{}, hclog.NewNullLogger())
	in := &intake{store: st, log: hclog.NewNullLogger(), sched: s}
	if err := in.handle(ctx, amqp091.Delivery{Body: mustJSON(t, request("nubesvms", "sha256:new")), MessageId: "m2"}); err != nil {
		t.Fatal(err)
	}
	if len(s.handed) != 0 {
		t.Fatalf("handed %+v: a build started without reading the queue would run before the retried %s", s.handed, old.ID)
	}
	select {
	case <-s.wake:
	default:
		t.Fatal("no dispatch round asked for the new request")
	}
	if q, err := st.Queued(ctx); err != nil || len(q) != 2 || q[0].ID != old.ID {
		t.Fatalf("queue %+v, %v; want the retried build first, then the new one", q, err)
	}
}
