package builder

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/packuilon/packuilon/internal/config"
	"github.com/packuilon/packuilon/internal/state"
)

// cleanupTimeout bounds the Cleaners of a finished build; they run even when the daemon is
// stopping, so they must not hang it.
const cleanupTimeout = 2 * time.Minute

// Pipeline runs a build's stages in order and journals every transition in the store.
type Pipeline struct {
	Stages   []Stage
	Rejecter Rejecter
	Store    *state.Store
	// Observer, if set, hears of every stage's and build's end (notifications, metrics).
	Observer Observer
	// Claims, when set, are the per-image-key claims the build takes before its Glance stages
	// (claimStages), as Holder.
	Claims state.Claims
	Holder state.Holder
}

// errInterrupted means the build stopped because the daemon is stopping; it stays resumable.
var errInterrupted = errors.New("build interrupted")

// Run runs the build of rec from its recorded stage (the first for a new build) to the end.
// The order matters for crash safety: the transition into a stage is committed before the
// stage runs (or, for the packer stage, before it writes anything: see entryOverlapper), and
// what the stage produced is committed before the next transition, so after a crash the build
// resumes at the stage that was running, with everything earlier intact.
//
// When ctx is done (the daemon is stopping) the record is left in its stage and Run returns
// errInterrupted: the next daemon resumes it. Any other stage error ends the build failed at
// that stage.
func (p *Pipeline) Run(ctx context.Context, rec state.Record, cfg *config.Config, log hclog.Logger) (state.Record, error) {
	return p.run(ctx, storeWriter{p.Store, rec.ID}, rec, cfg, log)
}

// RunLeased is Run with every write of the build made under its lease: once another builder
// took the build over, the writes fail with state.ErrFenced and the build stops.
func (p *Pipeline) RunLeased(ctx context.Context, l *state.BuildLease, rec state.Record, cfg *config.Config, log hclog.Logger) (state.Record, error) {
	return p.run(ctx, l, rec, cfg, log)
}

// buildWriter records a build's progress: a *state.BuildLease, or storeWriter without one.
type buildWriter interface {
	Transition(ctx context.Context, st state.State, stage string) (state.Record, error)
	Progress(ctx context.Context, artifacts json.RawMessage, logPath, fingerprint string) error
	Advance(ctx context.Context, artifacts json.RawMessage, logPath, fingerprint string, st state.State, stage string) (state.Record, error)
	Finish(ctx context.Context, st state.State, msg string, cause error) (state.Record, error)
}

// storeWriter writes one build straight to the store.
type storeWriter struct {
	s  *state.Store
	id string
}

func (w storeWriter) Transition(ctx context.Context, st state.State, stage string) (state.Record, error) {
	return w.s.Transition(ctx, w.id, st, stage)
}

func (w storeWriter) Progress(ctx context.Context, artifacts json.RawMessage, logPath, fingerprint string) error {
	return w.s.Progress(ctx, w.id, artifacts, logPath, fingerprint)
}

func (w storeWriter) Advance(ctx context.Context, artifacts json.RawMessage, logPath, fingerprint string, st state.State, stage string) (state.Record, error) {
	return w.s.Advance(ctx, w.id, artifacts, logPath, fingerprint, st, stage)
}

func (w storeWriter) Finish(ctx context.Context, st state.State, msg string, cause error) (state.Record, error) {
	return w.s.Finish(ctx, w.id, st, msg, cause)
}

