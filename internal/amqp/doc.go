// Package amqp is packuilon's use of RabbitMQ: dialing from the [global] config, the queue
// topology (the build queue, declared exactly as the old scripts did, and its dead-letter
// queue), a confirmed publisher and a supervised manual-ack consumer.
//
//	conn, err := amqp.Dial(ctx, cfg.Global)
//	pub, err := amqp.NewPublisher(conn, cfg.Global.Queue)
//	err = pub.Publish(ctx, amqp.Message{Body: body, MessageID: id, Type: event.Schema})
package amqp
