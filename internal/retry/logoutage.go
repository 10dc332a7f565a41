package retry

import (
	"time"

	"github.com/hashicorp/go-hclog"
)

// LogOutage is an Outage that logs to log: failing, at level, with the error when an outage
// starts or its error changes; recovered, at info, when it ends, with the number of failed
// attempts under the key failures and the outage's length.
func LogOutage(log hclog.Logger, level hclog.Level, failing, recovered, failures string) *Outage {
	return &Outage{
		Failing: func(_ int, err error, _ time.Duration) { log.Log(level, failing, "error", err) },
		Recovered: func(n int, since time.Duration) {
			log.Info(recovered, failures, n, "outage", since.Round(time.Millisecond))
		},
	}
}
