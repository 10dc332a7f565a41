package amqp

import (
	"context"
	"fmt"
	"sync"
	"time"

	amqp091 "github.com/rabbitmq/amqp091-go"

	"github.com/packuilon/packuilon/internal/config"
)

// Message is what Publish sends. Messages are always persistent.
type Message struct {
	Body        []byte
	MessageID   string
	Type        string
	ContentType string
	Headers     amqp091.Table
}

// Publisher publishes persistent messages to one queue through the default exchange and waits
// for the broker's confirm of each. It is safe for concurrent use.
type Publisher struct {
	mu    sync.Mutex
	ch    *amqp091.Channel
	queue string
}

// NewPublisher opens a channel in confirm mode on conn and declares queue.
func NewPublisher(conn *amqp091.Connection, queue string) (*Publisher, error) {
	return newPublisher(conn, queue, func(ch *amqp091.Channel) error { _, err := DeclareQueue(ch, queue); return err })
}

// NewBuildPublisher is NewPublisher for the build queue, declared as QUEUE_TYPE says
// (DeclareBuildQueue).
func NewBuildPublisher(conn *amqp091.Connection, g config.Global) (*Publisher, error) {
	return newPublisher(conn, g.Queue, func(ch *amqp091.Channel) error { _, err := DeclareBuildQueue(ch, g); return err })
}

func newPublisher(conn *amqp091.Connection, queue string, declare func(*amqp091.Channel) error) (*Publisher, error) {
	ch, err := conn.Channel()
	if err != nil {
		return nil, fmt.Errorf("open channel: %w", err)
	}
	if err := ch.Confirm(false /* no-wait */); err != nil {
		ch.Close()
		return nil, fmt.Errorf("enable publisher confirms: %w", err)
	}
	if err := declare(ch); err != nil {
		ch.Close()
		return nil, err
	}
	return &Publisher{ch: ch, queue: queue}, nil
}

// Publish sends m and returns once the broker confirmed it (the message is then on disk for a
// durable queue), or an error: nacked, channel closed, or ctx done. The queue exists because
// NewPublisher declared it; a queue deleted after that would still ack the message (RabbitMQ
// confirms an unroutable message after returning it, and the returns are not watched).
func (p *Publisher) Publish(ctx context.Context, m Message) error {
	d, err := p.Send(ctx, m)
	if err != nil {
		return err
	}
	return d.Wait(ctx)
}

// Deferred is a publish whose confirm has not been awaited yet.
type Deferred struct {
	dc    *amqp091.DeferredConfirmation
	queue string
	id    string
}

// Wait blocks until the broker confirmed the message, or fails.
func (d Deferred) Wait(ctx context.Context) error {
	ok, err := d.dc.WaitContext(ctx)
	if err != nil {
		return fmt.Errorf("wait for confirm of %s to %s: %w", d.id, d.queue, err)
	}
	if !ok {
		return fmt.Errorf("publish %s to %s: broker nacked the message", d.id, d.queue)
	}
	return nil
}

// Acked reports, without waiting, whether the broker has confirmed the message: one whose
// confirm has not come yet, was a nack, or was lost with its channel is not.
func (d Deferred) Acked() bool {
	return d.dc != nil && d.dc.Acked()
}

// Send publishes m without waiting for its confirm; callers that publish a batch send all,
// then Wait on each, which is much faster than one round trip per message.
func (p *Publisher) Send(ctx context.Context, m Message) (Deferred, error) {
	ct := m.ContentType
	if ct == "" {
		ct = "application/json"
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	dc, err := p.ch.PublishWithDeferredConfirmWithContext(ctx, "", p.queue, true /* mandatory */, false /* immediate */, amqp091.Publishing{
		DeliveryMode: amqp091.Persistent,
		ContentType:  ct,
		MessageId:    m.MessageID,
		Type:         m.Type,
		Timestamp:    time.Now().UTC(),
		Headers:      m.Headers,
		Body:         m.Body,
	})
	if err != nil {
		return Deferred{}, fmt.Errorf("publish %s to %s: %w", m.MessageID, p.queue, err)
	}
	return Deferred{dc: dc, queue: p.queue, id: m.MessageID}, nil
}

// Close closes the publisher's channel.
func (p *Publisher) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.ch.Close()
}
