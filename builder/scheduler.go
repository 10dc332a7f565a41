package builder

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/packuilon/packuilon/internal/config"
	"github.com/packuilon/packuilon/internal/event"
	"github.com/packuilon/packuilon/internal/retry"
	"github.com/packuilon/packuilon/internal/state"
	"github.com/packuilon/packuilon/templates"
)

// pollInterval is how often the scheduler looks at the store without being woken: the CLI's
// retry writes to the store from another process and cannot wake the daemon directly.
const pollInterval = time.Second

// scheduler takes queued builds from the store and runs them: at most THREAD_COUNT at once
// here, and one per image key across every builder of the store. The first limit is checked
// under one mutex; the second is the store's: a build runs only under its key's lease (Claim),
// renewed by a heartbeat while it runs.
type scheduler struct {
	store    *state.Store
	owner    state.Owner
	pipeline *Pipeline
	cfg      *atomic.Pointer[config.Config]
	sets     *atomic.Pointer[templates.Set]
	log      hclog.Logger
	wake     chan struct{}
	// queued wakes the scheduler for the builds intake recorded (handed): a dispatch round of
	// those alone, without reading the queue or the cancel requests, which a new request
	// changes nothing about.
	queued chan struct{}

	mu   sync.Mutex
	busy map[string]bool
	// cancels stops a running build on `packuilon cancel` (see watchCancels).
	cancels map[string]context.CancelCauseFunc
	// elsewhere holds keys whose lease another builder held at the last claim, until the next
	// tick: the queue is not re-read for them on every wake-up.
	elsewhere map[string]bool
	running   int
	// handed are the builds intake recorded since the last dispatch round (handOver).
	handed []state.Waiting
	// ctx and buildCtx are run's, once it runs: intake starts the builds it claimed under them.
	ctx, buildCtx context.Context
	wg            sync.WaitGroup
	// reapOut and queueOut follow the store's outages as every tick and wake-up reads it: one
	// line when an outage starts (or its error changes) and one when it ends, not one a tick.
	reapOut, queueOut *retry.Outage
}

func newScheduler(st *state.Store, p *Pipeline, cfg *atomic.Pointer[config.Config], sets *atomic.Pointer[templates.Set], log hclog.Logger) *scheduler {
	return &scheduler{store: st, owner: state.NewOwner(), pipeline: p, cfg: cfg, sets: sets, log: log,
		wake: make(chan struct{}, 1), queued: make(chan struct{}, 1), busy: map[string]bool{}, elsewhere: map[string]bool{},
		cancels:  map[string]context.CancelCauseFunc{},
		reapOut:  retry.LogOutage(log, hclog.Error, "cannot take back expired leases", "taking back expired leases again", "failed_reads"),
		queueOut: retry.LogOutage(log, hclog.Error, "cannot read the queue of builds", "reading the queue of builds again", "failed_reads")}
}

// poke asks for a dispatch round soon (after a finished build, or an action on the page).
func (s *scheduler) poke() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// run dispatches until ctx is done. Builds run under buildCtx, which outlives ctx by the stop
// grace: stopping intake and stopping builds are separate decisions.
//
// Every tick also takes back expired leases (builds whose builder died or was cut off), so a
// build is resumed within LEASE_TIMEOUT plus one tick of its last heartbeat; the tick is at
// most one heartbeat.
func (s *scheduler) run(ctx, buildCtx context.Context) {
	s.mu.Lock()
	s.ctx, s.buildCtx = ctx, buildCtx
	s.mu.Unlock()
	t := time.NewTicker(min(pollInterval, s.cfg.Load().Builder.Heartbeat()))
	defer t.Stop()
	cancels := true // whether this round reads the cancel requests
	handed := false // whether this round starts only the builds intake handed over
	for {
		if cancels {
			s.watchCancels(ctx)
		}
		if handed {
			s.dispatchHanded(ctx, buildCtx)
		} else {
			s.dispatch(ctx, buildCtx)
		}
		handed = false
		select {
		case <-ctx.Done():
			return
		case <-s.wake:
			cancels = true
		case <-s.queued:
			cancels, handed = false, true
		case <-t.C:
			s.reap(ctx)
			cancels = true
		}
	}
}

// reap requeues the builds of expired leases and forgets which keys were busy elsewhere.
func (s *scheduler) reap(ctx context.Context) {
	s.mu.Lock()
	clear(s.elsewhere)
	s.mu.Unlock()
	ids, err := s.store.ReapExpired(ctx)
	switch {
	case err == nil:
		s.reapOut.OK()
	case ctx.Err() == nil:
		s.reapOut.Fail(0, err, 0)
	}
	for _, id := range ids {
		s.log.Warn("resuming a build whose builder stopped renewing its lease", "build_id", id)
	}
}

