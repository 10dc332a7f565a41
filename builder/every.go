package builder

import (
	"context"
	"time"
)

// every calls fn each interval (the first time one interval from now) until ctx is done or fn
// returns false.
func every(ctx context.Context, interval time.Duration, fn func() bool) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if !fn() {
			return
		}
	}
}
