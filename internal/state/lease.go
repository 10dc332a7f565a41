package state

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/packuilon/packuilon/internal/procgroup"
	"github.com/packuilon/packuilon/internal/retry"
)

// ClaimTTL is how long a claim lasts without renewal. A Lease renews it every third of that,
// so a holder that dies without releasing (SIGKILL on another machine) blocks the key for at
// most this long; on the same machine a dead holder's claim is taken over at once.
const ClaimTTL = time.Minute

// claimPoll is how often a waiting Hold tries again: claims are held for seconds to minutes.
const claimPoll = time.Second

// Lease is a held claim, renewed in the background until Release or until it is lost (see
// Lost).
type Lease struct {
	claims Claims
	key    string
	holder Holder
	times  LeaseTimings
	stop   chan struct{}
	done   chan struct{}
	once   sync.Once
	// lost is closed once the claim may be held by another process; err (written before) says why.
	lost chan struct{}
	err  error
}

// holders numbers the Holders of this process, so two in one process (two commands run by a
// test) are two owners.
var holders atomic.Int64

// NewHolder returns a new Holder in this process: owner "<kind> <pid>-<n>".
func NewHolder(kind, purpose string) Holder {
	boot, _ := procgroup.BootID()
	return Holder{Owner: fmt.Sprintf("%s %d-%d", kind, os.Getpid(), holders.Add(1)), Purpose: purpose, PID: os.Getpid(), BootID: boot}
}

// Hold takes the claim on key for h, waiting up to wait while another holder has it (0: refuse
// at once). waiting, if set, is called once with the first refusal, so the caller can say what
// it waits for. The error of a refusal wraps ErrClaimed and names the holder. The lease has c's
// timings when c is a *Store (see WithLeaseTimings), else DefaultLeaseTimings.
func Hold(ctx context.Context, c Claims, key string, h Holder, wait time.Duration, waiting func(error)) (*Lease, error) {
	return hold(ctx, c, key, h, wait, waiting, timingsOf(c))
}

func hold(ctx context.Context, c Claims, key string, h Holder, wait time.Duration, waiting func(error), times LeaseTimings) (*Lease, error) {
	deadline := time.Now().Add(wait)
	told := false
	var sent time.Time
	for {
		sent = time.Now()
		err := c.TryClaim(ctx, key, h, times.TTL)
		if err == nil {
			break
		}
		if !errors.Is(err, ErrClaimed) || !time.Now().Before(deadline) {
			return nil, err
		}
		if !told && waiting != nil {
			waiting(err)
			told = true
		}
		if !retry.Sleep(ctx, claimPoll) {
			return nil, fmt.Errorf("wait for claim on %s: %w", key, ctx.Err())
		}
	}
	l := &Lease{claims: c, key: key, holder: h, times: times, stop: make(chan struct{}), done: make(chan struct{}), lost: make(chan struct{})}
	go l.renew(sent)
	return l, nil
}

// renew extends the claim until Release. A failed renewal is retried at the next tick. The
// lease is lost, and renewing stops, when a renewal says another process holds the claim, or
// when no renewal succeeded for the TTL less the margin since the last good one was sent:
// this host's monotonic clock from the sending on errs on the safe side of the store's expiry,
// and a host frozen (SIGSTOP, a long pause) past it finds its expiry timer due when it wakes.
func (l *Lease) renew(okSent time.Time) {
	defer close(l.done)
	tick := time.NewTicker(l.times.Renew)
	defer tick.Stop()
	valid := l.times.TTL - l.times.Margin
	expiry := time.NewTimer(time.Until(okSent.Add(valid)))
	defer expiry.Stop()
	var last error
	lapsed := func() {
		why := "none was tried in time: the process or its host was paused"
		if last != nil {
			why = fmt.Sprintf("last error: %v", last)
		}
		l.lose(&ClaimLostError{Key: l.key, Why: fmt.Sprintf("no renewal succeeded for %s (%s), so another process may have taken it over", valid, why)})
	}
	for {
		select {
		case <-l.stop:
			return
		case <-expiry.C:
			lapsed()
			return
		case <-tick.C:
			if !time.Now().Before(okSent.Add(valid)) { // woke from a freeze with both due
				lapsed()
				return
			}
			sent := time.Now()
			by := sent.Add(l.times.Renew)
			if okSent.Add(valid).Before(by) {
				by = okSent.Add(valid)
			}
			ctx, cancel := context.WithDeadline(context.Background(), by)
			err := l.claims.Renew(ctx, l.key, l.holder, l.times.TTL)
			cancel()
			switch {
			case err == nil:
				okSent = sent
				expiry.Reset(time.Until(okSent.Add(valid)))
			case errors.Is(err, ErrClaimLost):
				l.lose(&ClaimLostError{Key: l.key, Why: "another process took it over"})
				return
			default:
				last = err
			}
		}
	}
}

func (l *Lease) lose(err error) {
	l.err = err
	close(l.lost)
}

// Key is the claimed image key.
func (l *Lease) Key() string { return l.key }

// Lost is closed once the claim may no longer be held: another process took it over, or no
// renewal succeeded for long enough that one may have. The lease is not renewed after that.
func (l *Lease) Lost() <-chan struct{} { return l.lost }

// Err is nil while the claim is held, and a *ClaimLostError (wrapping ErrClaimLost) once it
// is lost.
func (l *Lease) Err() error {
	select {
	case <-l.lost:
		return l.err
	default:
		return nil
	}
}

// Release stops renewing and gives the claim up. It is safe to call more than once. After the
// claim was lost it leaves the new holder's claim alone (the store matches the owner).
func (l *Lease) Release(ctx context.Context) error {
	var err error
	l.once.Do(func() {
		close(l.stop)
		<-l.done
		err = l.claims.Release(ctx, l.key, l.holder)
	})
	return err
}