// dispatch starts what may start now, oldest request first.
func (s *scheduler) dispatch(ctx, buildCtx context.Context) {
	step("woken")
	s.mu.Lock()
	s.handed = nil // the queue has them, if they still wait
	s.mu.Unlock()
	queued, err := s.store.QueuedWithLast(ctx)
	if err != nil {
		if ctx.Err() == nil {
			s.queueOut.Fail(0, err, 0)
		}
		return
	}
	s.queueOut.OK()
	s.startAll(ctx, buildCtx, queued)
}

// startAll starts each of queued (oldest first) that may start now: its key is not busy here
// or elsewhere, and a slot is free.
func (s *scheduler) startAll(ctx, buildCtx context.Context, queued []state.Waiting) {
	step("queue-read")
	cfg, held := s.heldConfig()
	defer held()
	for _, w := range queued {
		if ctx.Err() != nil {
			return
		}
		s.mu.Lock()
		if s.busy[w.ImageKey] || s.elsewhere[w.ImageKey] {
			s.mu.Unlock()
			continue
		}
		if s.running >= cfg.Builder.ThreadCount {
			s.mu.Unlock()
			return
		}
		s.busy[w.ImageKey] = true
		s.running++
		s.mu.Unlock()
		s.wg.Add(1)
		release := cfg.Hold() // the build may log cfg's paths after reloads replaced it (held since heldConfig: no gap)
		go func() {
			defer release()
			s.start(ctx, buildCtx, w, cfg)
		}()
	}
}

// heldConfig returns the running configuration, held (Config.Hold) until release: a reload
// stores its configuration before it calls Replaces, so one still running after the hold was
// taken cannot have been forgotten between the read and the hold.
func (s *scheduler) heldConfig() (cfg *config.Config, release func()) {
	cfg = s.cfg.Load()
	for {
		release = cfg.Hold()
		now := s.cfg.Load()
		if now == cfg {
			return cfg, release
		}
		release()
		cfg = now
	}
}

// start decides whether a queued build runs, is skipped, and runs it.
func (s *scheduler) start(ctx, buildCtx context.Context, w state.Waiting, cfg *config.Config) {
	rec := w.Record
	elsewhere := false
	key := rec.ImageKey // rec is replaced by the claimed record (zero when the claim fails)
	defer func() {
		s.free(key, elsewhere)
		s.wg.Done()
	}()
	log := s.log.With("build_id", rec.ID, "image_key", rec.ImageKey)
	fresh := rec.Stage == ""
	fp := ""
	if fresh {
		fp = s.fingerprint(rec.Request)
	}
	step("planned")
	// A new build with the same inputs as the key's current image is skipped. The last
	// success was read with the queue, before the claim, so that a build that runs is claimed
	// straight into its first stage (one commit for both); a success recorded in between only
	// means one redundant build, as if the request had come a moment earlier.
	skip := ""
	if fresh && fp != "" && !rec.Request.Force && w.LastSucceeded != "" && w.LastFingerprint == fp {
		skip = w.LastSucceeded
	}
	step("skip-checked")
	var first Stage
	if fresh && skip == "" && len(s.pipeline.Stages) > 0 {
		first = s.pipeline.Stages[0]
	}
	lease, rec, err := s.claim(ctx, rec.ID, cfg, fp, first)
	switch {
	case errors.Is(err, state.ErrNotQueued):
		return // superseded or finished since the queue was read
	case errors.Is(err, state.ErrKeyBusy):
		elsewhere = true // the key's build runs on another builder
		log.Debug("the image key is being built by another builder", "error", err)
		return
	case errors.Is(err, state.ErrOlderWaits):
		// Taken back or retried since the queue was read (or never read: a handed round). The
		// build stays queued, and free asks for a round that reads the queue, oldest first.
		log.Info("an older build of the image key waits to resume: it runs first", "error", err)
		return
	case err != nil:
		log.Error("cannot start the build", "error", err)
		return
	}
	step("claimed")
	if skip != "" { // same inputs as the current image: nothing to do
		if _, err := lease.Finish(ctx, state.Skipped, "same inputs as build "+skip, nil); err != nil {
			log.Error("cannot record the skip", "error", err)
		}
		log.Info("skipped: same fingerprint as the current image", "digest", rec.Request.ProfileDigest)
		return
	}
	s.runClaimed(buildCtx, lease, rec, cfg, log)
}

