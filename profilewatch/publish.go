package profilewatch

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/hashicorp/go-hclog"

	"github.com/packuilon/packuilon/internal/amqp"
	"github.com/packuilon/packuilon/internal/config"
	"github.com/packuilon/packuilon/internal/event"
	"github.com/packuilon/packuilon/internal/retry"
)

// dialPolicy retries the connection a few times: a broker restarting for a minute should not
// fail a scan, but a cron-driven scan must not hang on a broker that is down for good.
var dialPolicy = retry.Policy{Attempts: 4, Initial: time.Second, Max: 5 * time.Second}

// Publish sends every request to the queue of g, persistent, and returns nil only when the
// broker confirmed all of them. All messages are sent before any confirm is awaited: one round
// trip for the batch instead of one per message. afterConnect, if not nil, runs once the channel
// is open (tests stop the broker there).
func Publish(ctx context.Context, g config.Global, reqs []event.BuildRequest, log hclog.Logger, afterConnect func()) error {
	if len(reqs) == 0 {
		return nil
	}
	c := connect(ctx, g, log)
	if c.err != nil {
		return c.err
	}
	defer c.close()
	return c.send(ctx, reqs, afterConnect)
}

// connection is an open publisher, or why there is none.
type connection struct {
	pub  *amqp.Publisher
	conn interface{ Close() error }
	err  error
}

// connect opens a connection and a publisher on it, retrying by dialPolicy.
func connect(ctx context.Context, g config.Global, log hclog.Logger) connection {
	var c connection
	c.err = retry.Do(ctx, withLog(dialPolicy, log), func(ctx context.Context) error {
		conn, err := amqp.Dial(ctx, g)
		if err != nil {
			return err
		}
		p, err := amqp.NewBuildPublisher(conn, g)
		if err != nil {
			conn.Close()
			return err
		}
		c.pub, c.conn = p, conn
		return nil
	})
	return c
}

func (c connection) close() {
	if c.pub != nil {
		c.pub.Close()
		c.conn.Close()
	}
}

// send publishes reqs on the open publisher and waits for every confirm.
func (c connection) send(ctx context.Context, reqs []event.BuildRequest, afterConnect func()) error {
	if afterConnect != nil {
		afterConnect()
	}
	pending := make([]amqp.Deferred, 0, len(reqs))
	for _, r := range reqs {
		d, err := c.sendOne(ctx, r)
		if err != nil {
			return err
		}
		pending = append(pending, d)
	}
	for _, d := range pending {
		if err := d.Wait(ctx); err != nil {
			return err
		}
	}
	return nil
}

// sendOne publishes r without waiting for its confirm.
func (c connection) sendOne(ctx context.Context, r event.BuildRequest) (amqp.Deferred, error) {
	body, err := json.Marshal(r)
	if err != nil {
		return amqp.Deferred{}, fmt.Errorf("encode request for %s: %w", r.ImageKey, err)
	}
	return c.pub.Send(ctx, amqp.Message{
		Body:        body,
		MessageID:   r.MessageID(uuid.NewString()),
		Type:        event.Schema,
		ContentType: event.ContentType,
	})
}

// withLog logs the first failure and every change of error, not each attempt.
func withLog(p retry.Policy, log hclog.Logger) retry.Policy {
	p.OnRetry = retry.OnChange(func(attempt int, err error, wait time.Duration) {
		log.Warn("cannot reach the broker, retrying", "attempts", attempt, "error", err, "duration", wait)
	})
	return p
}
