package builder

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/packuilon/packuilon/internal/config"
	"github.com/packuilon/packuilon/internal/state"
)

// TestBuildFailsWhenItsClaimIsLost: a build in a claimed stage whose claim another process
// takes over (the builder's renewals stopped for longer than the TTL, here by expiring its
// claim in the store) stops that stage, ends failed at it saying the claim was lost (not
// cancelled, not interrupted), never runs the next stage, leaves the new holder's claim in
// place, and can be retried.
func TestBuildFailsWhenItsClaimIsLost(t *testing.T) {
	ctx := context.Background()
	st, rec := startedBuild(t, "claimlost")
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
	select {
	case <-marking:
	case <-time.After(time.Minute):
		t.Fatal("the marking stage did not start")
	}
	// The builder's claim expires (as after a whole TTL without renewal) and another process
	// takes the key; a renewal in between makes it live again, so try until it is taken.
	taker := state.NewHolder("promote", "promote")
	for deadline := time.Now().Add(time.Minute); ; {
		if err := st.TryClaim(ctx, key, p.Holder, -time.Second); err != nil {
			t.Fatal(err)
		}
		err := st.TryClaim(ctx, key, taker, time.Hour)
		if err == nil {
			break
		}
		if !errors.Is(err, state.ErrClaimed) || time.Now().After(deadline) {
			t.Fatalf("take over: %v", err)
		}
	}
	var res result
	select {
	case res = <-done: // at the lease's next renewal (every state.ClaimTTL/3)
	case <-time.After(3 * time.Minute):
		t.Fatal("the build did not end")
	}
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
