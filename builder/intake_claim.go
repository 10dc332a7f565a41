package builder

import (
	"context"

	"github.com/packuilon/packuilon/internal/config"
	"github.com/packuilon/packuilon/internal/event"
	"github.com/packuilon/packuilon/internal/state"
)

// intakeScheduler is what intake tells the scheduler (see scheduler.reserve).
type intakeScheduler interface {
	// reserve sets a slot aside for a build of req that may start at once, to be claimed in
	// intake's transaction; nil when it may not.
	reserve(req event.BuildRequest) *reservation
	// recorded takes a recorded build that still waits or was claimed, with its reservation.
	recorded(r state.Recorded, res *reservation)
	// unreserve gives back a reservation whose request was not recorded.
	unreserve(res *reservation)
}

// reservation is a slot and an image key the scheduler set aside for a request intake is
// about to record: intake claims the build in its own transaction (state.IntakeClaim), so a
// request that may run at once is recorded and claimed with one commit, and its build starts
// without a dispatch round.
type reservation struct {
	claim    state.IntakeClaim
	cfg      *config.Config
	key      string
	buildCtx context.Context
	// release ends the hold on cfg (Config.Hold), taken when the slot was set aside: a build
	// claimed at intake may log cfg's paths however many reloads replace it before it ends.
	release func()
}

// reserve implements intakeScheduler: a slot for req's build when the dispatcher runs, a slot
// is free, the key is not busy here or elsewhere, and the pipeline has a first stage.
func (s *scheduler) reserve(req event.BuildRequest) *reservation {
	if s.pipeline == nil || len(s.pipeline.Stages) == 0 {
		return nil
	}
	cfg, release := s.heldConfig()
	first := s.pipeline.Stages[0].Name()
	fp := s.fingerprint(req)
	key := req.ImageKey
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ctx == nil || s.ctx.Err() != nil || s.busy[key] || s.elsewhere[key] || s.running >= cfg.Builder.ThreadCount {
		release()
		return nil
	}
	s.busy[key] = true
	s.running++
	return &reservation{key: key, cfg: cfg, buildCtx: s.buildCtx, release: release,
		claim: state.IntakeClaim{Owner: s.owner, TTL: cfg.Builder.LeaseTimeout, Fingerprint: fp, State: stateFor(first), Stage: first}}
}

// recorded implements intakeScheduler: a build claimed at intake runs at once; an unclaimed
// one gives its slot back and waits (handOver), unless a build of its key holds the key's
// lease on another builder, or an older build of its key waits to resume (only a round that
// reads the queue starts it, after that one).
func (s *scheduler) recorded(r state.Recorded, res *reservation) {
	switch {
	case res == nil && r.OlderWaits:
		s.poke() // the older build first: a round that reads the queue, oldest first
	case res == nil:
		s.handOver(r.Waiting())
	case r.Lease != nil:
		s.wg.Add(1)
		go func() {
			defer func() {
				res.release()
				s.free(res.key, false)
				s.wg.Done()
			}()
			step("claimed")
			log := s.log.With("build_id", r.Record.ID, "image_key", r.Record.ImageKey)
			s.runClaimed(res.buildCtx, r.Lease, r.Record, res.cfg, log)
		}()
	default: // the key is busy, or the build is to be skipped (the dispatcher decides)
		res.release()
		s.free(res.key, r.KeyBusy) // which asks for a round that reads the queue unless KeyBusy
		if !r.KeyBusy && !r.OlderWaits {
			s.handOver(r.Waiting())
		}
	}
}

// unreserve implements intakeScheduler.
func (s *scheduler) unreserve(res *reservation) {
	res.release()
	s.free(res.key, false)
}

// handOver gives the scheduler a build intake just recorded, and asks for a dispatch round
// of it soon.
func (s *scheduler) handOver(w state.Waiting) {
	s.mu.Lock()
	s.handed = append(s.handed, w)
	s.mu.Unlock()
	select {
	case s.queued <- struct{}{}:
	default:
	}
}

// dispatchHanded starts what intake handed over since the last round, when it may start now,
// without reading the queue: a new request is dispatched one query sooner. What cannot start
// now (its key busy, no free slot) stays queued in the store, and the round after the next
// build's end or the next tick reads it from the queue; a build superseded or cancelled since
// intake is refused by its claim, and so is one whose key has an older build in the queue
// (taken back from a stopped builder or retried since intake, state.ErrOlderWaits): the round
// after it reads the queue and starts that one first.
func (s *scheduler) dispatchHanded(ctx, buildCtx context.Context) {
	step("woken")
	s.mu.Lock()
	handed := s.handed
	s.handed = nil
	s.mu.Unlock()
	s.startAll(ctx, buildCtx, handed)
}
