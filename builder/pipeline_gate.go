package builder

import (
	"context"
	"errors"
	"fmt"

	"github.com/packuilon/packuilon/internal/config"
	"github.com/packuilon/packuilon/internal/state"
)

// cancelRequest is the cause of a build context cancelled by `packuilon cancel`, as opposed
// to the daemon stopping (which leaves the build to resume).
type cancelRequest struct{ who string }

func (c cancelRequest) Error() string { return "cancelled by " + c.who }

// cancelledBy reports whether ctx was cancelled on request, and by whom.
func cancelledBy(ctx context.Context) (string, bool) {
	var c cancelRequest
	if ctx.Err() != nil && errors.As(context.Cause(ctx), &c) {
		return c.who, true
	}
	return "", false
}

// park leaves a build awaiting approval: older builds of the key that waited are superseded,
// and staff are told (build.awaiting_approval, with the approve and deny commands).
func (p *Pipeline) park(ctx context.Context, b *Build) (state.Record, error) {
	wctx := context.WithoutCancel(ctx)
	superseded, err := p.Store.Await(wctx, b.ID)
	if err != nil {
		return state.Record{}, err
	}
	for _, id := range superseded {
		b.Log.Info("an older build awaiting approval is superseded by this one", "superseded", id)
	}
	rec, err := p.Store.Get(wctx, b.ID)
	if err == nil {
		p.ended(ctx, rec, b, config.EventAwaitingApproval)
	}
	return rec, err
}

// cancelled ends a build stopped by `packuilon cancel`: cancelled at its stage, so `retry`
// resumes it there. The stages' cleanup runs after it (Pipeline.Run's deferred cleanup).
func (p *Pipeline) cancelled(ctx context.Context, b *Build, s Stage, who string) (state.Record, error) {
	msg := fmt.Sprintf("cancelled by %s at stage %s", who, s.Name())
	b.Log.Warn("build cancelled", "stage", s.Name(), "by", who)
	rec, err := p.Store.Cancelled(context.WithoutCancel(ctx), b.ID, msg)
	if err == nil {
		p.ended(ctx, rec, b, config.EventBuildCancelled)
	}
	return rec, err
}
