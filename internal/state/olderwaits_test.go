package state

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// TestClaimWaitsForATakenBackBuild: builder A records a new request of a key whose build runs
// on builder B (so intake does not claim it, and A will start it without reading the queue);
// then B's lease is taken back and its build is queued again, older than the new one. A's
// claim of the new build is refused (ErrOlderWaits) and leaves it queued with the key's lease
// free; the older build is claimed, and the newer one once that one ended. Two stores on one
// database are the two builders.
func TestClaimWaitsForATakenBackBuild(t *testing.T) { eachBackend(t, testClaimWaitsForATakenBackBuild) }

func testClaimWaitsForATakenBackBuild(t *testing.T, be backend) {
	ctx := context.Background()
	a, target := be.open(t)
	b := be.reopen(t, target)
	old, _, err := b.Intake(ctx, req("p", "d1"), "m1")
	if err != nil {
		t.Fatal(err)
	}
	// A lease of no time: it has expired by the time anyone looks, with no wait.
	if _, _, err := b.ClaimBuildInto(ctx, old.ID, "host-b/1/1", 0, "fp1", Rendering, "render"); err != nil {
		t.Fatal(err)
	}
	rec, err := a.IntakeBatch(ctx, []Incoming{{req("p", "d2"), "m2", &IntakeClaim{Owner: "host-a/1/1", TTL: time.Hour, Fingerprint: "fp2", State: Rendering, Stage: "render"}}})
	if err != nil || !rec[0].KeyBusy || rec[0].OlderWaits || rec[0].Lease != nil {
		t.Fatalf("intake beside the running build: %+v, %v; want it recorded, not claimed, the key busy", rec, err)
	}
	newer := rec[0].Record
	if ids, err := b.ReapExpired(ctx); err != nil || len(ids) != 1 || ids[0] != old.ID {
		t.Fatalf("taken back %v, %v; want %s", ids, err, old.ID)
	}
	_, _, err = a.ClaimBuildInto(ctx, newer.ID, "host-a/1/1", time.Hour, "fp2", Rendering, "render")
	if !errors.Is(err, ErrOlderWaits) || !strings.Contains(err.Error(), old.ID) {
		t.Fatalf("claim of the newer build: %v; want ErrOlderWaits naming %s", err, old.ID)
	}
	if got, err := a.Get(ctx, newer.ID); err != nil || got.State != Queued || got.Stage != "" || got.Attempt != 0 {
		t.Fatalf("the refused build: %+v, %v; want it queued as intake left it", got, err)
	}
	if ls, err := a.Leases(ctx); err != nil || len(ls) != 0 {
		t.Fatalf("leases %+v, %v; want the key's lease free", ls, err)
	}
	if _, _, err := a.ClaimBuild(ctx, newer.ID, "host-a/1/1", time.Hour, ""); !errors.Is(err, ErrOlderWaits) {
		t.Fatalf("claim of the newer build without a stage: %v; want ErrOlderWaits", err)
	}
	l, got, err := a.ClaimBuildInto(ctx, old.ID, "host-a/1/1", time.Hour, "", Rendering, "render")
	if err != nil || got.Attempt != 2 || got.Stage != "render" {
		t.Fatalf("claim of the older build: %+v, %v; want it resumed at render, attempt 2", got, err)
	}
	if _, err := l.Finish(ctx, Succeeded, "built", nil); err != nil {
		t.Fatal(err)
	}
	if _, _, err := a.ClaimBuildInto(ctx, newer.ID, "host-a/1/1", time.Hour, "fp2", Rendering, "render"); err != nil {
		t.Fatalf("claim of the newer build once the older one ended: %v", err)
	}
}

// TestOlderQueuedUsesTheKeyIndex: the claim's look for an older queued build of the key is
// served by the index on (image_key, state), on a store with a history (5,000 builds of 500
// keys, analysed), not by a scan of the builds.
func TestOlderQueuedUsesTheKeyIndex(t *testing.T) { eachBackend(t, testOlderQueuedUsesTheKeyIndex) }

func testOlderQueuedUsesTheKeyIndex(t *testing.T, be backend) {
	ctx := context.Background()
	s, _ := be.open(t)
	fill := `INSERT INTO builds (id, image_key, state, request, created_at, updated_at)
		WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 5000)
		SELECT 'b' || n, 'k' || (n % 500), CASE WHEN n % 50 = 0 THEN 'queued' ELSE 'succeeded' END, '{}', '', '' FROM g`
	if _, err := s.db.ExecContext(ctx, fill); err != nil {
		t.Fatal(err)
	}
	if _, err := s.db.ExecContext(ctx, `ANALYZE`); err != nil {
		t.Fatal(err)
	}
	explain := `EXPLAIN QUERY PLAN `
	if s.Backend() == "postgres" {
		explain = `EXPLAIN `
	}
	rows, err := s.db.QueryContext(ctx, explain+`SELECT `+olderQueued+` FROM builds WHERE id = 'b4000'`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var plan []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, toString(vals[len(vals)-1]))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(plan, "\n"), "builds_key_state") {
		t.Fatalf("plan:\n%s\nwant the index builds_key_state", strings.Join(plan, "\n"))
	}
	t.Logf("plan:\n%s", strings.Join(plan, "\n"))
}

// toString is a plan row's text column as the driver returned it.
func toString(v any) string {
	if b, ok := v.([]byte); ok {
		return string(b)
	}
	s, _ := v.(string)
	return s
}
