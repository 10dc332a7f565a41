package builder

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/packuilon/packuilon/internal/config"
	"github.com/packuilon/packuilon/internal/state"
	"github.com/packuilon/packuilon/templates"
)

// pollInterval is how often the scheduler looks at the store without being woken: the CLI's
// retry writes to the store from another process and cannot wake the daemon directly.
const pollInterval = time.Second

// scheduler takes queued builds from the store and runs them: at most THREAD_COUNT at once
// and one per image key. It is the only place builds are started, so the two limits hold by
// construction (checked under one mutex).
type scheduler struct {
	store    *state.Store
	pipeline *Pipeline
	cfg      *atomic.Pointer[config.Config]
	sets     *atomic.Pointer[templates.Set]
	log      hclog.Logger
	wake     chan struct{}

	mu   sync.Mutex
	busy map[string]bool
	// cancels stops a running build on `packuilon cancel` (see watchCancels).
	cancels map[string]context.CancelCauseFunc
	running int
	wg      sync.WaitGroup
}

func newScheduler(st *state.Store, p *Pipeline, cfg *atomic.Pointer[config.Config], sets *atomic.Pointer[templates.Set], log hclog.Logger) *scheduler {
	return &scheduler{store: st, pipeline: p, cfg: cfg, sets: sets, log: log, wake: make(chan struct{}, 1), busy: map[string]bool{},
		cancels: map[string]context.CancelCauseFunc{}}
}

// poke asks for a dispatch round soon (after an intake or a finished build).
func (s *scheduler) poke() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// run dispatches until ctx is done. Builds run under buildCtx, which outlives ctx by the stop
// grace: stopping intake and stopping builds are separate decisions.
func (s *scheduler) run(ctx, buildCtx context.Context) {
	t := time.NewTicker(pollInterval)
	defer t.Stop()
	for {
		s.watchCancels(ctx)
		s.dispatch(ctx, buildCtx)
		select {
		case <-ctx.Done():
			return
		case <-s.wake:
		case <-t.C:
		}
	}
}

// dispatch starts what may start now, oldest request first.
func (s *scheduler) dispatch(ctx, buildCtx context.Context) {
	queued, err := s.store.Queued(ctx)
	if err != nil {
		if ctx.Err() == nil {
			s.log.Error("cannot read the queue of builds", "error", err)
		}
		return
	}
	cfg := s.cfg.Load()
	for _, rec := range queued {
		if ctx.Err() != nil {
			return
		}
		s.mu.Lock()
		if s.busy[rec.ImageKey] {
			s.mu.Unlock()
			continue
		}
		if s.running >= cfg.Builder.ThreadCount {
			s.mu.Unlock()
			return
		}
		s.busy[rec.ImageKey] = true
		s.running++
		s.mu.Unlock()
		s.wg.Add(1)
		go s.start(ctx, buildCtx, rec, cfg)
	}
}

// start decides whether a queued build runs, is skipped, and runs it.
func (s *scheduler) start(ctx, buildCtx context.Context, rec state.Record, cfg *config.Config) {
	defer func() {
		s.mu.Lock()
		delete(s.busy, rec.ImageKey)
		s.running--
		s.mu.Unlock()
		s.wg.Done()
		s.poke()
	}()
	log := s.log.With("build_id", rec.ID, "image_key", rec.ImageKey)
	fresh := rec.Stage == ""
	fp := ""
	if fresh {
		if set := s.sets.Load(); set != nil {
			if plan, err := set.Plan(rec.Request); err == nil {
				fp = plan.Fingerprint
			}
		}
	}
	rec, err := s.store.Start(ctx, rec.ID, fp)
	if errors.Is(err, state.ErrNotQueued) {
		return // superseded or finished since the queue was read
	}
	if err != nil {
		log.Error("cannot start the build", "error", err)
		return
	}
	if fresh && fp != "" && !rec.Request.Force { // same inputs as the current image: nothing to do
		last, ok, err := s.store.LastSucceeded(ctx, rec.ImageKey)
		if err != nil {
			log.Error("cannot read the last build", "error", err)
		}
		if ok && last.Fingerprint == fp {
			if _, err := s.store.Finish(ctx, rec.ID, state.Skipped, "same inputs as build "+last.ID, nil); err != nil {
				log.Error("cannot record the skip", "error", err)
			}
			log.Info("skipped: same fingerprint as the current image", "digest", rec.Request.ProfileDigest)
			return
		}
	}
	bctx, stop := s.cancellable(buildCtx, rec.ID)
	defer stop()
	out, err := s.pipeline.Run(bctx, rec, cfg, s.log)
	if err != nil && err != errInterrupted {
		log.Error("build ended with a store error", "error", err)
	}
	if out.State.Terminal() {
		prune(context.WithoutCancel(buildCtx), s.store, cfg.Builder, rec.ImageKey, log)
	}
}

// runOne runs rec in the calling goroutine with a slot of its own, accounted as dispatch
// accounts its builds (packuilon build, which has no dispatch loop).
func (s *scheduler) runOne(ctx context.Context, rec state.Record, cfg *config.Config) {
	s.mu.Lock()
	s.busy[rec.ImageKey] = true
	s.running++
	s.mu.Unlock()
	s.wg.Add(1)
	s.start(ctx, ctx, rec, cfg)
}

// wait blocks until every running build returned.
func (s *scheduler) wait() { s.wg.Wait() }
