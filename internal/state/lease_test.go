package state

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestLeaseFencing: a second builder cannot claim a key whose build is leased; once the lease
// expires the build is requeued at its stage, the new owner's token is higher, and every write
// of the old owner is refused.
func TestLeaseFencing(t *testing.T) { eachBackend(t, testLeaseFencing) }

func testLeaseFencing(t *testing.T, be backend) {
	ctx := context.Background()
	s, target := be.open(t)
	other := be.reopen(t, target) // the second host
	a, b := Owner("host-a/1/1"), Owner("host-b/2/2")
	r1, _, _ := s.Intake(ctx, req("p", "d1"), "m1")
	la, rec, err := s.ClaimBuild(ctx, r1.ID, a, time.Hour, "fp1")
	if err != nil || rec.Attempt != 1 {
		t.Fatalf("claim: %v (attempt %d)", err, rec.Attempt)
	}
	if _, err := la.Transition(ctx, Building, "packer"); err != nil {
		t.Fatal(err)
	}
	r2, _, _ := other.Intake(ctx, req("p", "d2"), "m2")
	if _, _, err := other.ClaimBuild(ctx, r2.ID, b, time.Hour, ""); !errors.Is(err, ErrKeyBusy) {
		t.Fatalf("claim of a busy key: %v, want ErrKeyBusy", err)
	}
	if ids, err := other.ReapExpired(ctx); err != nil || len(ids) != 0 {
		t.Fatalf("reaped a live lease: %v %v", ids, err)
	}
	// Owner a stops renewing: a short lease, expired.
	la.ttl = time.Millisecond
	if err := la.Renew(ctx); err != nil {
		t.Fatal(err)
	}
	time.Sleep(5 * time.Millisecond)
	ids, err := other.ReapExpired(ctx)
	if err != nil || fmt.Sprint(ids) != fmt.Sprint([]string{r1.ID}) {
		t.Fatalf("reaped %v, %v; want [%s]", ids, err, r1.ID)
	}
	got, _ := other.Get(ctx, r1.ID)
	if got.State != Queued || got.Stage != "packer" {
		t.Fatalf("reaped build is %s at %q, want queued at packer", got.State, got.Stage)
	}
	lb, rec, err := other.ClaimBuild(ctx, r1.ID, b, time.Hour, "")
	if err != nil || lb.Token() <= la.Token() || rec.Attempt != 2 || rec.Fingerprint != "fp1" {
		t.Fatalf("takeover: %v, token %d after %d, attempt %d", err, lb.Token(), la.Token(), rec.Attempt)
	}
	// Every write of the old owner is refused, and changes nothing.
	stale := []func() error{
		func() error { _, err := la.Transition(ctx, Promoting, "promote"); return err },
		func() error { return la.Progress(ctx, []byte(`[{"key":"x"}]`), "/x", "") },
		func() error {
			_, err := la.Advance(ctx, []byte(`[{"key":"x"}]`), "/x", "", Promoting, "promote")
			return err
		},
		func() error { _, err := la.Finish(ctx, Succeeded, "built", nil); return err },
		func() error { _, err := la.Requeue(ctx, "stopping"); return err },
		func() error { return la.Renew(ctx) },
	}
	for i, w := range stale {
		if err := w(); !errors.Is(err, ErrFenced) {
			t.Fatalf("stale write %d: %v, want ErrFenced", i, err)
		}
	}
	if got, _ := s.Get(ctx, r1.ID); got.State != Queued || len(got.Artifacts) != 0 {
		t.Fatalf("a stale write changed the build: %s %s", got.State, got.Artifacts)
	}
	if _, err := lb.Transition(ctx, Building, "packer"); err != nil {
		t.Fatal(err)
	}
	// Advance: the packer stage's artifacts and the move into the next stage, in one write.
	adv, err := lb.Advance(ctx, []byte(`[{"key":"y"}]`), "/log/y", "fp2", Promoting, "promote")
	if err != nil {
		t.Fatal(err)
	}
	got, _ = other.Get(ctx, r1.ID)
	if got.State != Promoting || got.Stage != "promote" || string(got.Artifacts) != `[{"key":"y"}]` || got.LogPath != "/log/y" ||
		got.Fingerprint != "fp2" || len(got.Timings) < 2 || got.Timings[len(got.Timings)-2].End.IsZero() || adv.Stage != "promote" {
		t.Fatalf("after Advance: %s at %q, artifacts %s, log %q, fingerprint %q, timings %+v", got.State, got.Stage, got.Artifacts, got.LogPath, got.Fingerprint, got.Timings)
	}
	if _, err := lb.Finish(ctx, Succeeded, "built", nil); err != nil {
		t.Fatal(err)
	}
	// The lease is free again: the newer request of the key runs next.
	lc, _, err := s.ClaimBuild(ctx, r2.ID, a, time.Hour, "")
	if err != nil || lc.Token() <= lb.Token() {
		t.Fatalf("claim after finish: %v (token %d)", err, lc.Token())
	}
	j, _ := s.Journal(ctx, r1.ID)
	if !strings.Contains(fmt.Sprint(j), "stopped renewing its lease") {
		t.Errorf("journal does not say why the build was taken over: %+v", j)
	}
}

