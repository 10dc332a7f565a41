package builder

import (
	"context"
	"errors"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/packuilon/packuilon/internal/retry"
	"github.com/packuilon/packuilon/internal/state"
)

// keepLease renews l every heartbeat until ctx is done. It calls stop when the build must stop
// running here: another builder took it over (state.ErrFenced), or no renewal succeeded for
// so long that the lease may have expired on the store's clock (the database is unreachable,
// and another builder may be resuming the build already).
func keepLease(ctx context.Context, l *state.BuildLease, ttl, heartbeat time.Duration, log hclog.Logger, stop func()) {
	k := newLeaseKeeper(l, ttl, heartbeat, log, stop)
	every(ctx, heartbeat, func() bool { return k.renew(ctx) })
}

// leaseKeeper is keepLease's state between heartbeats.
type leaseKeeper struct {
	lease          *state.BuildLease
	ttl, heartbeat time.Duration
	log            hclog.Logger
	stop           func()
	// lastOK is when the last successful renewal began.
	lastOK time.Time
	// outage logs each outage of the store once when it starts, at each change of its error,
	// and when a renewal succeeds again.
	outage *retry.Outage
}

func newLeaseKeeper(l *state.BuildLease, ttl, heartbeat time.Duration, log hclog.Logger, stop func()) *leaseKeeper {
	return &leaseKeeper{
		lease: l, ttl: ttl, heartbeat: heartbeat, log: log, stop: stop, lastOK: time.Now(),
		outage: retry.LogOutage(log, hclog.Warn, "cannot renew the build's lease", "renewed the build's lease again", "failed_renewals"),
	}
}

// renew renews the lease once. It returns false when renewing is over: ctx is done, or the
// build must stop here (stop was called).
func (k *leaseKeeper) renew(ctx context.Context) bool {
	began := time.Now()
	rctx, cancel := context.WithTimeout(ctx, k.heartbeat)
	err := k.lease.Renew(rctx)
	cancel()
	switch {
	case err == nil:
		k.lastOK = began
		k.outage.OK()
		return true
	case ctx.Err() != nil:
		return false
	case errors.Is(err, state.ErrFenced):
		k.log.Error("another builder took the build over; stopping it here", "error", err)
		k.stop()
		return false
	}
	k.outage.Fail(0, err, 0)
	// A renewal started at lastOK made the lease good until lastOK+ttl on the store's clock at
	// the earliest; stop with a heartbeat to spare.
	if time.Since(k.lastOK) > k.ttl-k.heartbeat {
		k.log.Error("the build's lease could not be renewed in time; stopping it here", "lease_timeout", k.ttl)
		k.stop()
		return false
	}
	return true
}