// free gives back the slot and the key of a build that ended or did not start; elsewhere: its
// key's lease is held by another builder, until the next tick.
func (s *scheduler) free(key string, elsewhere bool) {
	s.mu.Lock()
	delete(s.busy, key)
	if elsewhere {
		s.elsewhere[key] = true
	}
	s.running--
	s.mu.Unlock()
	if !elsewhere { // another builder's build ending does not wake this one
		s.poke()
	}
}

// fingerprint is the fingerprint of a new build of req from the current templates ("" when
// they cannot plan it: its render stage fails).
func (s *scheduler) fingerprint(req event.BuildRequest) string {
	if set := s.sets.Load(); set != nil {
		if plan, err := set.Plan(req); err == nil {
			return plan.Fingerprint
		}
	}
	return ""
}

// runClaimed runs a claimed build to its end (or interruption), cancellable by
// `packuilon cancel`, and prunes the key's old files once it ended.
func (s *scheduler) runClaimed(buildCtx context.Context, lease *state.BuildLease, rec state.Record, cfg *config.Config, log hclog.Logger) {
	bctx, stop := s.cancellable(buildCtx, rec.ID)
	defer stop()
	out, err := s.runLeased(bctx, lease, rec, cfg, log)
	if err != nil && err != errInterrupted {
		log.Error("build ended with a store error", "error", err)
	}
	if out.State.Terminal() {
		prune(context.WithoutCancel(buildCtx), s.store, cfg.Builder, rec.ImageKey, log)
	}
}

// claim takes the lease of build id, moving it into stage first when set (a new build).
func (s *scheduler) claim(ctx context.Context, id string, cfg *config.Config, fp string, first Stage) (*state.BuildLease, state.Record, error) {
	if first == nil {
		return s.store.ClaimBuild(ctx, id, s.owner, cfg.Builder.LeaseTimeout, fp)
	}
	return s.store.ClaimBuildInto(ctx, id, s.owner, cfg.Builder.LeaseTimeout, fp, stateFor(first.Name()), first.Name())
}

// runLeased runs the pipeline while a heartbeat renews the lease. A build that loses its lease
// stops (its context is cancelled) and is left to the builder that took it over. A build
// interrupted because this builder stops is handed back to the queue at once when the store
// is shared, for another builder to resume; with SQLite it stays at its stage for the next start.
func (s *scheduler) runLeased(ctx context.Context, lease *state.BuildLease, rec state.Record, cfg *config.Config, log hclog.Logger) (state.Record, error) {
	bctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var lost atomic.Bool
	hctx, stopHeartbeat := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() {
		defer close(done)
		keepLease(hctx, lease, cfg.Builder.LeaseTimeout, cfg.Builder.Heartbeat(), log, func() { lost.Store(true); cancel() })
	}()
	out, err := s.pipeline.RunLeased(bctx, lease, rec, cfg, s.log)
	stopHeartbeat()
	<-done
	if lost.Load() || errors.Is(err, state.ErrFenced) {
		return out, nil
	}
	wctx := context.WithoutCancel(ctx)
	switch {
	case err == errInterrupted && s.store.Backend() == "postgres":
		if _, rerr := lease.Requeue(wctx, "interrupted: the builder is stopping"); rerr != nil {
			log.Error("cannot hand the interrupted build back to the queue", "error", rerr)
		}
	case err == errInterrupted: // SQLite: it stays at its stage for this host's next start
	default:
		// Finished through the lease: already released (ErrFenced). Parked awaiting approval
		// or cancelled: released here, the key is free for its next build.
		if rerr := lease.Release(wctx); rerr != nil && !errors.Is(rerr, state.ErrFenced) {
			log.Error("cannot release the build's lease", "error", rerr)
		}
	}
	return out, err
}

// runOne runs rec in the calling goroutine with a slot of its own, accounted as dispatch
// accounts its builds (packuilon build, which has no dispatch loop).
func (s *scheduler) runOne(ctx context.Context, rec state.Record, cfg *config.Config) {
	w := state.Waiting{Record: rec}
	if last, ok, err := s.store.LastSucceeded(ctx, rec.ImageKey); err != nil {
		s.log.Error("cannot read the last build", "build_id", rec.ID, "image_key", rec.ImageKey, "error", err)
	} else if ok {
		w.LastSucceeded, w.LastFingerprint = last.ID, last.Fingerprint
	}
	s.mu.Lock()
	s.busy[rec.ImageKey] = true
	s.running++
	s.mu.Unlock()
	s.wg.Add(1)
	defer cfg.Hold()()
	s.start(ctx, ctx, w, cfg)
}

// wait blocks until every running build returned.
func (s *scheduler) wait() { s.wg.Wait() }
