package builder

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/packuilon/packuilon/internal/config"
	"github.com/packuilon/packuilon/internal/notify"
	"github.com/packuilon/packuilon/internal/state"
)

// flushTimeout bounds the delivery of a one-shot build's notifications before it exits.
const flushTimeout = time.Minute

// newDispatcher returns the outbox dispatcher of the daemon, following config reloads.
func newDispatcher(st *state.Store, cfg *atomic.Pointer[config.Config], log hclog.Logger) *notify.Dispatcher {
	return &notify.Dispatcher{Store: st, Log: log.Named("notify"), Config: func() config.Notify { return cfg.Load().Notify }}
}

// flushNotifications delivers what is due now (packuilon build, which has no dispatcher
// running); what fails stays in the outbox for the daemon.
func flushNotifications(ctx context.Context, d *notify.Dispatcher) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), flushTimeout)
	defer cancel()
	d.Flush(ctx)
}