// TestOneLeasePerKeyUnderContention: builders on separate connections race to claim queued
// builds of one key; at any moment at most one holds it.
func TestOneLeasePerKeyUnderContention(t *testing.T) {
	eachBackend(t, testOneLeasePerKeyUnderContention)
}

func testOneLeasePerKeyUnderContention(t *testing.T, be backend) {
	ctx := context.Background()
	s, target := be.open(t)
	stores := []*Store{s, be.reopen(t, target), be.reopen(t, target)}
	var mu sync.Mutex
	holding, maxHolding, ran := 0, 0, 0
	var wg sync.WaitGroup
	for i, st := range stores {
		wg.Add(1)
		go func() {
			defer wg.Done()
			owner := Owner(fmt.Sprintf("host%d/%d/1", i, i+1))
			for n := 0; n < 15; n++ {
				rec, _, err := st.Intake(ctx, req("p", fmt.Sprintf("d%d-%d", i, n)), "")
				if err != nil {
					t.Error(err)
					return
				}
				l, _, err := st.ClaimBuild(ctx, rec.ID, owner, time.Hour, "")
				if errors.Is(err, ErrKeyBusy) || errors.Is(err, ErrNotQueued) {
					continue
				}
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				holding++
				maxHolding = max(maxHolding, holding)
				ran++
				mu.Unlock()
				l.Transition(ctx, Building, "packer")
				mu.Lock()
				holding--
				mu.Unlock()
				if _, err := l.Finish(ctx, Succeeded, "built", nil); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	if maxHolding != 1 || ran == 0 {
		t.Fatalf("%d builds ran, at most %d at once; want at most 1", ran, maxHolding)
	}
}

// TestIntakeBatch: one transaction records a batch in order; a later request of a key
// supersedes an earlier one of the same batch.
func TestIntakeBatch(t *testing.T) { eachBackend(t, testIntakeBatch) }

func testIntakeBatch(t *testing.T, be backend) {
	ctx := context.Background()
	s, _ := be.open(t)
	in := []Incoming{{req("p", "d1"), "m1", nil}, {req("q", "d1"), "m2", nil}, {req("p", "d2"), "m3", nil}}
	out, err := s.IntakeBatch(ctx, in)
	if err != nil || len(out) != 3 {
		t.Fatalf("batch: %v, %d results", err, len(out))
	}
	if fmt.Sprint(out[2].Superseded) != fmt.Sprint([]string{out[0].Record.ID}) {
		t.Fatalf("superseded %v, want the first p", out[2].Superseded)
	}
	q, _ := s.Queued(ctx)
	if len(q) != 2 || q[0].ID != out[1].Record.ID || q[1].ID != out[2].Record.ID || q[1].MessageID != "m3" {
		t.Fatalf("queued = %+v", q)
	}
	// The journal entries of a batch are written together, each build's in order.
	j, err := s.Journal(ctx, out[0].Record.ID)
	if err != nil || len(j) != 2 || !strings.HasPrefix(j[0].Message, "request recorded") || j[1].Message != "superseded by "+out[2].Record.ID {
		t.Fatalf("journal of the superseded build: %+v, %v", j, err)
	}
	if j, _ := s.Journal(ctx, out[2].Record.ID); len(j) != 1 || !strings.HasPrefix(j[0].Message, "request recorded") {
		t.Fatalf("journal of the newest build: %+v", j)
	}
}

// TestIntakeReportsLastSuccess: intake hands each recorded build over with its key's last
// success as the queue read lists it (the dispatcher's skip check), and a forced request a
// later one of the same batch supersedes leaves that one forced.
func TestIntakeReportsLastSuccess(t *testing.T) { eachBackend(t, testIntakeReportsLastSuccess) }

func testIntakeReportsLastSuccess(t *testing.T, be backend) {
	ctx := context.Background()
	s, _ := be.open(t)
	r, _, _ := s.Intake(ctx, req("p", "d1"), "m1")
	l, _, err := s.ClaimBuildInto(ctx, r.ID, "host-a/1/1", time.Hour, "fp1", Rendering, "render")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Finish(ctx, Succeeded, "built", nil); err != nil {
		t.Fatal(err)
	}
	forced := req("p", "d2")
	forced.Force = true
	out, err := s.IntakeBatch(ctx, []Incoming{{forced, "m2", nil}, {req("q", "d1"), "m3", nil}, {req("p", "d3"), "m4", nil}})
	if err != nil {
		t.Fatal(err)
	}
	w := out[2].Waiting()
	if w.LastSucceeded != r.ID || w.LastFingerprint != "fp1" || !w.Request.Force || out[1].LastSucceeded != "" {
		t.Fatalf("handed over: last %q (fingerprint %q), forced %v; q's last %q; want %s, fp1, forced, none",
			w.LastSucceeded, w.LastFingerprint, w.Request.Force, out[1].LastSucceeded, r.ID)
	}
	q, err := s.QueuedWithLast(ctx)
	if err != nil || len(q) != 2 || q[1].ID != w.ID || q[1].LastSucceeded != w.LastSucceeded || q[1].LastFingerprint != w.LastFingerprint {
		t.Fatalf("queue %+v, %v; want %+v last", q, err, w)
	}
}

// TestClaimBuildInto: a new build is claimed straight into its first stage (journalled as a
// transition); a build resumed at a stage is only claimed.
func TestClaimBuildInto(t *testing.T) { eachBackend(t, testClaimBuildInto) }

func testClaimBuildInto(t *testing.T, be backend) {
	ctx := context.Background()
	s, _ := be.open(t)
	owner := Owner("host-a/1/1")
	r, _, _ := s.Intake(ctx, req("into", "d1"), "m1")
	l, rec, err := s.ClaimBuildInto(ctx, r.ID, owner, time.Hour, "fp", Rendering, "render")
	if err != nil || l.Entered() != "render" || rec.State != Rendering || rec.Stage != "render" || rec.Attempt != 1 || len(rec.Timings) != 1 {
		t.Fatalf("claim of a new build: %v, entered %q, %s at %q, attempt %d, timings %+v", err, l.Entered(), rec.State, rec.Stage, rec.Attempt, rec.Timings)
	}
	if j, _ := s.Journal(ctx, r.ID); !strings.Contains(fmt.Sprint(j), "attempt 1 started") || !strings.Contains(fmt.Sprint(j), "stage render started") {
		t.Errorf("journal has no transition: %+v", j)
	}
	if _, err := l.Requeue(ctx, "stopping"); err != nil { // queued again, at its stage
		t.Fatal(err)
	}
	l, rec, err = s.ClaimBuildInto(ctx, r.ID, owner, time.Hour, "", Rendering, "render")
	if err != nil || l.Entered() != "" || rec.State != Queued || rec.Stage != "render" || rec.Attempt != 2 {
		t.Fatalf("claim of a resumed build: %v, entered %q, %s at %q, attempt %d", err, l.Entered(), rec.State, rec.Stage, rec.Attempt)
	}
}

// TestIntakeClaims: a request that asks for a claim is recorded and claimed into its first
// stage in one transaction, unless a later request of the batch supersedes it, a build of its
// key holds the lease, or the key's last success has its fingerprint (and it is not forced).
// The lease it gets fences writes as a claim's does.
func TestIntakeClaims(t *testing.T) { eachBackend(t, testIntakeClaims) }

func testIntakeClaims(t *testing.T, be backend) {
	ctx := context.Background()
	s, _ := be.open(t)
	claim := func(fp string) *IntakeClaim {
		return &IntakeClaim{Owner: "host-a/1/1", TTL: time.Hour, Fingerprint: fp, State: Rendering, Stage: "render"}
	}
	out, err := s.IntakeBatch(ctx, []Incoming{{req("p", "d1"), "m1", claim("fp1")}, {req("q", "d1"), "m2", claim("fq")}, {req("p", "d2"), "m3", claim("fp2")}})
	if err != nil {
		t.Fatal(err)
	}
	if out[0].Lease != nil || out[0].Record.State != Queued {
		t.Fatalf("a build superseded in the batch was claimed: %+v", out[0])
	}
	p := out[2]
	if p.Lease == nil || p.Lease.Token() != 1 || p.Lease.Entered() != "render" || p.Record.State != Rendering || p.Record.Attempt != 1 || p.Record.Fingerprint != "fp2" {
		t.Fatalf("claim at intake: %+v", p)
	}
	if got, _ := s.Get(ctx, p.Record.ID); got.State != Rendering || got.Stage != "render" || got.Attempt != 1 || got.Fingerprint != "fp2" || len(got.Timings) != 1 {
		t.Fatalf("claimed build in the store: %+v", got)
	}
	if j, _ := s.Journal(ctx, p.Record.ID); len(j) != 3 || !strings.HasPrefix(j[0].Message, "request recorded") ||
		j[1].Message != "attempt 1 started by host-a/1/1 (lease 1)" || j[2].Message != "stage render started" {
		t.Fatalf("journal of the claimed build: %+v", j)
	}
	if ls, _ := s.Leases(ctx); len(ls) != 2 || ls[0].BuildID != p.Record.ID || ls[1].BuildID != out[1].Record.ID || ls[0].Owner != "host-a/1/1" {
		t.Fatalf("leases %+v", ls)
	}
	if q, _ := s.Queued(ctx); len(q) != 0 {
		t.Fatalf("queued %+v, want none", q)
	}

	busy, err := s.IntakeBatch(ctx, []Incoming{{req("p", "d3"), "m4", claim("fp3")}})
	if err != nil || busy[0].Lease != nil || !busy[0].KeyBusy || busy[0].Record.State != Queued {
		t.Fatalf("claim of a key whose lease is held: %+v, %v", busy, err)
	}
	if _, err := p.Lease.Advance(ctx, []byte(`{}`), "log", "", Building, "packer"); err != nil {
		t.Fatalf("write under the intake's lease: %v", err)
	}
	if _, err := p.Lease.Finish(ctx, Succeeded, "built", nil); err != nil {
		t.Fatal(err)
	}
	same, err := s.IntakeBatch(ctx, []Incoming{{req("p", "d4"), "m5", claim("fp2")}})
	if err != nil || same[0].Lease != nil || same[0].KeyBusy || fmt.Sprint(same[0].Superseded) != fmt.Sprint([]string{busy[0].Record.ID}) {
		t.Fatalf("claim of a build with the last success's fingerprint: %+v, %v; want it left to the dispatcher's skip", same, err)
	}
	forced := req("p", "d5")
	forced.Force = true
	again, err := s.IntakeBatch(ctx, []Incoming{{forced, "m6", claim("fp2")}})
	if err != nil || again[0].Lease == nil || again[0].Lease.Token() != 2 {
		t.Fatalf("claim of a forced build: %+v, %v", again, err)
	}
}

// TestIntakeClaimWaitsForAnOlderBuild: a request of a key whose older build already ran and
// waits in the queue again (retried, or resumed after its builder stopped) is not claimed at
// intake: the older build runs first, as the dispatcher's oldest-first order has it, or its
// image would be promoted after the newer one. Recorded.OlderWaits tells the dispatcher to
// read the queue.
func TestIntakeClaimWaitsForAnOlderBuild(t *testing.T) {
	eachBackend(t, testIntakeClaimWaitsForAnOlderBuild)
}

func testIntakeClaimWaitsForAnOlderBuild(t *testing.T, be backend) {
	ctx := context.Background()
	s, _ := be.open(t)
	claim := &IntakeClaim{Owner: "host-a/1/1", TTL: time.Hour, Fingerprint: "fp1", State: Rendering, Stage: "render"}
	first, err := s.IntakeBatch(ctx, []Incoming{{req("p", "d1"), "m1", claim}})
	if err != nil || first[0].Lease == nil || first[0].OlderWaits {
		t.Fatalf("first claim: %+v, %v", first, err)
	}
	if _, err := first[0].Lease.Finish(ctx, Failed, "render failed", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Retry(ctx, first[0].Record.ID); err != nil {
		t.Fatal(err)
	}
	next := *claim
	next.Fingerprint = "fp2"
	out, err := s.IntakeBatch(ctx, []Incoming{{req("p", "d2"), "m2", &next}})
	if err != nil {
		t.Fatal(err)
	}
	if out[0].Lease != nil || out[0].KeyBusy || !out[0].OlderWaits || out[0].Record.State != Queued || len(out[0].Superseded) != 0 {
		t.Fatalf("request behind a retried build: %+v; want it queued behind, unclaimed", out[0])
	}
	q, err := s.Queued(ctx)
	if err != nil || len(q) != 2 || q[0].ID != first[0].Record.ID || q[1].ID != out[0].Record.ID {
		t.Fatalf("queue %+v, %v; want the retried build first, then the new one", q, err)
	}
	ls, err := s.Leases(ctx)
	for _, l := range ls {
		if l.ImageKey == "p" && l.BuildID != "" || err != nil {
			t.Fatalf("leases %+v, %v; want the key's lease free", ls, err)
		}
	}
	other, err := s.IntakeBatch(ctx, []Incoming{{req("q", "d1"), "m3", claim}})
	if err != nil || other[0].Lease == nil || other[0].OlderWaits {
		t.Fatalf("claim of another key: %+v, %v", other, err)
	}
}
