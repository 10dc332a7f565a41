package builder

import (
	"context"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/hashicorp/go-hclog"
	amqp091 "github.com/rabbitmq/amqp091-go"

	"github.com/packuilon/packuilon/internal/config"
	"github.com/packuilon/packuilon/internal/state"
	"github.com/packuilon/packuilon/internal/testenv"
	"github.com/packuilon/packuilon/templates"
)

// TestHandedBuildWaitsForATakenBackOne: builder A's intake records a request of a key whose
// build runs on builder B and hands it to A's next dispatch round, which starts it without
// reading the queue. Just before that round, B's lease is taken back and its build queued
// again, older than the handed one. The round's claim is refused, the handed build stays
// queued, and the round after it (which reads the queue) runs the older build first, then the
// newer one. Two stores on one database are the two builders, on SQLite and on PostgreSQL.
func TestHandedBuildWaitsForATakenBackOne(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			var target string
			var opts []state.Option
			if backend == "sqlite" {
				target = filepath.Join(t.TempDir(), "builds.db")
			} else {
				pg := testenv.SharedPostgres(t)
				target, opts = pg.NewDatabase(t), []state.Option{state.WithPasswordFile(pg.PasswordFile)}
			}
			testHandedBuildWaitsForATakenBackOne(t, target, opts)
		})
	}
}

func testHandedBuildWaitsForATakenBackOne(t *testing.T, target string, opts []state.Option) {
	ctx := context.Background()
	open := func() *state.Store {
		st, err := state.Open(target, opts...)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	}
	stA, stB := open(), open()
	old, _, err := stB.Intake(ctx, request("ordered", "sha256:old"), "m1")
	if err != nil {
		t.Fatal(err)
	}
	// B runs the old build under a lease of no time: expired by the time A's round comes.
	if _, _, err := stB.ClaimBuildInto(ctx, old.ID, "host-b/1/1", 0, "", state.Rendering, "render"); err != nil {
		t.Fatal(err)
	}

	var mu sync.Mutex
	var ran []string
	render := stageFunc{"render", func(_ context.Context, b *Build) error {
		mu.Lock()
		defer mu.Unlock()
		ran = append(ran, b.ID)
		return nil
	}}
	cfg := loadTree(t, config.Global{})
	var cfgs atomic.Pointer[config.Config]
	cfgs.Store(cfg)
	s := newScheduler(stA, &Pipeline{Store: stA, Stages: []Stage{render}}, &cfgs, &atomic.Pointer[templates.Set]{}, hclog.NewNullLogger())
	in := &intake{store: stA, log: hclog.NewNullLogger(), sched: s}
	if err := in.handle(ctx, amqp091.Delivery{Body: mustJSON(t, request("ordered", "sha256:new")), MessageId: "m2"}); err != nil {
		t.Fatal(err)
	}
	if len(s.handed) != 1 {
		t.Fatalf("handed %+v; want the new request handed to the next round", s.handed)
	}
	newer := s.handed[0].ID
	if ids, err := stB.ReapExpired(ctx); err != nil || len(ids) != 1 || ids[0] != old.ID {
		t.Fatalf("taken back %v, %v; want %s", ids, err, old.ID)
	}
	select { // the round asked for below must be the refused claim's
	case <-s.wake:
	default:
	}

	s.dispatchHanded(ctx, ctx)
	s.wait()
	if got, err := stA.Get(ctx, newer); err != nil || got.State != state.Queued || got.Attempt != 0 || len(ran) != 0 {
		t.Fatalf("after the handed round: %s (attempt %d), %v, ran %v; want the new build left queued, nothing run", got.State, got.Attempt, err, ran)
	}
	select {
	case <-s.wake:
	default:
		t.Fatal("the refused claim asked for no round that reads the queue")
	}
	for i := 0; i < 2 && len(ran) < 2; i++ { // each build's end asks for the next round
		s.dispatch(ctx, ctx)
		s.wait()
	}
	if want := []string{old.ID, newer}; !slices.Equal(ran, want) {
		t.Fatalf("ran %v; want the taken-back build first: %v", ran, want)
	}
	for _, id := range []string{old.ID, newer} {
		if got, err := stA.Get(ctx, id); err != nil || got.State != state.Succeeded {
			t.Fatalf("build %s: %+v, %v; want succeeded", id, got, err)
		}
	}
}
