package builder

import (
	"context"
	"fmt"

	"github.com/packuilon/packuilon/internal/config"
	"github.com/packuilon/packuilon/internal/procgroup"
	"github.com/packuilon/packuilon/internal/state"
)

// endPredecessor makes sure no packer of an earlier run of the build still runs before this
// run starts. A builder that was killed (SIGKILL, OOM, a crash) cannot stop its packer: the
// kernel only sends packer's parent SIGTERM (Pdeathsig), which makes packer cancel, and its
// provisioners may run on. The process group packer ran in is recorded with the build; if
// any process of it is alive it is given KILL_GRACE to end (packer deleting its temporary
// server), then the group is killed. Only then does the build resume, so two runs of one
// build never overlap. A build's first attempt has no earlier run: the store is not asked.
func (p *Pipeline) endPredecessor(ctx context.Context, b *Build) error {
	if b.Attempt == 1 {
		return nil // every claim (and Start) counts an attempt before the run records a group
	}
	g, found, err := p.Store.ProcessGroup(ctx, b.ID)
	if err != nil || !found {
		return err
	}
	pids, err := g.Members()
	if err != nil {
		return fmt.Errorf("build %s: look for its previous packer: %w", b.ID, err)
	}
	if len(pids) > 0 {
		grace := b.Config.Builder.KillGrace
		b.Log.Warn("packer of an earlier run of this build still runs; waiting for it to end before resuming",
			"pgid", g.ID, "processes", len(pids), "duration", grace)
		killed, err := g.Reap(ctx, grace)
		if err != nil {
			return fmt.Errorf("build %s: end its previous packer (%s): %w", b.ID, g, err)
		}
		b.Log.Warn("packer of an earlier run has ended", "pgid", g.ID, "killed", killed)
	}
	return p.Store.ClearProcessGroup(ctx, b.ID)
}

// recordGroup is the packer runner's Group callback for b: the group goes into the store
// before packer does anything that matters.
func (p *Pipeline) recordGroup(b *Build) func(procgroup.Group) {
	return func(g procgroup.Group) {
		if err := p.Store.SetProcessGroup(context.Background(), b.ID, g); err != nil {
			b.Log.Error("cannot record packer's process group; a crash now could leave it running", "error", err)
		}
		step("group-recorded")
	}
}

// cannotResume ends a build whose predecessor's packer could not be ended: resuming beside it
// would run the build twice. `packuilon retry` resumes it once the processes are gone.
func (p *Pipeline) cannotResume(ctx context.Context, b *Build, stage string, err error) (state.Record, error) {
	b.Log.Error("build failed", "stage", stage, "error", err)
	out, ferr := p.Store.Finish(context.WithoutCancel(ctx), b.ID, state.Failed, config.AsWritten("cannot resume: "+err.Error()), asWritten(err))
	if ferr == nil {
		p.ended(ctx, out, b, config.EventBuildFailed)
	}
	return out, ferr
}
