package amqp

import (
	"fmt"

	amqp091 "github.com/rabbitmq/amqp091-go"
)

// DeclareQueue declares a durable, non-exclusive queue with no arguments: exactly what
// cdb2rabbit and rabbit2packer declare, so an existing site's queue is accepted as it is
// (declaring it with other arguments would fail with PRECONDITION_FAILED).
func DeclareQueue(ch *amqp091.Channel, name string) (amqp091.Queue, error) {
	q, err := ch.QueueDeclare(name, true /* durable */, false /* auto-delete */, false /* exclusive */, false /* no-wait */, nil)
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
