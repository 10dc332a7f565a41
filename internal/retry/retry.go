// Package retry is the one retry loop of packuilon: exponential backoff, context-aware,
// with permanent errors that stop it at once.
//
//	err := retry.Do(ctx, retry.Policy{Attempts: 5}, func(ctx context.Context) error {
//		err := call(ctx)
//		if isClientError(err) {
//			return retry.Permanent(err)
//		}
//		return err
//	})
package retry

import (
	"context"
	"errors"
	"time"
)

// Policy says how often and how long to retry. Zero values take the defaults.
type Policy struct {
	// Attempts is the maximum number of calls; 0 means until ctx is done.
	Attempts int
	// Initial is the first wait (default 500ms); each wait doubles up to Max (default 30s).
	Initial time.Duration
	Max     time.Duration
	// OnRetry, if set, is called before each wait with the attempt number and the error.
	OnRetry func(attempt int, err error, wait time.Duration)
}

// OnChange wraps an OnRetry function so it runs for the first failure and then only when the
// error differs from the previous one: a broker down for ten minutes is one log line, not one
// per attempt. Call the returned function with a nil error when the operation succeeds: the
// outage is over, and the next failure, even with the same error, is logged again as a new
// outage (Do never does; a loop that keeps one across successes must). Make a new one for each
// Do call. Outage does the same and can log the recovery too.
func OnChange(fn func(attempt int, err error, wait time.Duration)) func(attempt int, err error, wait time.Duration) {
	o := &Outage{Failing: fn}
	return func(attempt int, err error, wait time.Duration) {
		if err == nil {
			o.OK()
			return
		}
		o.Fail(attempt, err, wait)
	}
}

type permanent struct{ err error }

func (p permanent) Error() string { return p.err.Error() }
func (p permanent) Unwrap() error { return p.err }

// Permanent marks err as not worth retrying; Do returns it (unwrapped) at once.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return permanent{err}
}

// IsPermanent reports whether err was marked with Permanent.
func IsPermanent(err error) bool {
	var p permanent
	return errors.As(err, &p)
}

// Do calls fn until it succeeds, returns a permanent error, the attempts are used up or ctx
// is done. It returns the last error of fn (or ctx's error if fn never ran).
func Do(ctx context.Context, p Policy, fn func(ctx context.Context) error) error {
	wait := p.Initial
	if wait <= 0 {
		wait = 500 * time.Millisecond
	}
	maxWait := p.Max
	if maxWait <= 0 {
		maxWait = 30 * time.Second
	}
	var last error
	for attempt := 1; ; attempt++ {
		if err := ctx.Err(); err != nil {
			if last != nil {
				return last
			}
			return err
		}
		last = fn(ctx)
		if last == nil {
			return nil
		}
		var perm permanent
		if errors.As(last, &perm) {
			return perm.err
		}
		if p.Attempts > 0 && attempt >= p.Attempts {
			return last
		}
		if p.OnRetry != nil {
			p.OnRetry(attempt, last, wait)
		}
		if !Sleep(ctx, wait) {
			return last
		}
		wait = min(wait*2, maxWait)
	}
}

// Sleep waits for d or until ctx is done, whichever comes first, and reports whether the whole
// d passed. It is the one ctx-aware wait of packuilon: a plain time.Sleep would hold a stopping
// daemon (or a test's cancelled request) for the rest of the wait.
func Sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
