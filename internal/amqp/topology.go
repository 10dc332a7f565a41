package amqp

import (
	"fmt"

	amqp091 "github.com/rabbitmq/amqp091-go"

	"github.com/packuilon/packuilon/internal/config"
)

// DeclareQueue declares a durable, non-exclusive queue with no arguments: exactly what
// cdb2rabbit and rabbit2packer declare, so an existing site's queue is accepted as it is
// (declaring it with other arguments would fail with PRECONDITION_FAILED).
func DeclareQueue(ch *amqp091.Channel, name string) (amqp091.Queue, error) {
	return declare(ch, name, nil)
}

// DeclareBuildQueue declares the build queue as QUEUE_TYPE says. "classic" is DeclareQueue,
// unchanged for existing sites. "quorum" declares a replicated quorum queue whose broker
// dead-letters a message delivered DELIVERY_LIMIT times without an ack (one that crashes every
// builder that takes it) to the dead-letter queue, which is declared first. Every client of the
// queue (watcher, publish, builder) must declare it the same way.
func DeclareBuildQueue(ch *amqp091.Channel, g config.Global) (amqp091.Queue, error) {
	if g.QueueType != config.QueueQuorum {
		return DeclareQueue(ch, g.Queue)
	}
	if _, err := DeclareQueue(ch, g.DeadLetterQueue()); err != nil {
		return amqp091.Queue{}, err
	}
	return declare(ch, g.Queue, amqp091.Table{
		"x-queue-type":              "quorum",
		"x-delivery-limit":          int64(g.DeliveryLimit),
		"x-dead-letter-exchange":    "",
		"x-dead-letter-routing-key": g.DeadLetterQueue(),
	})
}

func declare(ch *amqp091.Channel, name string, args amqp091.Table) (amqp091.Queue, error) {
	q, err := ch.QueueDeclare(name, true /* durable */, false /* auto-delete */, false /* exclusive */, false /* no-wait */, args)
	if err != nil {
		return q, fmt.Errorf("declare queue %s: %w", name, err)
	}
	return q, nil
}

// QueueDepth returns the number of ready messages in an existing queue (passive declare).
func QueueDepth(conn *amqp091.Connection, name string) (int, error) {
	ch, err := conn.Channel()
	if err != nil {
		return 0, fmt.Errorf("open channel: %w", err)
	}
	defer ch.Close()
	q, err := ch.QueueDeclarePassive(name, true, false, false, false, nil)
	if err != nil {
		return 0, fmt.Errorf("inspect queue %s: %w", name, err)
	}
	return q.Messages, nil
}
