package state

import (
	"context"
	"errors"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestClaims: one holder per key; a second is refused with the holder's name until the first
// releases, the claim expires, or (same machine) its process is gone; a daemon drops its
// predecessor's claims.
//
// On PostgreSQL the claims are those every builder host and command shares.
func TestClaims(t *testing.T) { eachBackend(t, testClaims) }

func testClaims(t *testing.T, be backend) {
	ctx := context.Background()
	st, _ := be.open(t)
	daemon := NewHolder("builder", "build B1")
	cli := NewHolder("promote", "promote")
	cli.Owner = "promote 1" // another process than the daemon (both run in this test)
	if err := st.TryClaim(ctx, "k.managed", daemon, time.Minute); err != nil {
		t.Fatal(err)
	}
	err := st.TryClaim(ctx, "k.managed", cli, time.Minute)
	if !errors.Is(err, ErrClaimed) || !strings.Contains(err.Error(), "build B1") {
		t.Fatalf("second claim: %v, want ErrClaimed naming the build", err)
	}
	if err := st.TryClaim(ctx, "k.other", cli, time.Minute); err != nil {
		t.Errorf("another key: %v", err)
	}
	if err := st.Release(ctx, "k.managed", cli); err != nil { // not the holder: no effect
		t.Fatal(err)
	}
	if err := st.TryClaim(ctx, "k.managed", cli, time.Minute); !errors.Is(err, ErrClaimed) {
		t.Fatalf("claim after a non-holder's release: %v", err)
	}
	if err := st.Release(ctx, "k.managed", daemon); err != nil {
		t.Fatal(err)
	}
	if err := st.TryClaim(ctx, "k.managed", cli, -time.Second); err != nil { // expires at once
		t.Fatalf("claim after release: %v", err)
	}
	if err := st.TryClaim(ctx, "k.managed", daemon, time.Minute); err != nil {
		t.Fatalf("claim of an expired claim: %v", err)
	}
	if err := st.Renew(ctx, "k.managed", cli, time.Minute); !errors.Is(err, ErrClaimLost) {
		t.Fatalf("renew of a lost claim: %v", err)
	}

	// A holder whose process has exited is taken over at once.
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	gone := cli
	gone.Owner, gone.PID = "smoke 2", dead.Process.Pid
	if err := st.TryClaim(ctx, "k.dead", gone, time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := st.TryClaim(ctx, "k.dead", daemon, time.Minute); err != nil {
		t.Fatalf("claim held by a dead process: %v", err)
	}

	if err := st.ReleaseOwnerPrefix(ctx, "builder "); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"k.managed", "k.dead"} {
		if _, found, err := st.ClaimOf(ctx, k); err != nil || found {
			t.Errorf("%s: claim of the old daemon left (%v)", k, err)
		}
	}
	if c, found, _ := st.ClaimOf(ctx, "k.other"); !found || c.Holder.Owner != cli.Owner {
		t.Errorf("the command's claim went with the daemon's: %+v", c)
	}
}
