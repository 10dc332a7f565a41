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
	// recorded is called with each recorded build that still waits (one a later request of
	// the batch superseded is not): it hands the build to the scheduler.
	recorded func(state.Waiting)
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
	out, err := in.store.IntakeBatch(ctx, batch)
	if err != nil {
		for _, i := range at {
			errs[i] = err
		}
		return errs
	}
	step("committed")
	for j, r := range out {
		req := batch[j].Request
		in.log.Info("request recorded", "build_id", r.Record.ID, "image_key", r.Record.ImageKey, "format", formats[at[j]],
			"reason", req.Reason, "digest", req.ProfileDigest, "superseded", len(r.Superseded), "batch", len(batch))
	}
	if in.recorded != nil {
		gone := map[string]bool{} // superseded by a later request of the batch
		for _, r := range out {
			for _, id := range r.Superseded {
				gone[id] = true
			}
		}
		for _, r := range out {
			if !gone[r.Record.ID] {
				in.recorded(r.Waiting())
			}
		}
	}
	return errs
}
