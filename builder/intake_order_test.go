package builder

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/hashicorp/go-hclog"
	amqp091 "github.com/rabbitmq/amqp091-go"

	"github.com/packuilon/packuilon/internal/amqp"
	"github.com/packuilon/packuilon/internal/event"
	"github.com/packuilon/packuilon/internal/state"
)

// TestIntakeRecordsBeforeItAcks pins the intake half of property 2 (the consumer acks only on
// nil, see internal/amqp's TestConsumerSettlesDeliveries): handle returns nil only once the
// request is committed, so another process (a restarted daemon) sees it; a store that cannot
// record returns an error that is not Poison, so the message goes back to the queue rather
// than being acked or dead-lettered.
func TestIntakeRecordsBeforeItAcks(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "state", "builds.db")
	st, err := state.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	req := request("nubesvms", "sha256:ack")
	d := amqp091.Delivery{Body: mustJSON(t, req), MessageId: "m-ack"}

	other, err := state.Open(path) // what a daemon started after a crash would read
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	queued := func() int {
		recs, err := other.Queued(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return len(recs)
	}
	woken := false
	in := &intake{store: st, log: hclog.NewNullLogger(), sched: waitingFunc(func(w state.Waiting) {
		woken = true
		if queued() != 1 {
			t.Error("the scheduler was woken before the request was committed")
		}
		if rec, err := other.Get(ctx, w.ID); err != nil || rec.State != state.Queued || rec.ImageKey != w.ImageKey {
			t.Errorf("handed build %s (%s): in the store %+v, %v; want it queued", w.ID, w.ImageKey, rec, err)
		}
	})}
	if err := in.handle(ctx, d); err != nil {
		t.Fatalf("handle: %v", err)
	}
	if n := queued(); n != 1 || !woken {
		t.Fatalf("after handle returned nil: %d queued builds in the store (want 1), scheduler woken %v", n, woken)
	}

	broken, err := state.Open(filepath.Join(t.TempDir(), "broken.db"))
	if err != nil {
		t.Fatal(err)
	}
	broken.Close()
	in = &intake{store: broken, log: hclog.NewNullLogger(), sched: waitingFunc(func(state.Waiting) { t.Error("woken without a record") })}
	err = in.handle(ctx, d)
	var poison *amqp.Poison
	if err == nil || errors.As(err, &poison) {
		t.Fatalf("handle with a store that cannot record = %v, want a plain error (requeue, no ack)", err)
	}

	in = &intake{store: st, log: hclog.NewNullLogger()}
	if err := in.handle(ctx, amqp091.Delivery{Body: []byte("not json")}); !errors.As(err, &poison) {
		t.Fatalf("handle of a non-request = %v, want *amqp.Poison", err)
	}
	if n := queued(); n != 1 {
		t.Errorf("%d queued builds after a poison message, want 1", n)
	}
}

// waitingFunc is an intakeScheduler that reserves nothing and hears each recorded build.
type waitingFunc func(state.Waiting)

func (f waitingFunc) reserve(event.BuildRequest) *reservation   { return nil }
func (f waitingFunc) recorded(r state.Recorded, _ *reservation) { f(r.Waiting()) }
func (f waitingFunc) unreserve(*reservation)                    {}
