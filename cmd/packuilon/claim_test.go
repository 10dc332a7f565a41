package main

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/packuilon/packuilon/internal/config"
	"github.com/packuilon/packuilon/internal/state"
	"github.com/packuilon/packuilon/internal/state/statetest"
)

// TestCommandClaimLost: a hand-run command whose claim another process takes over (its
// renewals stopped for longer than the TTL, here by expiring its claim in the store) has its
// work cancelled with the claim-lost cause, and ends with the given exit status and one line
// naming the key; the new holder keeps its claim.
func TestCommandClaimLost(t *testing.T) {
	ctx := context.Background()
	cfg := &config.Config{}
	cfg.Builder.StateDB = filepath.Join(t.TempDir(), "builds.db")
	st, err := state.Open(cfg.Builder.StateDB)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	const key = "sl7.managed"
	var errOut syncBuffer
	env := &cmdEnv{stdout: &syncBuffer{}, stderr: &errOut, storeOpts: []state.Option{state.WithLeaseTimings(statetest.ShortLeases)}}
	working := make(chan struct{})
	var cause error
	done := make(chan int, 1)
	go func() {
		done <- withClaim(ctx, env, cfg, "promote", key, 0, 1, func(ctx context.Context) int {
			close(working)
			select { // a Glance call that would go on beside the new holder
			case <-ctx.Done():
				cause = context.Cause(ctx)
				return 1
			case <-time.After(90 * time.Second):
				return 0
			}
		})
	}()
	statetest.Await(t, working, "the command's work started")
	c, found, err := st.ClaimOf(ctx, key)
	if err != nil || !found {
		t.Fatalf("the command holds no claim: %v", err)
	}
	// Its claim expires (as after a whole TTL without renewal) and another process takes the key.
	taker := state.NewHolder("builder", "build B7")
	if err := statetest.TakeOver(ctx, st, key, c.Holder, taker); err != nil {
		t.Fatal(err)
	}
	code := statetest.Await(t, done, "the command ended") // at its lease's next renewal
	lines := strings.Split(strings.TrimSpace(errOut.String()), "\n")
	want := "packuilon promote: claim on image key " + key + " lost: another process took it over"
	if code != 1 || len(lines) != 1 || !strings.HasPrefix(lines[0], want) || !errors.Is(cause, state.ErrClaimLost) {
		t.Fatalf("exit %d, stderr %q, work cancelled by %v; want 1 and one line %q…", code, errOut.String(), cause, want)
	}
	if c, found, err := st.ClaimOf(ctx, key); err != nil || !found || c.Holder.Owner != taker.Owner {
		t.Errorf("after the command the claim is %+v (found %v, %v), want the taker's", c, found, err)
	}
}
