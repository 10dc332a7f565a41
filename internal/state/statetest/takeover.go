// Package statetest helps tests of the build store's users.
package statetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/packuilon/packuilon/internal/state"
)

// ShortLeases are lease timings for tests (state.WithLeaseTimings): a lease renews every
// second, so it finds a claim taken over within about a second, instead of at the production
// renewal every 20 s.
var ShortLeases = state.LeaseTimings{TTL: 3 * time.Second, Renew: time.Second, Margin: 500 * time.Millisecond}

// TakeOver makes old's claim on key expire, as after a whole state.ClaimTTL without a
// renewal, and claims key for taker, as another process would then. old's lease may renew in
// between and make its claim live again, so it tries until the key is taken (for up to a
// minute). old's lease finds the claim lost at its next renewal.
func TakeOver(ctx context.Context, st *state.Store, key string, old, taker state.Holder) error {
	for deadline := time.Now().Add(time.Minute); ; {
		if err := st.TryClaim(ctx, key, old, -time.Second); err != nil {
			return err
		}
		err := st.TryClaim(ctx, key, taker, time.Hour)
		if err == nil {
			return nil
		}
		if !errors.Is(err, state.ErrClaimed) || time.Now().After(deadline) {
			return fmt.Errorf("take over %s: %w", key, err)
		}
	}
}

// Await returns the next value from ch, failing t if none comes within a generous timeout
// (three minutes: a lease finds its claim lost at its next renewal, every state.ClaimTTL/3
// with the default timings).
func Await[T any](t testing.TB, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(3 * time.Minute):
		t.Fatalf("%s: not within 3 minutes", what)
		var zero T
		return zero
	}
}
