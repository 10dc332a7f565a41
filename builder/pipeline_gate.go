package builder

import (
	"context"
	"encoding/json"
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
		b.Log.Info("an older build awaiting approval is superseded by this one; its candidates are rejected", "superseded", id)
		if err := p.rejectSuperseded(wctx, b, id); err != nil {
			b.Log.Error("cannot reject the candidates of a superseded build", "superseded", id, "error", err)
		}
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

// rejectSuperseded handles the candidates of an older build that waited for approval and was
// superseded by b as rejected ones (BROKEN_ACTION): no one will approve them now. It runs under
// b's claims, which cover the same image key.
func (p *Pipeline) rejectSuperseded(ctx context.Context, b *Build, id string) error {
	if p.Rejecter == nil {
		return nil
	}
	rec, err := p.Store.Get(ctx, id)
	if err != nil {
		return err
	}
	old := &Build{ID: rec.ID, Request: rec.Request, Attempt: rec.Attempt, Config: b.Config, LogPath: rec.LogPath,
		Log: b.Log.With("superseded", rec.ID)}
	if len(rec.Artifacts) > 0 {
		if err := json.Unmarshal(rec.Artifacts, &old.Artifacts); err != nil {
			return fmt.Errorf("build %s: artifacts: %w", id, err)
		}
	}
	for i := range old.Artifacts {
		old.Artifacts[i].Rejected = !old.Artifacts[i].Promoted
	}
	rctx, unbind := b.underClaims(ctx)
	rerr := p.Rejecter.Reject(rctx, old, fmt.Errorf("superseded by build %s before approval", b.ID))
	unbind()
	if err := save(ctx, storeWriter{p.Store, old.ID}, old); err != nil { // an ended build: no lease
		return err
	}
	return rerr
}
