package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/pflag"

	"github.com/packuilon/packuilon/internal/config"
	"github.com/packuilon/packuilon/internal/state"
)

// claimExit is the exit status of a command refused because another process holds the claim
// on its image key.
const claimExit = 75 // EX_TEMPFAIL: try again later

// exitClaimed is the "Exit status" line of the commands that take a claim.
var exitClaimed = fmt.Sprintf("%d the image key is claimed by the builder daemon or another command (see --wait)", claimExit)

// waitFlag adds --wait, how long a command waits for the claim on its image key.
func waitFlag(fs *pflag.FlagSet, wait *time.Duration) {
	fs.DurationVar(wait, "wait", 0, "how long to wait while the builder daemon or another command works on the same image key (0: refuse at once)")
}

// withClaim runs fn holding the claim on key in the build store, the one the builder daemon
// takes before it marks, tests or promotes a build of the key: a hand-run command never works
// on a key beside the daemon or another command. It returns fn's exit status, or claimExit
// with a message naming the holder when the key stays claimed for wait.
//
// fn runs under a context cancelled when the claim is lost (another process took the key over
// after the renewals failed for too long, see state.Lease.Lost); the command then ends with
// lostExit and one line naming the key, and fn prints nothing of its own (see claimLost).
func withClaim(ctx context.Context, env *cmdEnv, cfg *config.Config, cmd, key string, wait time.Duration, lostExit int, fn func(ctx context.Context) int) int {
	st, err := buildStore(cfg, false, env.storeOpts...)
	if err != nil {
		fmt.Fprintf(env.stderr, "packuilon %s: %v\n", cmd, err)
		return 1
	}
	defer st.Close()
	lease, err := state.Hold(ctx, st, key, state.NewHolder(cmd, cmd+" by hand"), wait, func(err error) {
		fmt.Fprintf(env.stderr, "packuilon %s: waiting up to %s: %v\n", cmd, wait, err)
	})
	if errors.Is(err, state.ErrClaimed) {
		fmt.Fprintf(env.stderr, "packuilon %s: refused: %v; try again when it is done, or pass --wait\n", cmd, err)
		return claimExit
	}
	if err != nil {
		fmt.Fprintf(env.stderr, "packuilon %s: %v\n", cmd, err)
		return 1
	}
	defer lease.Release(context.WithoutCancel(ctx)) // leaves a new holder's claim alone
	held, unbind := lease.Context(ctx)
	defer unbind()
	code := fn(held)
	if err := lease.Err(); err != nil {
		fmt.Fprintf(env.stderr, "packuilon %s: %v; what it did on the key may be incomplete\n", cmd, err)
		return lostExit
	}
	return code
}

// claimLost reports whether ctx, a context of withClaim, ended because the claim was lost:
// withClaim then says so, and the command prints nothing more.
func claimLost(ctx context.Context) bool {
	return ctx.Err() != nil && errors.Is(context.Cause(ctx), state.ErrClaimLost)
}
