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

// Lease is a held claim, renewed in the background until Release.
type Lease struct {
	claims Claims
	key    string
	holder Holder
	stop   chan struct{}
	done   chan struct{}
	once   sync.Once
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
// it waits for. The error of a refusal wraps ErrClaimed and names the holder.
func Hold(ctx context.Context, c Claims, key string, h Holder, wait time.Duration, waiting func(error)) (*Lease, error) {
	deadline := time.Now().Add(wait)
	told := false
	for {
		err := c.TryClaim(ctx, key, h, ClaimTTL)
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
	l := &Lease{claims: c, key: key, holder: h, stop: make(chan struct{}), done: make(chan struct{})}
	go l.renew()
	return l, nil
}

// renew extends the claim until Release. A failed renewal is retried at the next tick; the
// claim only lapses if renewals fail for a whole TTL.
func (l *Lease) renew() {
	defer close(l.done)
	t := time.NewTicker(ClaimTTL / 3)
	defer t.Stop()
	for {
		select {
		case <-l.stop:
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(context.Background(), ClaimTTL/3)
			l.claims.Renew(ctx, l.key, l.holder, ClaimTTL)
			cancel()
		}
	}
}

// Key is the claimed image key.
func (l *Lease) Key() string { return l.key }

// Release stops renewing and gives the claim up. It is safe to call more than once.
func (l *Lease) Release(ctx context.Context) error {
	var err error
	l.once.Do(func() {
		close(l.stop)
		<-l.done
		err = l.claims.Release(ctx, l.key, l.holder)
	})
	return err
}
