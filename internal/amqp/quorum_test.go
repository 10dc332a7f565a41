package amqp_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	amqp091 "github.com/rabbitmq/amqp091-go"

	"github.com/packuilon/packuilon/internal/amqp"
	"github.com/packuilon/packuilon/internal/config"
	"github.com/packuilon/packuilon/internal/testenv"
)

// TestQuorumQueueDeadLettersAfterTheDeliveryLimit: with QUEUE_TYPE = quorum the broker itself
// moves a message that was delivered DELIVERY_LIMIT times without an ack to the dead-letter
// queue; a good message beside it is handled (in a batch) and acked. A classic queue of the
// same name cannot be redeclared as quorum: the type is for new deployments.
func TestQuorumQueueDeadLettersAfterTheDeliveryLimit(t *testing.T) {
	rmq := testenv.SharedRabbit(t)
	g := rmq.Global(testenv.UniqueName(t))
	g.QueueType, g.DeliveryLimit = config.QueueQuorum, 2
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	conn, err := amqp.Dial(ctx, g)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	pub, err := amqp.NewBuildPublisher(conn, g)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"ok", "crasher"} {
		if err := pub.Publish(ctx, amqp.Message{Body: []byte(id), MessageID: id}); err != nil {
			t.Fatal(err)
		}
	}
	var mu sync.Mutex
	seen := map[string]int{}
	c := &amqp.Consumer{Global: g, Prefetch: 4, Log: hclog.NewNullLogger(), HandleBatch: func(_ context.Context, ds []amqp091.Delivery) []error {
		mu.Lock()
		defer mu.Unlock()
		errs := make([]error, len(ds))
		for i, d := range ds {
			seen[d.MessageId]++
			if d.MessageId == "crasher" {
				errs[i] = errors.New("builder crashed")
			}
		}
		return errs
	}}
	cctx, stop := context.WithCancel(ctx)
	finished := make(chan error, 1)
	go func() { finished <- c.Run(cctx) }()
	ch, err := conn.Channel()
	if err != nil {
		t.Fatal(err)
	}
	var dead amqp091.Delivery
	for ok := false; !ok; {
		if ctx.Err() != nil {
			t.Fatalf("nothing dead-lettered; deliveries seen: %v", seen)
		}
		time.Sleep(200 * time.Millisecond)
		if dead, ok, err = ch.Get(g.DeadLetterQueue(), true); err != nil {
			t.Fatal(err)
		}
	}
	stop()
	if err := <-finished; err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if string(dead.Body) != "crasher" || seen["ok"] != 1 || seen["crasher"] < g.DeliveryLimit {
		t.Fatalf("dead-lettered %q; deliveries seen %v", dead.Body, seen)
	}
	if n, err := amqp.QueueDepth(conn, g.Queue); err != nil || n != 0 {
		t.Fatalf("queue depth %d, %v", n, err)
	}

	classic := rmq.Global(testenv.UniqueName(t))
	if _, err := amqp.NewBuildPublisher(conn, classic); err != nil {
		t.Fatal(err)
	}
	classic.QueueType = config.QueueQuorum
	if _, err := amqp.NewBuildPublisher(conn, classic); err == nil {
		t.Fatal("an existing classic queue was redeclared as quorum")
	}
}
