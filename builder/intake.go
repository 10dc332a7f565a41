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
	// recorded is called after each recorded request (wakes the scheduler).
	recorded func()
}

// handle decodes and validates a delivery and records it. The consumer acks only when handle
// returned nil, i.e. after the request is committed to the store: a crash before that leaves
// the message in the queue, a crash after it leaves the build in the store (property 2). A
// message that can never be a request is returned as *amqp.Poison for the dead-letter queue;
// a store failure is returned as is and the message goes back to the queue.
func (in *intake) handle(ctx context.Context, d amqp091.Delivery) error {
	req, format, err := in.decoder.Decode(d.Body)
	if err != nil {
		if errors.Is(err, event.ErrInvalid) {
			return &amqp.Poison{Reason: err.Error()}
		}
		return err
	}
	rec, superseded, err := in.store.Intake(ctx, req, d.MessageId)
	if err != nil {
		return err
	}
	in.log.Info("request recorded", "build_id", rec.ID, "image_key", rec.ImageKey, "format", format,
		"reason", req.Reason, "digest", req.ProfileDigest, "superseded", len(superseded))
	if in.recorded != nil {
		in.recorded()
	}
	return nil
}
