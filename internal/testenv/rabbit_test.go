package testenv

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/packuilon/packuilon/internal/amqp"
)

func TestMain(m *testing.M) { os.Exit(Main(m)) }

func TestRabbitPublishSurvivesRestartOfApp(t *testing.T) {
	r := PrivateRabbit(t)
	g := r.Global(UniqueName(t))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := amqp.Dial(ctx, g)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := amqp.NewPublisher(conn, g.Queue)
	if err != nil {
		t.Fatal(err)
	}
	if err := pub.Publish(ctx, amqp.Message{Body: []byte(`{}`), MessageID: "m1"}); err != nil {
		t.Fatal(err)
	}
	if err := r.StopApp(); err != nil {
		t.Fatal(err)
	}
	if err := pub.Publish(ctx, amqp.Message{Body: []byte(`{}`), MessageID: "m2"}); err == nil {
		t.Fatal("publish to a stopped broker succeeded")
	}
	if err := r.StartApp(); err != nil {
		t.Fatal(err)
	}
	conn2, err := amqp.Dial(ctx, g)
	if err != nil {
		t.Fatal(err)
	}
	defer conn2.Close()
	n, err := amqp.QueueDepth(conn2, g.Queue)
	if err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Fatalf("queue depth after restart = %d, want the 1 confirmed persistent message", n)
	}
}
