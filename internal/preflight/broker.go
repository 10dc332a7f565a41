package preflight

import (
	"context"
	"fmt"

	"github.com/packuilon/packuilon/internal/amqp"
	"github.com/packuilon/packuilon/internal/config"
)

// broker logs in to RabbitMQ as the daemons do and looks at the queue without declaring it
// (a passive declare: an absent queue is reported, not created).
func broker(ctx context.Context, g config.Global) Result {
	name := "broker " + g.Redacted()
	return withTimeout(ctx, func(ctx context.Context) Result {
		conn, err := amqp.Dial(ctx, g)
		if err != nil {
			return fail(name, err)
		}
		defer conn.Close()
		ch, err := conn.Channel()
		if err != nil {
			return fail(name, fmt.Errorf("open a channel: %w", err))
		}
		defer ch.Close()
		q, err := ch.QueueDeclarePassive(g.Queue, true, false, false, false, nil)
		if err != nil {
			return fail(name, fmt.Errorf("logged in, but queue %q: %w (the watcher declares it when it first publishes)", g.Queue, err))
		}
		return ok(name, "logged in; queue %s has %d message(s), %d consumer(s)", q.Name, q.Messages, q.Consumers)
	})
}
