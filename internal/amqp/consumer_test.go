package amqp_test

import (
	"context"
	"errors"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	amqp091 "github.com/rabbitmq/amqp091-go"

	"github.com/packuilon/packuilon/internal/amqp"
	"github.com/packuilon/packuilon/internal/testenv"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }

// TestConsumerSettlesDeliveries covers the three outcomes of a handler: nil acks; *Poison
// copies the message to <QUEUE>.dead with the reason, then acks; any other error hands the
// message back to the broker, which delivers it again.
func TestConsumerSettlesDeliveries(t *testing.T) {
	rmq := testenv.SharedRabbit(t)
	g := rmq.Global(testenv.UniqueName(t))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	conn, err := amqp.Dial(ctx, g)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	pub, err := amqp.NewPublisher(conn, g.Queue)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"ok", "poison", "transient"} {
		if err := pub.Publish(ctx, amqp.Message{Body: []byte(id), MessageID: id, Headers: amqp091.Table{"x-site": "ral"}}); err != nil {
			t.Fatal(err)
		}
	}
	var mu sync.Mutex
	seen := map[string]int{}
	done := make(chan struct{})
	c := &amqp.Consumer{Global: g, Prefetch: 4, Log: hclog.NewNullLogger(), Handle: func(_ context.Context, d amqp091.Delivery) error {
		mu.Lock()
		defer mu.Unlock()
		seen[d.MessageId]++
		switch {
		case d.MessageId == "poison":
			return &amqp.Poison{Reason: "not a build request"}
		case d.MessageId == "transient" && seen["transient"] == 1:
			return errors.New("disk full")
		}
		if seen["ok"] == 1 && seen["transient"] == 2 && seen["poison"] == 1 {
			close(done)
		}
		return nil
	}}
	cctx, stop := context.WithCancel(ctx)
	finished := make(chan error, 1)
	go func() { finished <- c.Run(cctx) }()
	select {
	case <-done:
	case <-ctx.Done():
		t.Fatalf("deliveries seen: %v", seen)
	}
	stop()
	if err := <-finished; err != nil {
		t.Fatal(err)
	}
	ch, err := conn.Channel()
	if err != nil {
		t.Fatal(err)
	}
	d, ok, err := ch.Get(g.DeadLetterQueue(), true)
	if err != nil || !ok {
		t.Fatalf("dead-letter queue empty: %v", err)
	}
	if string(d.Body) != "poison" || d.Headers[amqp.ReasonHeader] != "not a build request" || d.Headers["x-site"] != "ral" {
		t.Errorf("dead letter = %q headers %v", d.Body, d.Headers)
	}
	if n, err := amqp.QueueDepth(conn, g.Queue); err != nil || n != 0 {
		t.Errorf("queue depth = %d (%v), want 0", n, err)
	}
}
