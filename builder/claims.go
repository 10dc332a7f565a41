package builder

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/packuilon/packuilon/internal/state"
)

// claimStages are the stages that change a build's image keys in Glance (or boot their
// candidates): before the first of them the pipeline takes the claim on every key of the
// build (the request's image key and each template's packuilon key), shared with packuilon promote, rollback and smoke, and keeps it until the build ends
// (rejection and cleanup included). Render and packer only make a new image, which no one
// else touches, so a hand-run command does not wait for a long packer run.
var claimStages = []string{"marking", "testing", state.PromotingStage}

// claimWaitLog is how often a build waiting for a claim says so again.
const claimWaitLog = time.Minute

// claimKeys takes the claims on the build's artifact keys, in order (two builds never hold
// one key each and wait for the other's). It waits while a command holds one, until ctx is
// done. It returns the leases to release when the build ends.
func (p *Pipeline) claimKeys(ctx context.Context, b *Build) ([]*state.Lease, error) {
	if p.Claims == nil {
		return nil, nil
	}
	// The request's image key too: packuilon smoke claims that one (it is the key its --key
	// names), promote and rollback the packuilon key of one template.
	keys := []string{b.Request.ImageKey}
	for _, a := range b.Artifacts {
		keys = append(keys, a.Key)
	}
	slices.Sort(keys)
	keys = slices.Compact(keys)
	h := p.Holder
	h.Purpose = "build " + b.ID
	var leases []*state.Lease
	for _, k := range keys {
		for {
			l, err := state.Hold(ctx, p.Claims, k, h, claimWaitLog, func(err error) {
				b.Log.Warn("waiting for the claim on an image key", "image_key", k, "error", err)
			})
			if err == nil {
				leases = append(leases, l)
				break
			}
			if ctx.Err() == nil && isClaimed(err) {
				continue // still held: keep waiting, and say so again
			}
			p.release(b, leases)
			return nil, fmt.Errorf("claim %s: %w", k, err)
		}
	}
	return leases, nil
}

// underClaims returns ctx cancelled, with the lease's state.ClaimLostError as its cause, as
// soon as a claim of the build is lost: the work on the build's keys in Glance (its stages,
// rejection, clean-up) stops beside a process that took a key over. Without claims it is ctx.
func (b *Build) underClaims(ctx context.Context) (context.Context, context.CancelFunc) {
	return state.WithLeases(ctx, b.leases...)
}

// claimLost is why the build must stop once one of its claims is lost (nil while all are held):
// another process may be changing the key in Glance, so the build fails at the stage it is in
// (not cancelled, not interrupted) and a retry resumes it there.
func (b *Build) claimLost() error {
	if err := b.lostLease(); err != nil {
		return fmt.Errorf("%w; the build stopped at this stage so as not to work on the key beside it: retry it with packuilon retry once that process is done", err)
	}
	return nil
}

// lostLease is the state.ClaimLostError of the first of b's claims that is lost, or nil.
func (b *Build) lostLease() error {
	for _, l := range b.leases {
		if err := l.Err(); err != nil {
			return err
		}
	}
	return nil
}

func isClaimed(err error) bool { return err != nil && errors.Is(err, state.ErrClaimed) }

// release gives the build's claims up; it runs even when the daemon is stopping.
func (p *Pipeline) release(b *Build, leases []*state.Lease) {
	for _, l := range leases {
		if err := l.Release(context.Background()); err != nil {
			b.Log.Warn("cannot release the claim on an image key", "image_key", l.Key(), "error", err)
		}
	}
}

// builderOwner prefixes the claims of the process that holds the store's daemon lock.
const builderOwner = "builder"

// newPipeline returns the pipeline of the process that holds the store's daemon lock. On
// SQLite the claims a previous holder left (killed before it could release them) are dropped:
// that process is gone, and its builds are resumed by this one. A shared PostgreSQL store has
// no daemon lock and other builders may be running: their claims stay, and a dead builder's
// lapse as any holder's do (at once on its own host, else after state.ClaimTTL). The smoke
// stage's reaper reads the store.
func newPipeline(ctx context.Context, st *state.Store, stages []Stage, rejecter Rejecter) (*Pipeline, error) {
	if st.Backend() != "postgres" {
		if err := st.ReleaseOwnerPrefix(ctx, builderOwner+" "); err != nil {
			return nil, err
		}
	}
	for _, s := range stages {
		if ss, ok := s.(*SmokeStage); ok {
			ss.Builds = st.BuildRunning
		}
	}
	return &Pipeline{Stages: stages, Rejecter: rejecter, Store: st, Claims: st, Holder: state.NewHolder(builderOwner, "")}, nil
}
