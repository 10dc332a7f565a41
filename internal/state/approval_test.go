package state

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// TestApproveRefusedAfterANewerBuild: a build awaiting approval whose key's newer build did not
// wait (REQUIRE_APPROVAL turned off by a reload) and succeeded, promotes or runs would be
// promoted after it, the older image over the newer; approving it is refused. A newer build
// that waits starts after it, so the approval goes on.
func TestApproveRefusedAfterANewerBuild(t *testing.T) {
	eachBackend(t, func(t *testing.T, be backend) {
		for _, tc := range []struct {
			name  string
			newer func(ctx context.Context, s *Store, id string)
			ok    bool
		}{
			{"newer queued", func(context.Context, *Store, string) {}, true},
			{"newer failed", func(ctx context.Context, s *Store, id string) {
				s.Start(ctx, id, "fp2")
				s.Finish(ctx, id, Failed, "boom", errors.New("exit 1"))
			}, true},
			{"newer running", func(ctx context.Context, s *Store, id string) {
				s.Start(ctx, id, "fp2")
				s.Transition(ctx, id, Building, "packer")
			}, false},
			{"newer promoting", func(ctx context.Context, s *Store, id string) {
				s.Start(ctx, id, "fp2")
				s.Transition(ctx, id, Promoting, PromotingStage)
			}, false},
			{"newer succeeded", func(ctx context.Context, s *Store, id string) {
				s.Start(ctx, id, "fp2")
				s.Finish(ctx, id, Succeeded, "built", nil)
			}, false},
		} {
			t.Run(tc.name, func(t *testing.T) {
				ctx := context.Background()
				s, _ := be.open(t)
				old, _, _ := s.Intake(ctx, req("p", "d1"), "")
				s.Start(ctx, old.ID, "fp1")
				s.Transition(ctx, old.ID, AwaitingApproval, "approval")
				if _, err := s.Await(ctx, old.ID); err != nil {
					t.Fatal(err)
				}
				newer, _, _ := s.Intake(ctx, req("p", "d2"), "")
				tc.newer(ctx, s, newer.ID)
				_, err := s.Approve(ctx, old.ID, "alice")
				if tc.ok && err != nil {
					t.Fatalf("approve: %v, want it queued", err)
				}
				if !tc.ok && (!errors.Is(err, ErrNewerBuild) || !strings.Contains(err.Error(), newer.ID)) {
					t.Fatalf("approve: %v, want ErrNewerBuild naming %s", err, newer.ID)
				}
				got, _ := s.Get(ctx, old.ID)
				if want := map[bool]State{true: Queued, false: AwaitingApproval}[tc.ok]; got.State != want {
					t.Fatalf("old build is %s, want %s", got.State, want)
				}
			})
		}
	})
}
