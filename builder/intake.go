package builder

import (
	"context"
	"errors"

	"github.com/hashicorp/go-hclog"
	amqp091 "github.com/rabbitmq/amqp091-go"

	"github.com/packuilon/packuilon/internal/amqp"
	"github.com/packuilon/packuilon/internal/event"
	"github.com/packuilon/packuilon/internal/state"
)

// intake turns deliveries into queued builds.
type intake struct {
	store *state.Store
	log   hclog.Logger
	// decoder gives whole profiles (cdb2rabbit's bodies) the watcher's digest: IGNORE_PATHS.
	decoder event.Decoder
	// sched, when set, hears of each recorded build that still waits (one a later request of
	// the batch superseded does not) or was claimed, and reserves the slots of the builds that
	// may start at once, which intake claims in its transaction.
	sched intakeScheduler
}

// handle decodes and validates a delivery and records it. The consumer acks only when handle
// returned nil, i.e. after the request is committed to the store: a crash before that leaves
// the message in the queue, a crash after it leaves the build in the store (property 2). A
// message that can never be a request is returned as *amqp.Poison for the dead-letter queue;
// a store failure is returned as is and the message goes back to the queue.
func (in *intake) handle(ctx context.Context, d amqp091.Delivery) error {
	return in.handleBatch(ctx, []amqp091.Delivery{d})[0]
}

// handleBatch is handle for every delivery waiting at once: the valid requests are committed
// in one transaction (one fsync for the batch, group commit), then each delivery is acked with
// its own result. A message that can never be a request is poison on its own; a store failure
// sends every valid message of the batch back to the queue, none of them recorded.
func (in *intake) handleBatch(ctx context.Context, ds []amqp091.Delivery) []error {
	step("intake")
	errs := make([]error, len(ds))
	var batch []state.Incoming
	var at []int // delivery index of each batch entry
	formats := make([]string, len(ds))
	for i, d := range ds {
		req, format, err := in.decoder.Decode(d.Body)
		if err != nil {
			if errors.Is(err, event.ErrInvalid) {
				err = &amqp.Poison{Reason: err.Error()}
			}
			errs[i] = err
			continue
		}
		formats[i] = format
		batch = append(batch, state.Incoming{Request: req, MessageID: d.MessageId})
		at = append(at, i)
	}
	if len(batch) == 0 {
		return errs
	}
	step("decoded")
	res := in.reserve(batch)
	out, err := in.store.IntakeBatch(ctx, batch)
	if err != nil {
		for _, i := range at {
			errs[i] = err
		}
		for _, r := range res {
			if r != nil {
				in.sched.unreserve(r)
			}
		}
		return errs
	}
	step("committed")
	for j, r := range out {
		req := batch[j].Request
		in.log.Info("request recorded", "build_id", r.Record.ID, "image_key", r.Record.ImageKey, "format", formats[at[j]],
			"reason", req.Reason, "digest", req.ProfileDigest, "superseded", len(r.Superseded), "batch", len(batch))
	}
	if in.sched != nil {
		gone := map[string]bool{} // superseded by a later request of the batch
		for _, r := range out {
			for _, id := range r.Superseded {
				gone[id] = true
			}
		}
		for j, r := range out {
			if !gone[r.Record.ID] {
				in.sched.recorded(r, res[j])
			}
		}
	}
	return errs
}

// reserve asks the scheduler for a slot for the last request of each key in batch (the others
// are superseded within it), and sets the Claim of those that got one.
func (in *intake) reserve(batch []state.Incoming) []*reservation {
	res := make([]*reservation, len(batch))
	if in.sched == nil {
		return res
	}
	last := map[string]int{}
	for j, b := range batch {
		last[b.Request.ImageKey] = j
	}
	for j := range batch {
		if last[batch[j].Request.ImageKey] != j {
			continue
		}
		if res[j] = in.sched.reserve(batch[j].Request); res[j] != nil {
			batch[j].Claim = &res[j].claim
		}
	}
	return res
}
