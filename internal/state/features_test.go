package state

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/packuilon/packuilon/internal/procgroup"
)

// TestStoreFeaturesOnBothBackends runs the store's other tables through one build on each
// back-end: the approval gate, cancel requests, the outbox, process groups and the health
// queries. Their behaviour is tested in depth with the builder; this holds the SQL to both.
func TestStoreFeaturesOnBothBackends(t *testing.T) {
	eachBackend(t, func(t *testing.T, be backend) {
		ctx := context.Background()
		s, _ := be.open(t)
		a, _, _ := s.Intake(ctx, req("p", "d1"), "")
		b, _, _ := s.Intake(ctx, req("q", "d1"), "")
		for _, id := range []string{a.ID, b.ID} {
			s.Start(ctx, id, "")
			s.Transition(ctx, id, AwaitingApproval, "approval")
		}
		if _, err := s.Await(ctx, a.ID); err != nil {
			t.Fatal(err)
		}
		if r, err := s.Approve(ctx, a.ID, "alice"); err != nil || r.State != Queued || r.Stage != ApprovedStage {
			t.Fatalf("approve: %v %+v", err, r)
		}
		if r, err := s.Deny(ctx, b.ID, "bob", "no"); err != nil || r.State != Denied {
			t.Fatalf("deny: %v %+v", err, r)
		}
		s.Transition(ctx, a.ID, Promoting, "promoting")
		if _, running, err := s.Cancel(ctx, a.ID, "carol"); err != nil || !running {
			t.Fatalf("cancel of a running build: running %v, %v", running, err)
		}
		if reqs, err := s.CancelRequests(ctx); err != nil || reqs[a.ID] != "carol" {
			t.Fatalf("cancel requests %v, %v", reqs, err)
		}
		if r, err := s.Cancelled(ctx, a.ID, "cancelled by carol"); err != nil || r.State != Cancelled {
			t.Fatalf("cancelled: %v %+v", err, r)
		}
		if reqs, _ := s.CancelRequests(ctx); len(reqs) != 0 {
			t.Fatalf("cancel request left: %v", reqs)
		}
		if err := s.DropCancelRequest(ctx, a.ID); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.Cancel(ctx, a.ID, "carol"); !errors.Is(err, ErrNotCancellable) {
			t.Fatalf("cancel of an ended build: %v", err)
		}

		if err := s.Enqueue(ctx, a.ID, "build.cancelled", `{"x":1}`, []string{"mail:failure", "webhook:1"}); err != nil {
			t.Fatal(err)
		}
		due, err := s.DueNotifications(ctx, time.Now().Add(time.Second), 10)
		if err != nil || len(due) != 2 {
			t.Fatalf("due = %d, %v", len(due), err)
		}
		s.NoteDelivered(ctx, due[0].Seq)
		s.NoteAttemptFailed(ctx, due[1].Seq, time.Time{}, "refused")
		if failed, _ := s.FailedNotifications(ctx, 10); len(failed) != 1 || failed[0].LastError != "refused" {
			t.Fatalf("failed notifications %+v", failed)
		}
		if _, ok, err := s.NextNotification(ctx); ok || err != nil {
			t.Fatalf("a notification is still pending (%v)", err)
		}

		g := procgroup.Group{ID: 4242, BootID: "boot", StartTime: 1 << 40}
		if err := s.SetProcessGroup(ctx, a.ID, g); err != nil {
			t.Fatal(err)
		}
		if got, ok, err := s.ProcessGroup(ctx, a.ID); err != nil || !ok || got != g {
			t.Fatalf("process group %+v %v %v", got, ok, err)
		}
		s.ClearProcessGroup(ctx, a.ID)
		if _, ok, _ := s.ProcessGroup(ctx, a.ID); ok {
			t.Fatal("process group left")
		}
		if counts, err := s.CountStates(ctx); err != nil || len(counts) != 0 { // both builds ended
			t.Fatalf("counts %v, %v", counts, err)
		}
		if err := s.CheckWritable(ctx); err != nil {
			t.Fatal(err)
		}
	})
}
