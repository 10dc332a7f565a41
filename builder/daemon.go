package builder

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/packuilon/packuilon/internal/amqp"
	"github.com/packuilon/packuilon/internal/config"
	"github.com/packuilon/packuilon/internal/event"
	"github.com/packuilon/packuilon/internal/sdnotify"
	"github.com/packuilon/packuilon/internal/state"
	"github.com/packuilon/packuilon/templates"
)

// Options configure the daemon.
type Options struct {
	Config *config.Config
	Log    hclog.Logger
	// Reload receives a value on SIGHUP.
	Reload <-chan struct{}
	// Reloaded, if set, is called with the outcome of each reload Reload asked for (nil: the
	// new configuration runs), so `systemctl reload` can report a refused one.
	Reloaded func(error)
	// PackerStarted, if set, is called with each packer pid (tests and benchmarks).
	PackerStarted func(pid int)
}

// Run is the builder daemon. It returns when ctx is done and the running builds stopped: they
// get STOP_GRACE to finish, then packer is interrupted (SIGINT, KILL_GRACE later SIGKILL) and
// the builds stay in the store at their stage, to be resumed at the next start.
func Run(ctx context.Context, o Options) error {
	log := o.Log.Named("builder")
	cfg := &atomic.Pointer[config.Config]{}
	cfg.Store(o.Config)
	set, err := templates.Load(o.Config.Builder.TemplateSources())
	if err != nil {
		return fmt.Errorf("load templates: %w", err)
	}
	sets := &atomic.Pointer[templates.Set]{}
	sets.Store(set)
	st, err := openBuildStore(o.Config.Builder)
	if err != nil {
		return err
	}
	defer st.Close()
	resumed, unlock, err := takeOrphans(ctx, st)
	if err != nil {
		return err
	}
	defer unlock()
	for _, id := range resumed {
		log.Info("resuming an interrupted build", "build_id", id)
	}
	stages, rejecter := stagesFor(o.Config, sets, log)
	for _, s := range stages {
		if ps, ok := s.(*PackerStage); ok {
			ps.Started = o.PackerStarted
		}
	}
	pipe, err := newPipeline(ctx, st, stages, rejecter)
	if err != nil {
		return err
	}
	obs := observe(st, log)
	endings, err := newEndingCounter(ctx, st, obs.metrics, log)
	if err != nil {
		return err
	}
	disp := newDispatcher(st, cfg, log)
	disp.Observe = obs.delivered
	pipe.Observer = &notifier{store: st, cfg: cfg, log: log, poke: disp.Poke, next: metricsObserver{obs.metrics}}
	sched := newScheduler(st, pipe, cfg, sets, log)
	buildCtx, stopBuilds := context.WithCancel(context.WithoutCancel(ctx))
	defer stopBuilds()
	// Notifications are delivered until the running builds stopped, so those that end in the
	// stop grace are sent too; what is still pending goes with the next start.
	notifyCtx, stopNotify := context.WithCancel(context.WithoutCancel(ctx))
	notifyDone := make(chan struct{})
	go func() { defer close(notifyDone); disp.Run(notifyCtx) }()
	defer func() { stopNotify(); <-notifyDone }()

	obs.serve(o.Config.BuilderHTTP, statusPage(st, cfg, sched.poke, disp.Poke, log))
	defer obs.close()
	go obs.status(notifyCtx, st)
	go endings.run(notifyCtx, endingsInterval)

	var wg sync.WaitGroup
	wg.Add(3)
	go func() { defer wg.Done(); sched.run(ctx, buildCtx) }()
	go func() {
		defer wg.Done()
		(&reloader{cfg: cfg, sets: sets, log: log, reloaded: o.Reloaded}).run(ctx, o.Reload)
	}()
	var consumeErr error
	go func() {
		defer wg.Done()
		in := &intake{store: st, log: log, sched: sched, decoder: event.Decoder{IgnorePaths: o.Config.Watch.IgnorePaths, Naming: o.Config.Builder.Naming}}
		c := &amqp.Consumer{Global: o.Config.Global, Prefetch: o.Config.Builder.Prefetch, Log: log.Named("amqp"), HandleBatch: in.handleBatch, OnState: obs.brokerState}
		consumeErr = c.Run(ctx)
	}()
	_ = sdnotify.Notify(sdnotify.Ready)
	log.Info("builder started", "threads", o.Config.Builder.ThreadCount, "store", st.Path(), "owner", sched.owner, "resumed", len(resumed))

	<-ctx.Done()
	_ = sdnotify.Notify(sdnotify.Stopping)
	wg.Wait() // intake and dispatch have stopped
	// STOP_GRACE as last reloaded, like every other setting a reload changes.
	shutdown(sched, stopBuilds, cfg.Load().Builder.StopGrace, log)
	if consumeErr != nil && !errors.Is(consumeErr, context.Canceled) {
		return consumeErr
	}
	return nil
}

// shutdown lets running builds finish for grace, then interrupts them.
func shutdown(sched *scheduler, stopBuilds context.CancelFunc, grace time.Duration, log hclog.Logger) {
	done := make(chan struct{})
	go func() { sched.wait(); close(done) }()
	t := time.NewTimer(grace)
	defer t.Stop()
	select {
	case <-done:
		return
	case <-t.C:
	}
	log.Warn("stop grace time is over; interrupting running builds", "duration", grace)
	stopBuilds()
	<-done
}

// openBuildStore opens STATE_DB: a SQLite file, or a shared PostgreSQL database.
func openBuildStore(b config.Builder) (*state.Store, error) {
	return state.Open(b.StateDB, state.WithPasswordFile(b.StateDBPasswordFile))
}

// takeOrphans finds the builds a previous run left running. On SQLite this daemon is the
// store's only builder (it takes the store's lock), so every running build is an orphan. On a
// shared PostgreSQL store, only the builds whose lease expired, or whose owner was a process of
// this host that is gone, are.
func takeOrphans(ctx context.Context, st *state.Store) (ids []string, unlock func(), err error) {
	if st.Backend() == "postgres" {
		ids, err = st.ReapExpired(ctx)
		return ids, func() {}, err
	}
	unlock, err = st.LockDaemon()
	if err != nil {
		return nil, nil, err
	}
	if ids, err = st.RequeueOrphans(ctx); err != nil {
		unlock()
		return nil, nil, err
	}
	return ids, unlock, nil
}