func (p *Pipeline) run(ctx context.Context, w buildWriter, rec state.Record, cfg *config.Config, log hclog.Logger) (state.Record, error) {
	b := &Build{ID: rec.ID, Request: rec.Request, Attempt: rec.Attempt, Config: cfg, LogPath: rec.LogPath, Fingerprint: rec.Fingerprint}
	b.Log = log.With("build_id", rec.ID, "image_key", rec.ImageKey)
	if len(rec.Artifacts) > 0 {
		if err := json.Unmarshal(rec.Artifacts, &b.Artifacts); err != nil {
			return rec, fmt.Errorf("build %s: artifacts: %w", rec.ID, err)
		}
	}
	b.Checkpoint = func(ctx context.Context) error {
		if err := b.entry.wait(); err != nil { // the stage's transition first
			return err
		}
		return save(ctx, w, b)
	}
	b.ProcessGroup = p.recordGroup(b)
	b.began = time.Now()
	if err := p.endPredecessor(ctx, b); err != nil {
		if ctx.Err() != nil {
			return rec, errInterrupted
		}
		return p.cannotResume(ctx, b, rec.Stage, err)
	}
	step("predecessor-checked")
	defer p.Store.ClearProcessGroup(context.WithoutCancel(ctx), b.ID)
	defer func() { p.release(b, b.leases) }() // after the cleanup below: rejection and cleanup are Glance work too
	first := resumeAt(p.Stages, rec.Stage, b)
	var ran []Stage
	defer func() { p.cleanup(ctx, b, ran) }()
	// unsaved: the stage that just succeeded (prev) has not saved what it produced; it is saved
	// with the next transition, in one transaction (or on its own before a claim or the end).
	unsaved := false
	var prev Stage
	// saveFailed ends the run when saving prev's results failed, as a failed save right after
	// the stage always did: fenced, it stops (another builder resumes the build at its
	// recorded stage); otherwise the build fails at prev.
	saveFailed := func(err error) (state.Record, error) {
		if errors.Is(err, state.ErrFenced) {
			ran = nil
			b.Log.Warn("build taken over by another builder; stopping", "stage", prev.Name(), "error", err)
			return rec, err
		}
		return p.fail(ctx, w, b, prev, err)
	}
	for _, s := range p.Stages[first:] {
		if b.leases == nil && slices.Contains(claimStages, s.Name()) {
			if unsaved {
				if err := save(context.WithoutCancel(ctx), w, b); err != nil {
					return saveFailed(err)
				}
				unsaved = false
			}
			var err error
			if b.leases, err = p.claimKeys(ctx, b); err != nil {
				if who, ok := cancelledBy(ctx); ok {
					return p.cancelled(ctx, b, s, who)
				}
				if ctx.Err() != nil {
					ran = nil
					return rec, errInterrupted
				}
				return p.fail(ctx, w, b, s, err)
			}
		}
		// A new build's claim moved it into its first stage already (one commit for both).
		entryUnsaved := unsaved
		claimed := entered(w) == s.Name() && len(ran) == 0 && s.Name() == rec.Stage
		if _, ok := s.(entryOverlapper); ok && !claimed {
			b.entry = p.enterLater(context.WithoutCancel(ctx), w, b, s, unsaved)
		} else if !claimed {
			if err := p.enter(context.WithoutCancel(ctx), w, b, s, unsaved); err != nil {
				if unsaved {
					return saveFailed(err)
				}
				return rec, err
			}
		}
		unsaved = false
		step("transition-" + s.Name())
		if err := b.claimLost(); err != nil && ctx.Err() == nil { // lost between stages
			b.entry.wait() // its error is the Finish's too
			return p.fail(ctx, w, b, s, err)
		}
		b.Log.Info("stage started", "stage", s.Name(), "attempts", b.Attempt)
		ran = append(ran, s)
		began := time.Now()
		sctx, unbind := b.underClaims(ctx)
		err := s.Run(sctx, b)
		unbind()
		if eerr := b.entry.wait(); eerr != nil { // not entered: as if the transition failed before s ran
			ran = ran[:len(ran)-1]
			if entryUnsaved {
				return saveFailed(eerr)
			}
			return rec, eerr
		}
		b.entry = nil
		if lost := b.claimLost(); lost != nil && ctx.Err() == nil {
			// Whatever the stage did, another process may have worked on the key meanwhile:
			// the build fails here, and a retry runs the stage again.
			err = lost
		}
		if p.Observer != nil {
			p.Observer.StageEnded(b, s.Name(), time.Since(began), err)
		}
		if err == nil {
			step("ran-" + s.Name())
			unsaved, prev = true, s
			continue
		}
		if serr := save(context.WithoutCancel(ctx), w, b); serr != nil && errors.Is(serr, state.ErrFenced) {
			err = serr
		}
		if errors.Is(err, state.ErrFenced) {
			ran = nil // another builder resumes it at this stage
			b.Log.Warn("build taken over by another builder; stopping", "stage", s.Name(), "error", err)
			return rec, err
		}
		if err != nil {
			if errors.Is(err, ErrAwaitingApproval) {
				ran = nil // no cleanup: the candidates wait for staff
				return p.park(ctx, b)
			}
			if who, ok := cancelledBy(ctx); ok {
				return p.cancelled(ctx, b, s, who) // the cleanup runs
			}
			if ctx.Err() != nil {
				ran = nil // no cleanup: the build resumes at this stage
				b.Log.Warn("build interrupted; it resumes at its stage on the next start", "stage", s.Name())
				return rec, errInterrupted
			}
			return p.fail(ctx, w, b, s, err)
		}
	}
	if unsaved {
		if err := save(context.WithoutCancel(ctx), w, b); err != nil {
			return saveFailed(err)
		}
	}
	out, err := w.Finish(context.WithoutCancel(ctx), state.Succeeded, "built "+artifactSummary(b.Artifacts), nil)
	if err == nil {
		b.Log.Info("build succeeded", "image_id", artifactSummary(b.Artifacts))
		p.ended(ctx, out, b, config.EventBuildSucceeded)
	}
	return out, err
}

