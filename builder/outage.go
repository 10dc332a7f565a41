package builder

import (
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/packuilon/packuilon/internal/retry"
)

// storeOutage logs an outage of the store seen by a repeated operation (a read every tick, a
// lease renewal every heartbeat): failing, at level, when it starts or its error changes;
// recovered when it ends, with the number of failed attempts under the key failures.
func storeOutage(log hclog.Logger, level hclog.Level, failing, recovered, failures string) *retry.Outage {
	return &retry.Outage{
		Failing: func(_ int, err error, _ time.Duration) { log.Log(level, failing, "error", err) },
		Recovered: func(n int, since time.Duration) {
			log.Info(recovered, failures, n, "outage", since.Round(time.Millisecond))
		},
	}
}
