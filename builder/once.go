package builder

import (
	"context"
	"fmt"
	"sync/atomic"

	"github.com/packuilon/packuilon/internal/config"
	"github.com/packuilon/packuilon/internal/event"
	"github.com/packuilon/packuilon/internal/state"
	"github.com/packuilon/packuilon/templates"
)

// BuildOnce builds one request in this process, without the queue (packuilon build). The
// build is recorded in the same store as the daemon's, with the same rules: a request with
// the inputs of the current image is skipped unless forced. It holds the store's daemon lock,
// so it refuses to run beside a builder daemon. It returns the final record; when ctx is
// cancelled the build stays resumable, and the next daemon picks it up.
func BuildOnce(ctx context.Context, o Options, req event.BuildRequest) (state.Record, error) {
	log := o.Log.Named("build")
	if err := req.Validate(); err != nil {
		return state.Record{}, err
	}
	set, err := templates.Load(o.Config.Builder.TemplateSources())
	if err != nil {
		return state.Record{}, fmt.Errorf("load templates: %w", err)
	}
	cfg := &atomic.Pointer[config.Config]{}
	cfg.Store(o.Config)
	sets := &atomic.Pointer[templates.Set]{}
	sets.Store(set)
	st, err := openBuildStore(o.Config.Builder)
	if err != nil {
		return state.Record{}, err
	}
	defer st.Close()
	// The store's daemon lock: a daemon starting meanwhile would take this build for an orphan
	// of a crash and run it a second time. With a daemon running, publish instead.
	unlock, err := st.LockDaemon()
	if err != nil {
		return state.Record{}, fmt.Errorf("%w; use packuilon publish while the builder runs", err)
	}
	defer unlock()
	stages, rejecter := stagesFor(o.Config, sets, log)
	disp := newDispatcher(st, cfg, log)
	pipe, err := newPipeline(ctx, st, stages, rejecter)
	if err != nil {
		return state.Record{}, err
	}
	pipe.Observer = &notifier{store: st, cfg: cfg, log: log}
	sched := newScheduler(st, pipe, cfg, sets, log)
	defer flushNotifications(ctx, disp)
	rec, _, err := st.Intake(ctx, req, "")
	if err != nil {
		return state.Record{}, err
	}
	log.Info("request recorded", "build_id", rec.ID, "image_key", rec.ImageKey)
	sched.runOne(ctx, rec, o.Config)
	return st.Get(context.WithoutCancel(ctx), rec.ID)
}
