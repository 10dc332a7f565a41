package amqp

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/hashicorp/go-hclog"
	amqp091 "github.com/rabbitmq/amqp091-go"

	"github.com/packuilon/packuilon/internal/config"
	"github.com/packuilon/packuilon/internal/retry"
)

// ReasonHeader carries the reason a message was dead-lettered.
const ReasonHeader = "x-packuilon-reason"

// Reconnect delays: start fast (a broker restart takes seconds) and back off to half a minute
// so a long outage does not flood the broker's log with connection attempts.
const (
	reconnectInitial = 500 * time.Millisecond
	reconnectMax     = 30 * time.Second
)

// handlerRetryDelay is how long a delivery waits before it is handed back to the broker after
// the handler failed for a reason that is not the message's fault (e.g. the disk is full):
// without it a requeued message would come straight back in a hot loop.
const handlerRetryDelay = 2 * time.Second

// Poison is the error a handler returns for a message that can never be processed. The
// consumer publishes it to the dead-letter queue with Reason in the x-packuilon-reason header
// and acks the original.
type Poison struct{ Reason string }

// Error says the message is poison and why.
func (p *Poison) Error() string { return "poison message: " + p.Reason }

// Consumer consumes a queue with manual acks and reconnects when the broker goes away.
type Consumer struct {
	Global config.Global
	// Prefetch bounds unacked deliveries (Qos).
	Prefetch int
	Log      hclog.Logger
	// Handle processes one delivery. nil → ack; *Poison → dead-letter, then ack; any other
	// error → the delivery is requeued after a pause.
	Handle func(ctx context.Context, d amqp091.Delivery) error
	// HandleBatch, when set, is used instead of Handle: it gets every delivery that is waiting
	// (up to Prefetch) at once and returns one error per delivery, with Handle's meaning. A
	// handler that commits a batch in one transaction pays one disk flush for the lot (group
	// commit), and still each delivery is acked only after its own result is known.
	HandleBatch func(ctx context.Context, ds []amqp091.Delivery) []error
	// OnState, if set, is told when the consumer connects (err nil) or loses or cannot get its
	// connection (err says why; permanent when retrying cannot help, see IsPermanent).
	OnState func(connected bool, err error, permanent bool)
}

func (c *Consumer) state(connected bool, err error) {
	if c.OnState != nil {
		c.OnState(connected, err, err != nil && IsPermanent(err))
	}
}

// Run consumes until ctx is done. Connection failures are retried with backoff forever; the
// log says so once per distinct error, not once per attempt.
func (c *Consumer) Run(ctx context.Context) error {
	for ctx.Err() == nil {
		var sess *session
		// A fresh OnChange per outage: the first error of each outage is logged again.
		err := retry.Do(ctx, retry.Policy{Initial: reconnectInitial, Max: reconnectMax,
			OnRetry: retry.OnChange(func(attempt int, err error, _ time.Duration) {
				c.state(false, err)
				if IsPermanent(err) {
					// Retried still (the password may be fixed on the broker's side), but it is
					// an error for the operator, not a passing outage.
					c.Log.Error("the broker refuses the connection; fix the configuration", "error", err, "attempts", attempt)
					return
				}
				c.Log.Warn("cannot consume; retrying", "error", err, "attempts", attempt)
			})}, func(ctx context.Context) error {
			s, err := c.open(ctx)
			sess = s
			return err
		})
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		c.Log.Info("consuming", "queue", c.Global.Queue, "broker", c.Global.Redacted())
		c.state(true, nil)
		err = c.serve(ctx, sess)
		sess.close()
		c.state(false, err)
		if ctx.Err() != nil {
			return nil
		}
		c.Log.Warn("lost the broker; reconnecting", "error", err)
	}
	return nil
}

// session is one connection with its consuming channel and dead-letter publisher.
type session struct {
	conn       *amqp091.Connection
	ch         *amqp091.Channel
	dead       *Publisher
	deliveries <-chan amqp091.Delivery
	closed     chan *amqp091.Error
}

func (s *session) close() {
	if s.dead != nil {
		s.dead.Close()
	}
	s.conn.Close()
}

