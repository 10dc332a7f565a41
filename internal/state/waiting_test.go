package state

import (
	"context"
	"testing"
	"time"
)

// TestQueuedWithLast: each queued build comes with its key's newest succeeded build and that
// build's fingerprint (none for a key without a success), in queue order.
func TestQueuedWithLast(t *testing.T) {
	eachBackend(t, func(t *testing.T, be backend) {
		ctx := context.Background()
		s, _ := be.open(t)
		succeed := func(personality, fp string) Record {
			t.Helper()
			r, _, err := s.Intake(ctx, req(personality, fp), "m")
			if err != nil {
				t.Fatal(err)
			}
			l, _, err := s.ClaimBuild(ctx, r.ID, "o", time.Hour, fp)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := l.Finish(ctx, Succeeded, "", nil); err != nil {
				t.Fatal(err)
			}
			return r
		}
		succeed("a", "fp1")
		newest := succeed("a", "fp2")
		failed, _, _ := s.Intake(ctx, req("a", "fp3"), "m")
		if _, err := s.Finish(ctx, failed.ID, Failed, "", nil); err != nil {
			t.Fatal(err)
		}
		qa, _, _ := s.Intake(ctx, req("a", "fp4"), "m")
		qb, _, _ := s.Intake(ctx, req("b", "fp5"), "m")
		got, err := s.QueuedWithLast(ctx)
		if err != nil || len(got) != 2 {
			t.Fatalf("queued: %+v, %v", got, err)
		}
		if got[0].ID != qa.ID || got[0].LastSucceeded != newest.ID || got[0].LastFingerprint != "fp2" {
			t.Errorf("the queued build of a: %s, last %q with %q; want %s, last %s with fp2", got[0].ID, got[0].LastSucceeded, got[0].LastFingerprint, qa.ID, newest.ID)
		}
		if got[1].ID != qb.ID || got[1].LastSucceeded != "" || got[1].LastFingerprint != "" {
			t.Errorf("the queued build of b: %s, last %q with %q; want %s and none", got[1].ID, got[1].LastSucceeded, got[1].LastFingerprint, qb.ID)
		}
	})
}