// entered is the stage the build's claim moved it into ("" for none; see
// state.Store.ClaimBuildInto).
func entered(w buildWriter) string {
	if l, ok := w.(interface{ Entered() string }); ok {
		return l.Entered()
	}
	return ""
}

// ended tells the Observer how a build ended.
func (p *Pipeline) ended(ctx context.Context, rec state.Record, b *Build, event string) {
	if p.Observer != nil {
		p.Observer.BuildEnded(context.WithoutCancel(ctx), rec, b, event)
	}
}

func (p *Pipeline) fail(ctx context.Context, w buildWriter, b *Build, s Stage, err error) (state.Record, error) {
	if errors.Is(err, ErrImageRejected) && p.Rejecter != nil {
		rctx, unbind := b.underClaims(context.WithoutCancel(ctx))
		defer unbind()
		if rerr := p.Rejecter.Reject(rctx, b, err); rerr != nil {
			b.Log.Error("cannot mark the rejected image", "stage", s.Name(), "error", rerr)
		}
	}
	// The message is shown by status, show, the page and mails: what %(name)s references of the
	// configuration brought into it (a path in an error) is shown as written.
	msg := config.AsWritten(fmt.Sprintf("stage %s failed: %v", s.Name(), err))
	b.Log.Error("build failed", "stage", s.Name(), "error", err)
	out, ferr := w.Finish(context.WithoutCancel(ctx), state.Failed, msg, asWritten(err))
	if ferr == nil {
		ev := config.EventBuildFailed
		if errors.Is(err, ErrImageRejected) {
			ev = config.EventBuildRejected
		}
		p.ended(ctx, out, b, ev)
	}
	return out, ferr
}

// save writes the build's artifacts and log path into its record.
func save(ctx context.Context, w buildWriter, b *Build) error {
	arts, err := artifactsJSON(b)
	if err != nil {
		return fmt.Errorf("save build %s: %w", b.ID, err)
	}
	return w.Progress(ctx, arts, b.LogPath, b.Fingerprint)
}

// resumeAt is the index of the stage a build resumes at: its recorded stage, or the render
// stage when a build file it still needs is missing on this host or is not valid JSON (the
// render stage does not wait for the disk: a crash of the machine may leave a file empty or
// cut short). Build files are local to a host, so a build taken over from another builder host
// is rendered again here (from this host's templates, which must be the same).
func resumeAt(stages []Stage, stage string, b *Build) int {
	first, render := 0, -1
	for i, s := range stages {
		if s.Name() == stage {
			first = i
		}
		if s.Name() == "render" {
			render = i
		}
	}
	if render < 0 || first <= render {
		return first
	}
	for _, a := range b.Artifacts {
		if a.ImageID != "" || a.BuildFile == "" {
			continue
		}
		data, err := os.ReadFile(a.BuildFile)
		if err != nil {
			b.Log.Warn("a build file is not on this host; rendering the build again", "build_file", a.BuildFile, "stage", stage)
			return render
		}
		if !json.Valid(data) {
			b.Log.Warn("a build file is cut short (a crash of the machine); rendering the build again", "build_file", a.BuildFile, "stage", stage)
			return render
		}
	}
	return first
}

// cleanup runs the Cleaners of the stages that ran, in reverse order.
func (p *Pipeline) cleanup(ctx context.Context, b *Build, ran []Stage) {
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer cancel()
	cctx, unbind := b.underClaims(cctx) // the Cleaners rename the build's images in Glance
	defer unbind()
	for i := len(ran) - 1; i >= 0; i-- {
		if c, ok := ran[i].(Cleaner); ok {
			c.Cleanup(cctx, b)
		}
	}
}

func artifactSummary(as []Artifact) string {
	s := ""
	for i, a := range as {
		if i > 0 {
			s += ", "
		}
		s += a.Key + "=" + a.ImageID
	}
	return s
}
