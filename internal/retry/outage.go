package retry

import (
	"regexp"
	"sync"
	"time"
)

// Outage follows the failures of a repeated operation (a heartbeat, a poll) so that each outage
// is logged when it starts and when its error changes, not at every attempt, and its end is
// logged once: call Fail after each failed attempt and OK after each success.
//
//	out := &retry.Outage{
//		Failing:   func(_ int, err error, _ time.Duration) { log.Warn("cannot renew", "error", err) },
//		Recovered: func(failures int, since time.Duration) { log.Info("renewed again", "failures", failures) },
//	}
type Outage struct {
	// Failing is called for the first failure of an outage and for each change of its error.
	Failing func(attempt int, err error, wait time.Duration)
	// Recovered, if set, is called by the first OK after failures, with their number and the
	// time since the first of them.
	Recovered func(failures int, since time.Duration)

	mu       sync.Mutex
	last     string
	failures int
	began    time.Time
}

// localAddr is the local end of a socket as a net.OpError shows it ("read tcp
// 127.0.0.1:41234->127.0.0.1:5432"): each connection has a port of its own.
var localAddr = regexp.MustCompile(`\b((?:tcp|udp)[46]?) [^ ]+->`)

// sameness is what two errors of an outage must share to be the same error: their text
// without the local ends of sockets, so that an outage whose every attempt is reset on a new
// connection is one error, not one per attempt.
func sameness(err error) string {
	return localAddr.ReplaceAllString(err.Error(), "$1 ->")
}

// Fail records a failed attempt (err must not be nil) and calls Failing if it starts an outage
// or changes its error (which the local end of a connection does not).
func (o *Outage) Fail(attempt int, err error, wait time.Duration) {
	msg := sameness(err)
	o.mu.Lock()
	first, changed := o.failures == 0, msg != o.last
	if first {
		o.began = time.Now()
	}
	o.failures++
	o.last = msg
	o.mu.Unlock()
	if (first || changed) && o.Failing != nil {
		o.Failing(attempt, err, wait)
	}
}

// OK records a success: an outage in progress is over (Recovered is called), and the next
// failure starts a new one, logged even if its error is the same as the last.
func (o *Outage) OK() {
	o.mu.Lock()
	failures, began := o.failures, o.began
	o.failures, o.last = 0, ""
	o.mu.Unlock()
	if failures > 0 && o.Recovered != nil {
		o.Recovered(failures, time.Since(began))
	}
}
