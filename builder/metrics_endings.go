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

// endingsInterval is how often the journal is read: each read costs one query of the entries
// written since the last (and one of the numbers still missing, if any), on every builder, and
// the counter is scraped far less often than every second.
const endingsInterval = 5 * time.Second

// endingsPage and endingsPages bound a read: at most endingsPages queries of endingsPage
// entries each. A read that finds more (a burst of thousands of entries in 5 seconds) leaves
// the rest to the next read, which starts where it stopped: nothing is skipped.
const (
	endingsPage  = 1000
	endingsPages = 10
)

// endingsReadTimeout bounds each read of the journal. A read takes milliseconds; on a silent
// network cut (packets dropped, no reset) it would wait for TCP keepalive to give up, minutes,
// with the reader stuck and the outage unlogged. A read that had no answer in this time is
// given up and logged as an outage of the store; the next tick tries again on a new connection.
const endingsReadTimeout = 10 * time.Second

// endingCounter counts the denials and cancellations journalled since the daemon started
// (whichever process made them) in packuilon_builds_total, each once: endings from before
// the start, or from while the daemon was stopped, are not counted after a restart.
//
// It follows the journal by number: each read asks for the entries after the newest it has
// read. On PostgreSQL an entry's number is taken when it is written and the entry is seen when
// its transaction commits, so a transaction that commits late (several builders, one slow
// commit) shows an entry below numbers already read: the numbers missing between entries read
// are kept (pending) and asked for again at each read until they appear, or until
// lateCommitGrace has passed (a transaction that rolled back leaves its number unused for
// good). No entry is read twice, so none is counted twice.
type endingCounter struct {
	store *state.Store
	m     *web.Metrics
	log   hclog.Logger
	// mark is the newest journal entry read.
	mark int64
	// pending are the numbers below mark missing when read, oldest first.
	pending []missing
	// outage logs the store's outages.
	outage *retry.Outage
	// timeout bounds each read (endingsReadTimeout); page, pages and grace are endingsPage,
	// endingsPages and lateCommitGrace; tests make them smaller.
	timeout     time.Duration
	page, pages int
	grace       time.Duration
	now         func() time.Time
}

// newEndingCounter starts counting after the journal's newest entry. Numbers missing among the
// entries before it may belong to transactions that commit after the start: they are pending.
func newEndingCounter(ctx context.Context, st *state.Store, m *web.Metrics, log hclog.Logger) (*endingCounter, error) {
	c := &endingCounter{store: st, m: m, log: log, timeout: endingsReadTimeout,
		page: endingsPage, pages: endingsPages, grace: lateCommitGrace, now: time.Now,
		outage: retry.LogOutage(log, hclog.Warn, "cannot count ended builds from the build store", "counting ended builds from the build store again", "failed_reads")}
	top, err := st.JournalMark(ctx)
	if err != nil {
		return nil, err
	}
	if err := c.start(ctx, top); err != nil {
		return nil, err
	}
	return c, nil
}

// start makes top, the journal's newest entry, the mark: the entries up to it are not counted,
// and the numbers missing among the last page of them are pending (they may commit later).
// Whatever was pending before is forgotten. On an error nothing is changed.
func (c *endingCounter) start(ctx context.Context, top int64) error {
	from := max(0, top-int64(c.page))
	rows, err := c.store.JournalAfter(ctx, from, c.page)
	if err != nil {
		return err
	}
	c.mark, c.pending = from, nil
	now := c.now()
	for _, r := range rows {
		if r.Seq <= top {
			c.reach(r.Seq, now) // not counted: written before the start
		}
	}
	c.reach(top, now)
	return nil
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

// count adds the endings journalled since the last read, and those missing then that have
// committed since. A read that fails part way keeps what it counted and where it got to. A
// read that finds nothing new checks that the journal's numbers did not restart (restarted).
func (c *endingCounter) count(ctx context.Context) error {
	now := c.now()
	if err := c.recheck(ctx, now); err != nil {
		return err
	}
	for i := range c.pages {
		rows, err := c.store.JournalAfter(ctx, c.mark, c.page)
		if err != nil {
			return err
		}
		if i == 0 && len(rows) == 0 {
			return c.restarted(ctx)
		}
		for _, r := range rows {
			c.reach(r.Seq, now)
			c.tally(r)
		}
		if len(rows) < c.page {
			return nil
		}
	}
	return nil
}

// tally counts r if it ended a build as the journal's results say.
func (c *endingCounter) tally(r state.JournalRow) {
	if res, ok := journalResults[r.State]; ok {
		c.m.Builds.WithLabelValues(res).Inc()
	}
}

// restarted starts over from the journal's newest entry when it is below the mark: the
// journal's numbers restarted lower (a database restored from a dump, a sequence reset), and
// the entries written since have numbers already passed, which no read would ask for until the
// numbers passed the mark again. Entries are never deleted otherwise, so the newest is never
// below the mark. What is lost (logged): the endings journalled between the restart and this
// read (they count as from before the start), and the old numbers still pending. Nothing is
// counted twice: the entries up to the new mark are not counted.
func (c *endingCounter) restarted(ctx context.Context) error {
	top, err := c.store.JournalMark(ctx)
	if err != nil || top >= c.mark {
		return err
	}
	mark, pending := c.mark, len(c.pending)
	if err := c.start(ctx, top); err != nil {
		return err
	}
	c.log.Warn("the journal's numbers restarted below those already read (a database restored from a dump, a sequence reset): counting starts over from its newest entry; denials and cancellations journalled since the restart are not counted",
		"newest", top, "read_up_to", mark, "pending_given_up", pending)
	return nil
}
