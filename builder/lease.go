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
	lastOK := time.Now()
	// A renewal started at lastOK made the lease good until lastOK+ttl on the store's clock at
	// the earliest; stop with a heartbeat to spare.
	limit := ttl - heartbeat
	failing := retry.OnChange(func(_ int, err error, _ time.Duration) {
		log.Warn("cannot renew the build's lease", "error", err)
	})
	t := time.NewTicker(heartbeat)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		began := time.Now()
		rctx, cancel := context.WithTimeout(ctx, heartbeat)
		err := l.Renew(rctx)
		cancel()
		switch {
		case err == nil:
			lastOK = began
			continue
		case ctx.Err() != nil:
			return
		case errors.Is(err, state.ErrFenced):
			log.Error("another builder took the build over; stopping it here", "error", err)
			stop()
			return
		}
		failing(0, err, 0)
		if time.Since(lastOK) > limit {
			log.Error("the build's lease could not be renewed in time; stopping it here", "lease_timeout", ttl)
			stop()
			return
		}
	}
}
