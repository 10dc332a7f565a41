package builder

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/packuilon/packuilon/internal/config"
	"github.com/packuilon/packuilon/internal/state"
	"github.com/packuilon/packuilon/internal/state/statetest"
)

// TestBuildFailsWhenItsClaimIsLost: a build in a claimed stage whose claim another process
// takes over (the builder's renewals stopped for longer than the TTL, here by expiring its
// claim in the store) stops that stage, ends failed at it saying the claim was lost (not
// cancelled, not interrupted), never runs the next stage, leaves the new holder's claim in
// place, and can be retried.
func TestBuildFailsWhenItsClaimIsLost(t *testing.T) {
	ctx := context.Background()
	st, rec := startedBuild(t, "claimlost", state.WithLeaseTimings(statetest.ShortLeases))
	key := rec.ImageKey
	marking := make(chan struct{})
	var tested atomic.Bool
	stages := []Stage{
		stageFunc{"marking", func(ctx context.Context, b *Build) error {
			close(marking)
			select { // a Glance call that would go on beside the new holder
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(90 * time.Second):
				return nil
			}
		}},
		stageFunc{"testing", func(ctx context.Context, b *Build) error { tested.Store(true); return nil }},
	}
	p := &Pipeline{Stages: stages, Store: st, Claims: st, Holder: state.NewHolder(builderOwner, "")}
	type result struct {
		rec state.Record
		err error
	}
	done := make(chan result, 1)
	go func() {
		out, err := p.Run(ctx, rec, &config.Config{}, hclog.NewNullLogger())
		done <- result{out, err}
	}()
	statetest.Await(t, marking, "the marking stage started")
	// The builder's claim expires (as after a whole TTL without renewal) and another process
	// takes the key.
	taker := state.NewHolder("promote", "promote")
	if err := statetest.TakeOver(ctx, st, key, p.Holder, taker); err != nil {
		t.Fatal(err)
	}
	res := statetest.Await(t, done, "the build ended") // at its lease's next renewal
	out := res.rec
	want := "claim on image key " + key + " lost: another process took it over"
	if res.err != nil || out.State != state.Failed || out.Stage != "marking" || !strings.Contains(out.Message, want) ||
		!strings.Contains(out.Message, "packuilon retry") {
		t.Fatalf("build ended %s at %q: %q (%v); want failed at marking with %q", out.State, out.Stage, out.Message, res.err, want)
	}
	if tested.Load() {
		t.Error("the build went on to the testing stage after losing its claim")
	}
	if c, found, err := st.ClaimOf(ctx, key); err != nil || !found || c.Holder.Owner != taker.Owner {
		t.Errorf("after the build the claim is %+v (found %v, %v), want the taker's", c, found, err)
	}
	if r, err := st.Retry(ctx, rec.ID); err != nil || r.State != state.Queued || r.Stage != "marking" {
		t.Errorf("retry: %v (%s at %q)", err, r.State, r.Stage)
	}
}
