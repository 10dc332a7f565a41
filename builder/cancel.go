package builder

import (
	"context"
)

// cancellable returns the context a build runs under: cancelled with the daemon's build
// context, or on its own by `packuilon cancel`. stop must be called when the build returned.
func (s *scheduler) cancellable(buildCtx context.Context, id string) (context.Context, func()) {
	ctx, cancel := context.WithCancelCause(buildCtx)
	s.mu.Lock()
	s.cancels[id] = cancel
	s.mu.Unlock()
	return ctx, func() {
		s.mu.Lock()
		delete(s.cancels, id)
		s.mu.Unlock()
		cancel(nil)
	}
}

// watchCancels stops the running builds that `packuilon cancel` (another process, through
// the store) asked to stop: their context is cancelled with a cancelRequest cause, so packer
// gets SIGINT and its grace (the process-group cancel of the packer runner), the stage's
// cleanup runs, and the pipeline ends the build cancelled. A request for a build that has
// ended meanwhile is dropped.
func (s *scheduler) watchCancels(ctx context.Context) {
	reqs, err := s.store.CancelRequests(ctx)
	if err != nil || len(reqs) == 0 {
		return
	}
	for id, who := range reqs {
		s.mu.Lock()
		cancel, running := s.cancels[id]
		s.mu.Unlock()
		if running {
			s.log.Info("cancelling a running build on request", "build_id", id, "by", who)
			cancel(cancelRequest{who})
			s.mu.Lock()
			delete(s.cancels, id) // asked once; the build is stopping
			s.mu.Unlock()
			continue
		}
		if rec, err := s.store.Get(ctx, id); err == nil && rec.State.Terminal() {
			s.store.DropCancelRequest(ctx, id)
		}
	}
}
