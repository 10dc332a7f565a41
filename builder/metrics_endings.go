package builder

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/packuilon/packuilon/internal/retry"
	"github.com/packuilon/packuilon/internal/state"
	"github.com/packuilon/packuilon/internal/web"
)

// journalResults are the results of packuilon_builds_total counted from the store's journal
// rather than from the pipeline: a denial (packuilon deny, the status page) never passes
// through the pipeline, and a cancellation of a queued or waiting build is made by the command
// or the page, often in another process. A running build cancelled on request ends in the
// pipeline, but is counted here too, not there, so each cancellation is counted once.
var journalResults = map[state.State]string{state.Denied: "denied", state.Cancelled: "cancelled"}

// endingsLookback is how far (in journal entries) each read looks back behind the newest entry
// seen: on PostgreSQL a transaction can commit its journal entry after a later-numbered one.
const endingsLookback = 1000

// endingsInterval is how often the journal is read: each read scans up to endingsLookback
// entries on every builder, and the counter is scraped far less often than every second.
const endingsInterval = 5 * time.Second

// endingsReadTimeout bounds each read of the journal. A read takes milliseconds; on a silent
// network cut (packets dropped, no reset) it would wait for TCP keepalive to give up, minutes,
// with the reader stuck and the outage unlogged. A read that had no answer in this time is
// given up and logged as an outage of the store; the next tick tries again on a new connection.
const endingsReadTimeout = 10 * time.Second

// endingCounter counts the denials and cancellations journalled since the daemon started
// (whichever process made them) in packuilon_builds_total, each once: endings from before
// the start, or from while the daemon was stopped, are not counted after a restart.
type endingCounter struct {
	store *state.Store
	m     *web.Metrics
	log   hclog.Logger
	// start is the newest journal entry when the daemon started; mark the newest one read.
	start, mark int64
	// counted are the entries counted within the lookback window.
	counted map[int64]bool
	// outage logs the store's outages.
	outage *retry.Outage
	// timeout bounds each read (endingsReadTimeout).
	timeout time.Duration
}

// newEndingCounter starts counting after the journal's newest entry.
func newEndingCounter(ctx context.Context, st *state.Store, m *web.Metrics, log hclog.Logger) (*endingCounter, error) {
	mark, err := st.JournalMark(ctx)
	if err != nil {
		return nil, err
	}
	return &endingCounter{store: st, m: m, log: log, start: mark, mark: mark, counted: map[int64]bool{}, timeout: endingsReadTimeout,
		outage: retry.LogOutage(log, hclog.Warn, "cannot count ended builds from the build store", "counting ended builds from the build store again", "failed_reads")}, nil
}

// run counts every interval until ctx is done.
func (c *endingCounter) run(ctx context.Context, interval time.Duration) {
	every(ctx, interval, func() bool { c.tick(ctx); return true })
}

// tick counts once, giving up after c.timeout. A store error (a read given up, too) is logged
// when an outage of the store starts and when its error changes, and the first read that
// succeeds after it says so.
func (c *endingCounter) tick(ctx context.Context) {
	rctx, cancel := context.WithTimeout(ctx, c.timeout)
	err := c.count(rctx)
	if err != nil && ctx.Err() == nil && errors.Is(rctx.Err(), context.DeadlineExceeded) {
		err = fmt.Errorf("no answer from the build store in %s: %w", c.timeout, err)
	}
	cancel()
	switch {
	case err == nil:
		c.outage.OK()
	case ctx.Err() == nil:
		c.outage.Fail(0, err, 0)
	}
}

// count adds the endings journalled since the last read.
func (c *endingCounter) count(ctx context.Context) error {
	top, err := c.store.JournalMark(ctx)
	if err != nil {
		return err
	}
	floor := max(c.start, c.mark-endingsLookback)
	ends, err := c.store.Endings(ctx, floor, top, state.Denied, state.Cancelled)
	if err != nil {
		return err
	}
	for _, e := range ends {
		if c.counted[e.Seq] {
			continue
		}
		c.counted[e.Seq] = true
		c.m.Builds.WithLabelValues(journalResults[e.State]).Inc()
	}
	c.mark = max(c.mark, top)
	for seq := range c.counted {
		if seq <= c.mark-endingsLookback {
			delete(c.counted, seq)
		}
	}
	return nil
}
