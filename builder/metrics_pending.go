package builder

import (
	"context"
	"maps"
	"slices"
	"time"
)

// lateCommitGrace is how long a missing journal number is asked for again. The store's
// transactions last milliseconds to seconds; ten minutes covers a commit held up by a slow
// disk or a network outage of the builder that makes it. A number whose transaction rolled
// back (a refused claim, an intake that failed) never appears: after the grace it costs
// nothing more.
const lateCommitGrace = 10 * time.Minute

// maxPending bounds the numbers asked for again, and so that query (one of at most this many
// numbers). Numbers go missing only while transactions are in flight, or roll back: past the
// bound the oldest are given up (logged).
const maxPending = 1000

// reach records that the journal was read up to seq: the numbers between the last one read and
// seq, missing, are pending since now.
func (c *endingCounter) reach(seq int64, now time.Time) {
	if seq <= c.mark {
		return
	}
	from, skipped := c.mark+1, int64(0)
	if seq-from > maxPending { // a jump of the sequence: only the newest numbers are kept
		skipped = seq - maxPending - from
		from = seq - maxPending
	}
	for n := from; n < seq; n++ {
		c.pending[n] = now
	}
	c.mark = seq
	over := len(c.pending) - maxPending
	if over > 0 {
		for _, n := range slices.Sorted(maps.Keys(c.pending))[:over] {
			delete(c.pending, n)
		}
	}
	if given := skipped + int64(max(over, 0)); given > 0 {
		c.log.Warn("stopped waiting for journal entries that may still commit: their denials and cancellations will not be counted",
			"entries", given)
	}
}

// recheck counts the pending entries that have committed since, and gives up those pending
// longer than the grace.
func (c *endingCounter) recheck(ctx context.Context, now time.Time) error {
	if len(c.pending) == 0 {
		return nil
	}
	rows, err := c.store.JournalAt(ctx, slices.Sorted(maps.Keys(c.pending)))
	if err != nil {
		return err
	}
	for _, r := range rows {
		if _, ok := c.pending[r.Seq]; ok {
			delete(c.pending, r.Seq)
			c.tally(r)
		}
	}
	for n, since := range c.pending {
		if now.Sub(since) > c.grace {
			delete(c.pending, n)
		}
	}
	return nil
}
