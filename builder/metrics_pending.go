package builder

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/packuilon/packuilon/internal/state"
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

// missing is a journal number missing when read, and when it was first missed.
type missing struct {
	seq   int64
	since time.Time
}

// reach records that the journal was read up to seq: the numbers between the last one read and
// seq, missing, are pending since now. They are above every number pending already (all below
// the mark), so the pending numbers stay in order, the oldest first, without sorting.
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
		c.pending = append(c.pending, missing{n, now})
	}
	c.mark = seq
	over := max(len(c.pending)-maxPending, 0)
	c.pending = c.pending[over:]
	if given := skipped + int64(over); given > 0 {
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
	seqs := make([]int64, len(c.pending))
	for i, p := range c.pending {
		seqs[i] = p.seq
	}
	rows, err := c.store.JournalAt(ctx, seqs)
	if err != nil {
		return err
	}
	kept := c.pending[:0]
	for _, p := range c.pending {
		if i, ok := slices.BinarySearchFunc(rows, p.seq, func(r state.JournalRow, seq int64) int { return cmp.Compare(r.Seq, seq) }); ok {
			c.tally(rows[i])
		} else if now.Sub(p.since) <= c.grace {
			kept = append(kept, p)
		}
	}
	c.pending = kept
	return nil
}
