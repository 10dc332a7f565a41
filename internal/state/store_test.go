package state

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/packuilon/packuilon/internal/event"
)

func req(personality, digest string) event.BuildRequest {
	r := event.NewRequest(event.Spec{Personality: personality, Archetype: "a", OS: "sl", OSVersion: "7x-x86_64",
		Branch: event.Branch{Type: event.BranchDomain, Name: "prod"}}, event.ReasonProfileChanged)
	r.ProfileDigest = digest
	return r
}

// TestIntakeCoalesces: only requests that never started are superseded, by the newest.
func TestIntakeCoalesces(t *testing.T) { eachBackend(t, testIntakeCoalesces) }

func testIntakeCoalesces(t *testing.T, be backend) {
	ctx := context.Background()
	s, _ := be.open(t)
	a, sup, err := s.Intake(ctx, req("p", "d1"), "m1")
	if err != nil || len(sup) != 0 {
		t.Fatalf("first intake: %v, superseded %v", err, sup)
	}
	if _, err := s.Start(ctx, a.ID, "fp"); err != nil { // a is running now
		t.Fatal(err)
	}
	b, sup, _ := s.Intake(ctx, req("p", "d2"), "m2")
	if len(sup) != 0 {
		t.Fatalf("a started build was superseded: %v", sup)
	}
	c, sup, _ := s.Intake(ctx, req("p", "d3"), "m3")
	if len(sup) != 1 || sup[0] != b.ID {
		t.Fatalf("superseded = %v, want [%s]", sup, b.ID)
	}
	forced := req("p", "d3")
	forced.Force = true
	if _, sup, _ = s.Intake(ctx, forced, "m3f"); len(sup) != 1 || sup[0] != c.ID {
		t.Fatalf("superseded = %v, want [%s]", sup, c.ID)
	}
	if c, _, _ = s.Intake(ctx, req("p", "d3"), "m3g"); !c.Request.Force {
		t.Fatal("a forced request replaced by a newer one lost its force")
	}
	other, sup, _ := s.Intake(ctx, req("q", "d4"), "m4")
	if len(sup) != 0 {
		t.Fatalf("another key's intake superseded %v", sup)
	}
	if _, err := s.Start(ctx, b.ID, ""); !errors.Is(err, ErrNotQueued) {
		t.Fatalf("starting a superseded build: %v, want ErrNotQueued", err)
	}
	queued, err := s.Queued(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range queued {
		ids = append(ids, r.ID)
	}
	if fmt.Sprint(ids) != fmt.Sprint([]string{a.ID, c.ID, other.ID}) {
		t.Fatalf("queued = %v, want a (started, not yet in a stage), c, other in order", ids)
	}
}

// TestLifecycle walks a build through transitions, a crash, a failure and a retry.
func TestLifecycle(t *testing.T) { eachBackend(t, testLifecycle) }

func testLifecycle(t *testing.T, be backend) {
	ctx := context.Background()
	s, _ := be.open(t)
	r, _, _ := s.Intake(ctx, req("p", "d"), "")
	steps := []struct {
		name string
		do   func() (Record, error)
		want State
		stg  string
	}{
		{"start", func() (Record, error) { return s.Start(ctx, r.ID, "fp1") }, Queued, ""},
		{"render", func() (Record, error) { return s.Transition(ctx, r.ID, Rendering, "render") }, Rendering, "render"},
		{"packer", func() (Record, error) { return s.Transition(ctx, r.ID, Building, "packer") }, Building, "packer"},
		{"crash", func() (Record, error) { s.RequeueOrphans(ctx); return s.Get(ctx, r.ID) }, Queued, "packer"},
		{"resume", func() (Record, error) { return s.Start(ctx, r.ID, "") }, Queued, "packer"},
		{"packer again", func() (Record, error) { return s.Transition(ctx, r.ID, Building, "packer") }, Building, "packer"},
		{"fail", func() (Record, error) { return s.Finish(ctx, r.ID, Failed, "boom", errors.New("exit 1")) }, Failed, "packer"},
		{"retry", func() (Record, error) { return s.Retry(ctx, r.ID) }, Queued, "packer"},
	}
	for _, st := range steps {
		got, err := st.do()
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if got.State != st.want || got.Stage != st.stg {
			t.Fatalf("%s: state %s stage %q, want %s %q", st.name, got.State, got.Stage, st.want, st.stg)
		}
	}
	got, _ := s.Get(ctx, r.ID)
	if got.Attempt != 2 || got.Fingerprint != "fp1" || len(got.Timings) != 3 {
		t.Errorf("record = attempt %d fingerprint %q timings %d", got.Attempt, got.Fingerprint, len(got.Timings))
	}
	if _, err := s.Retry(ctx, r.ID); !errors.Is(err, ErrNotRetryable) {
		t.Errorf("retry of a queued build: %v, want ErrNotRetryable", err)
	}
	if _, err := s.Get(ctx, "nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("get unknown: %v", err)
	}
	j, _ := s.Journal(ctx, r.ID)
	if len(j) != 9 {
		t.Errorf("journal has %d entries, want 9: %+v", len(j), j)
	}
}

// TestTwoProcessesShareTheStore opens the store twice (as the daemon and the CLI do) and
// writes from both at once: WAL and busy_timeout keep every write.
func TestTwoProcessesShareTheStore(t *testing.T) { eachBackend(t, testTwoProcessesShareTheStore) }

func testTwoProcessesShareTheStore(t *testing.T, be backend) {
	ctx := context.Background()
	a, path := be.open(t)
	other := be.reopen(t, path)
	if be.name == "sqlite" {
		unlock, err := a.LockDaemon()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := other.LockDaemon(); !errors.Is(err, ErrLocked) {
			t.Fatalf("second daemon lock: %v, want ErrLocked", err)
		}
		unlock()
	}
	var wg sync.WaitGroup
	for i, s := range []*Store{a, other} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 50; j++ {
				if _, _, err := s.Intake(ctx, req(fmt.Sprintf("k%d-%d", i, j), ""), ""); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	all, err := a.List(ctx, Filter{Limit: 1000})
	if err != nil || len(all) != 100 {
		t.Fatalf("list = %d records, %v; want 100", len(all), err)
	}
}

// TestRequeueOrphansTakesOnlyRunningBuilds: after a crash, builds in a stage go back to the
// queue; queued builds stay as they are and ended builds are never resumed (a finished build
// taken for an orphan would be built again).
func TestRequeueOrphansTakesOnlyRunningBuilds(t *testing.T) {
	eachBackend(t, testRequeueOrphansTakesOnlyRunningBuilds)
}

func testRequeueOrphansTakesOnlyRunningBuilds(t *testing.T, be backend) {
	ctx := context.Background()
	s, _ := be.open(t)
	want := map[string]bool{}
	was := map[string]State{}
	for i, st := range []State{Queued, Rendering, Building, Testing, AwaitingApproval, Promoting,
		Succeeded, Failed, Skipped, Superseded, Cancelled, Denied} {
		r, _, err := s.Intake(ctx, req(fmt.Sprintf("p%d", i), "d"), "")
		if err != nil {
			t.Fatal(err)
		}
		was[r.ID] = st
		switch {
		case st == Queued:
		case st == AwaitingApproval: // waits for staff, not resumed
			_, err = s.Transition(ctx, r.ID, st, "approval")
		case st.Terminal():
			_, err = s.Finish(ctx, r.ID, st, "", nil)
		default:
			_, err = s.Transition(ctx, r.ID, st, string(st))
			want[r.ID] = true
		}
		if err != nil {
			t.Fatalf("%s: %v", st, err)
		}
	}
	ids, err := s.RequeueOrphans(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) != len(want) {
		t.Errorf("requeued %d builds, want %d", len(ids), len(want))
	}
	for _, id := range ids {
		if !want[id] {
			t.Errorf("requeued build %s, which was %s", id, was[id])
		}
	}
}

// TestRetryRefusedAfterANewerBuild: resuming an old failed build after a newer build of its key
// succeeded (or while one is queued) would promote the older image over the newer one.
func TestRetryRefusedAfterANewerBuild(t *testing.T) { eachBackend(t, testRetryRefusedAfterANewerBuild) }

func testRetryRefusedAfterANewerBuild(t *testing.T, be backend) {
	tests := []struct {
		name     string
		newer    func(ctx context.Context, s *Store, id string) // what happens to the newer build
		ok       bool
		oldStage string // where the old build failed ("" = at start)
	}{
		{"newer succeeded", func(ctx context.Context, s *Store, id string) {
			s.Start(ctx, id, "fp2")
			s.Finish(ctx, id, Succeeded, "built", nil)
		}, false, ""},
		{"newer queued", func(context.Context, *Store, string) {}, false, ""},
		{"newer running", func(ctx context.Context, s *Store, id string) {
			s.Start(ctx, id, "fp2")
			s.Transition(ctx, id, Building, "packer")
		}, false, ""},
		{"newer failed too", func(ctx context.Context, s *Store, id string) {
			s.Start(ctx, id, "fp2")
			s.Finish(ctx, id, Failed, "boom", errors.New("exit 1"))
		}, true, ""},
		// The old build failed while promoting: finishing its promotion is allowed while the
		// newer builds wait (they start after it, ErrOlderWaits). One that runs would promote
		// first, and the old image after it.
		{"promotion failed, newer queued", func(context.Context, *Store, string) {}, true, PromotingStage},
		{"promotion failed, newer awaiting approval", func(ctx context.Context, s *Store, id string) {
			s.Start(ctx, id, "fp2")
			s.Transition(ctx, id, AwaitingApproval, "approval")
		}, true, PromotingStage},
		{"promotion failed, newer running", func(ctx context.Context, s *Store, id string) {
			s.Start(ctx, id, "fp2")
			s.Transition(ctx, id, Building, "packer")
		}, false, PromotingStage},
		{"promotion failed, newer promoting", func(ctx context.Context, s *Store, id string) {
			s.Start(ctx, id, "fp2")
			s.Transition(ctx, id, Promoting, PromotingStage)
		}, false, PromotingStage},
		{"promotion failed, newer succeeded", func(ctx context.Context, s *Store, id string) {
			s.Start(ctx, id, "fp2")
			s.Finish(ctx, id, Succeeded, "built", nil)
		}, false, PromotingStage},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			s, _ := be.open(t)
			old, _, _ := s.Intake(ctx, req("p", "d1"), "")
			s.Start(ctx, old.ID, "fp1")
			if tc.oldStage != "" {
				s.Transition(ctx, old.ID, Promoting, tc.oldStage)
			}
			if _, err := s.Finish(ctx, old.ID, Failed, "boom", errors.New("exit 1")); err != nil {
				t.Fatal(err)
			}
			other, _, _ := s.Intake(ctx, req("q", "dq"), "") // another key never blocks
			s.Start(ctx, other.ID, "fq")
			s.Finish(ctx, other.ID, Succeeded, "built", nil)
			newer, _, _ := s.Intake(ctx, req("p", "d2"), "")
			tc.newer(ctx, s, newer.ID)
			_, err := s.Retry(ctx, old.ID)
			if tc.ok && err != nil {
				t.Fatalf("retry: %v, want it queued", err)
			}
			if !tc.ok && (!errors.Is(err, ErrNewerBuild) || !strings.Contains(err.Error(), newer.ID)) {
				t.Fatalf("retry: %v, want ErrNewerBuild naming %s", err, newer.ID)
			}
			got, _ := s.Get(ctx, old.ID)
			if want := map[bool]State{true: Queued, false: Failed}[tc.ok]; got.State != want {
				t.Fatalf("old build is %s, want %s", got.State, want)
			}
		})
	}
}
