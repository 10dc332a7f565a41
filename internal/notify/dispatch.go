package notify

import (
	"context"
	"encoding/json"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/packuilon/packuilon/internal/config"
	"github.com/packuilon/packuilon/internal/retry"
	"github.com/packuilon/packuilon/internal/state"
)

// pollInterval is how often the Dispatcher looks at the outbox without a Poke: notifications
// queued by other processes (packuilon approve, rollback) are delivered within it.
const pollInterval = 5 * time.Second

// maxBackoff caps the wait between deliveries of one notification.
const maxBackoff = time.Hour

// Dispatcher delivers the outbox: every due notification is sent; a failed one is tried again
// after RETRY_DELAY, doubling, until RETRIES deliveries failed, and then logged and marked
// failed (packuilon show lists it). A permanent error (retry.Permanent: a refused SMTP AUTH, a
// webhook's 4xx) marks it failed at once. Only the daemon holding the store's lock runs one.
type Dispatcher struct {
	Store *state.Store
	// Config returns the current [notify] settings (they follow reloads).
	Config func() config.Notify
	Log    hclog.Logger
	// Observe, if set, is called with the outcome of each delivery attempt (metrics).
	Observe func(Outcome)
	once    sync.Once
	poke    chan struct{}
	// outbox follows the outages of the store as the outbox is read: each is logged when it
	// starts, when its error changes and when it ends, not at every poll.
	outbox     *retry.Outage
	outboxOnce sync.Once
}

// Outcome is the result of one delivery attempt.
type Outcome string

// Outcomes of a delivery attempt.
const (
	Sent     Outcome = "sent"
	Retrying Outcome = "retry"
	GaveUp   Outcome = "failed"
)

func (d *Dispatcher) observe(o Outcome) {
	if d.Observe != nil {
		d.Observe(o)
	}
}

// Poke makes the Dispatcher look at the outbox now.
func (d *Dispatcher) Poke() {
	select {
	case d.pokeChan() <- struct{}{}:
	default:
	}
}

func (d *Dispatcher) outboxOutage() *retry.Outage {
	d.outboxOnce.Do(func() {
		d.outbox = retry.LogOutage(d.Log, hclog.Error, "cannot read the notification outbox", "reading the notification outbox again", "failed_reads")
	})
	return d.outbox
}

func (d *Dispatcher) pokeChan() chan struct{} {
	d.once.Do(func() { d.poke = make(chan struct{}, 1) })
	return d.poke
}

// Run delivers until ctx is done.
func (d *Dispatcher) Run(ctx context.Context) {
	poke := d.pokeChan()
	for {
		d.deliverDue(ctx)
		wait := pollInterval
		if next, ok, err := d.Store.NextNotification(ctx); err == nil && ok {
			if w := time.Until(next); w < wait {
				wait = max(w, 10*time.Millisecond)
			}
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-poke:
		case <-t.C:
		}
		t.Stop()
	}
}

// Flush delivers what is due now, once (a process that exits soon after); failures are
// recorded for a later retry as in Run.
func (d *Dispatcher) Flush(ctx context.Context) { d.deliverDue(ctx) }

func (d *Dispatcher) deliverDue(ctx context.Context) {
	// Bounded: a row whose outcome cannot be recorded stays due, and must not spin the loop.
	for round := 0; round < 50 && ctx.Err() == nil; round++ {
		due, err := d.Store.DueNotifications(ctx, time.Now(), 20)
		if err != nil {
			if ctx.Err() == nil {
				d.outboxOutage().Fail(round+1, err, 0)
			}
			return
		}
		d.outboxOutage().OK()
		if len(due) == 0 {
			return
		}
		for _, n := range due {
			d.deliver(ctx, n)
		}
	}
}

func (d *Dispatcher) deliver(ctx context.Context, n state.Notification) {
	cfg := d.Config()
	var ev Event
	err := json.Unmarshal([]byte(n.Payload), &ev)
	if err == nil {
		err = Deliver(ctx, cfg, n.Target, ev)
	} else {
		err = retry.Permanent(err)
	}
	if ctx.Err() != nil {
		return // stopping: the row stays pending and is sent by the next daemon
	}
	log := d.Log.With("event", n.Event, "target", n.Target, "build_id", n.BuildID)
	wctx := context.WithoutCancel(ctx)
	if err == nil {
		d.observe(Sent)
		if serr := d.Store.NoteDelivered(wctx, n.Seq); serr != nil {
			log.Error("notification sent but not recorded; it may be sent again", "error", serr)
		}
		log.Debug("notification sent")
		return
	}
	attempts := n.Attempts + 1
	if retry.IsPermanent(err) || attempts >= cfg.Retries {
		d.observe(GaveUp)
		msg := "notification undeliverable; giving up"
		if retry.IsPermanent(err) {
			msg = "notification undeliverable; not retried"
		}
		log.Error(msg, "attempts", attempts, "error", err)
		if serr := d.Store.NoteAttemptFailed(wctx, n.Seq, time.Time{}, config.AsWritten(err.Error())); serr != nil {
			log.Error("cannot record the notification", "error", serr)
		}
		return
	}
	d.observe(Retrying)
	wait := cfg.RetryDelay << (attempts - 1)
	if wait > maxBackoff || wait <= 0 {
		wait = maxBackoff
	}
	log.Warn("notification not delivered; will retry", "attempts", attempts, "retry_in", wait, "error", err)
	if serr := d.Store.NoteAttemptFailed(wctx, n.Seq, time.Now().Add(wait), config.AsWritten(err.Error())); serr != nil {
		log.Error("cannot record the notification", "error", serr)
	}
}