func (c *Consumer) open(ctx context.Context) (*session, error) {
	conn, err := Dial(ctx, c.Global)
	if err != nil {
		return nil, err
	}
	s := &session{conn: conn}
	// A fresh buffered channel per connection: amqp091 closes it on shutdown and would block
	// on an unbuffered one that nobody reads.
	s.closed = conn.NotifyClose(make(chan *amqp091.Error, 1))
	fail := func(err error) (*session, error) { conn.Close(); return nil, err }
	if s.ch, err = conn.Channel(); err != nil {
		return fail(fmt.Errorf("open channel: %w", err))
	}
	if err := s.ch.Qos(c.Prefetch, 0, false /* per consumer */); err != nil {
		return fail(fmt.Errorf("set prefetch: %w", err))
	}
	if _, err := DeclareBuildQueue(s.ch, c.Global); err != nil {
		return fail(err)
	}
	// The dead-letter queue is a plain queue we publish to, not an x-dead-letter-exchange
	// argument: adding arguments to an existing queue fails with PRECONDITION_FAILED.
	if s.dead, err = NewPublisher(conn, c.Global.DeadLetterQueue()); err != nil {
		return fail(err)
	}
	s.deliveries, err = s.ch.ConsumeWithContext(ctx, c.Global.Queue, "packuilon-builder",
		false /* auto-ack */, false /* exclusive */, false /* no-local */, false /* no-wait */, nil)
	if err != nil {
		return fail(fmt.Errorf("consume %s: %w", c.Global.Queue, err))
	}
	if c.HandleBatch != nil {
		// amqp091 hands deliveries over one at a time on an unbuffered channel: copy them into
		// a buffer of Prefetch, so a batch takes every delivery the broker has sent. The broker
		// never sends more than Prefetch unacked, so the copy never blocks for long, and it
		// ends when the connection closes the source channel.
		raw, buf := s.deliveries, make(chan amqp091.Delivery, max(c.Prefetch, 1))
		go func() {
			defer close(buf)
			for d := range raw {
				buf <- d
			}
		}()
		s.deliveries = buf
	}
	return s, nil
}

// serve handles deliveries until the connection breaks or ctx is done.
func (c *Consumer) serve(ctx context.Context, s *session) error {
	for {
		select {
		case <-ctx.Done():
			return nil
		case err := <-s.closed:
			if err == nil {
				return errors.New("connection closed")
			}
			return err
		case d, ok := <-s.deliveries:
			if !ok {
				return errors.New("delivery channel closed")
			}
			if c.HandleBatch != nil {
				if err := c.deliverBatch(ctx, s, c.drain(s, d)); err != nil {
					return err
				}
				continue
			}
			if err := c.settle(ctx, s, d, c.Handle(ctx, d)); err != nil {
				return err
			}
		}
	}
}

// drain returns first and whatever other deliveries are already waiting, up to Prefetch.
func (c *Consumer) drain(s *session, first amqp091.Delivery) []amqp091.Delivery {
	ds := []amqp091.Delivery{first}
	for len(ds) < max(c.Prefetch, 1) {
		select {
		case d, ok := <-s.deliveries:
			if !ok {
				return ds // serve sees the closed channel next
			}
			ds = append(ds, d)
		default:
			return ds
		}
	}
	return ds
}

// deliverBatch runs HandleBatch and settles every delivery with its own result.
func (c *Consumer) deliverBatch(ctx context.Context, s *session, ds []amqp091.Delivery) error {
	errs := c.HandleBatch(ctx, ds)
	if len(errs) != len(ds) {
		return fmt.Errorf("batch handler returned %d results for %d deliveries", len(errs), len(ds))
	}
	if !slices.ContainsFunc(errs, func(err error) bool { return err != nil }) {
		// All taken: one ack for the batch. Every earlier delivery of this channel is settled
		// already (batches are handled one after another), so "multiple" acks exactly these.
		return ds[len(ds)-1].Ack(true /* multiple */)
	}
	failed := false
	for i, d := range ds {
		herr := errs[i]
		var poison *Poison
		if herr != nil && !errors.As(herr, &poison) {
			// Requeued: pause once for the batch, not once per message.
			c.Log.Error("cannot take a message; it goes back to the queue", "message_id", d.MessageId, "error", herr)
			if !failed {
				retry.Sleep(ctx, handlerRetryDelay)
				failed = true
			}
			if err := d.Nack(false, true /* requeue */); err != nil {
				return err
			}
			continue
		}
		if err := c.settle(ctx, s, d, herr); err != nil {
			return err
		}
	}
	return nil
}

// settle acks, dead-letters or requeues d by the handler's result. An error means the channel
// is unusable.
func (c *Consumer) settle(ctx context.Context, s *session, d amqp091.Delivery, herr error) error {
	var poison *Poison
	switch {
	case herr == nil:
		return d.Ack(false)
	case errors.As(herr, &poison):
		if err := c.deadLetter(ctx, s, d, poison.Reason); err != nil {
			return err // not acked: the broker redelivers it after the reconnect
		}
		c.Log.Warn("dead-lettered a message", "message_id", d.MessageId, "queue", c.Global.DeadLetterQueue(), "error", poison.Reason)
		return d.Ack(false)
	default:
		c.Log.Error("cannot take a message; it goes back to the queue", "message_id", d.MessageId, "error", herr)
		retry.Sleep(ctx, handlerRetryDelay)
		return d.Nack(false, true /* requeue */)
	}
}

// deadLetter copies d to the dead-letter queue with the reason and waits for the confirm, so
// acking the original afterwards cannot lose it.
func (c *Consumer) deadLetter(ctx context.Context, s *session, d amqp091.Delivery, reason string) error {
	h := amqp091.Table{}
	for k, v := range d.Headers {
		h[k] = v
	}
	if len(reason) > 1000 {
		reason = reason[:1000]
	}
	h[ReasonHeader] = reason
	h["x-packuilon-queue"] = c.Global.Queue
	return s.dead.Publish(ctx, Message{Body: d.Body, MessageID: d.MessageId, Type: d.Type, ContentType: d.ContentType, Headers: h})
}
