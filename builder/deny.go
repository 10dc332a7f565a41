package builder

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/packuilon/packuilon/internal/config"
	"github.com/packuilon/packuilon/internal/notify"
	"github.com/packuilon/packuilon/internal/state"
)

// denyClaimWait is how long Deny waits for the claim on the build's image keys (a build of
// the same key may be promoting).
const denyClaimWait = 2 * time.Minute

// Deny ends a build awaiting approval as denied (packuilon deny, the status page) and deals
// with its candidates as with rejected ones: BROKEN_ACTION marks them Broken-<name>-<date>,
// private, or deletes them. It holds the claim on the build's image keys meanwhile, and
// queues build.denied. The record is denied even if Glance cannot be reached; the error then
// says which candidates are left.
func Deny(ctx context.Context, cfg *config.Config, st *state.Store, id, who, reason string, log hclog.Logger) (state.Record, error) {
	rec, err := st.Deny(ctx, id, who, reason)
	if err != nil {
		return rec, err
	}
	return rec, denied(ctx, cfg, st, rec, who, reason, log)
}

// denied deals with the candidates of rec, just denied by who, and queues build.denied.
func denied(ctx context.Context, cfg *config.Config, st *state.Store, rec state.Record, who, reason string, log hclog.Logger) error {
	b := &Build{ID: rec.ID, Request: rec.Request, Attempt: rec.Attempt, Config: cfg, LogPath: rec.LogPath,
		Log: log.With("build_id", rec.ID, "image_key", rec.ImageKey)}
	if len(rec.Artifacts) > 0 {
		if err := json.Unmarshal(rec.Artifacts, &b.Artifacts); err != nil {
			return fmt.Errorf("build %s: artifacts: %w", rec.ID, err)
		}
	}
	for i := range b.Artifacts {
		b.Artifacts[i].Rejected = !b.Artifacts[i].Promoted
	}
	rerr := rejectHolding(ctx, st, b, errors.New("denied by "+who+": "+reason))
	if arts, err := json.Marshal(b.Artifacts); err == nil {
		st.Progress(context.WithoutCancel(ctx), b.ID, arts, b.LogPath, "")
	}
	if err := notify.Queue(context.WithoutCancel(ctx), st, cfg.Notify, BuildEvent(config.EventBuildDenied, rec, b, cfg.Promote)); err != nil {
		log.Error("cannot queue a notification", "build_id", rec.ID, "error", err)
	}
	if rerr != nil {
		return fmt.Errorf("build %s denied, but its candidates are not all marked: %w", rec.ID, rerr)
	}
	return nil
}

// rejectHolding rejects b's candidates holding the claim on its keys.
func rejectHolding(ctx context.Context, st *state.Store, b *Build, reason error) error {
	keys := []string{b.Request.ImageKey}
	for _, a := range b.Artifacts {
		keys = append(keys, a.Key)
	}
	slices.Sort(keys)
	h := state.NewHolder("deny", "deny "+b.ID)
	for _, k := range slices.Compact(keys) {
		l, err := state.Hold(ctx, st, k, h, denyClaimWait, nil)
		if err != nil {
			return fmt.Errorf("claim %s: %w", k, err)
		}
		defer l.Release(context.WithoutCancel(ctx))
		b.leases = append(b.leases, l)
	}
	// The marking stops if a claim is lost (another process took the key over).
	rctx, unbind := b.underClaims(ctx)
	defer unbind()
	err := (&PromoteStage{}).Reject(rctx, b, reason)
	if lost := b.lostLease(); lost != nil {
		return lost
	}
	return err
}
