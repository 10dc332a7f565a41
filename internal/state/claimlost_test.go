package state

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
)

// lost waits (generously) for l to be lost and returns its error.
func lost(t *testing.T, l *Lease) error {
	t.Helper()
	select {
	case <-l.Lost():
		return l.Err()
	case <-time.After(time.Minute):
		t.Fatal("the lease was not reported lost")
		return nil
	}
}

// TestLeaseLostToTakeover: a lease whose claim expired and was taken by another holder is
// lost at its next renewal with ErrClaimLost naming the key, stops renewing, cancels the
// contexts bound to it with that cause, and its Release leaves the new holder's claim alone.
func TestLeaseLostToTakeover(t *testing.T) { eachBackend(t, testLeaseLostToTakeover) }

func testLeaseLostToTakeover(t *testing.T, be backend) {
	ctx := context.Background()
	st, _ := be.open(t)
	old, taker := NewHolder("builder", "build B1"), NewHolder("promote", "promote")
	l, err := hold(ctx, st, "k.managed", old, 0, nil, LeaseTimings{TTL: time.Hour, Renew: 50 * time.Millisecond, Margin: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	work, cancel := l.Context(ctx)
	defer cancel()
	if l.Err() != nil || work.Err() != nil {
		t.Fatalf("a held lease reports %v, its context %v", l.Err(), work.Err())
	}
	// The old holder's claim expires (as if its renewals had failed for an hour) and the taker
	// claims the key; a renewal sent in between makes it live again, so try until it is taken.
	deadline := time.Now().Add(time.Minute)
	for {
		if err := st.TryClaim(ctx, "k.managed", old, -time.Second); err != nil {
			t.Fatal(err)
		}
		err := st.TryClaim(ctx, "k.managed", taker, time.Hour)
		if err == nil {
			break
		}
		if !errors.Is(err, ErrClaimed) || time.Now().After(deadline) {
			t.Fatalf("take over: %v", err)
		}
	}
	err = lost(t, l)
	var cl *ClaimLostError
	if !errors.Is(err, ErrClaimLost) || !errors.As(err, &cl) || cl.Key != "k.managed" || !strings.Contains(err.Error(), "another process took it over") {
		t.Fatalf("lost with %v, want a ClaimLostError of k.managed saying another process took it over", err)
	}
	select {
	case <-work.Done():
	case <-time.After(time.Minute):
		t.Fatal("the context bound to the lease was not cancelled")
	}
	if cause := context.Cause(work); !errors.Is(cause, ErrClaimLost) {
		t.Errorf("the bound context's cause is %v, want ErrClaimLost", cause)
	}
	select {
	case <-l.done:
	case <-time.After(time.Minute):
		t.Fatal("the lost lease goes on renewing")
	}
	if err := l.Release(ctx); err != nil {
		t.Fatal(err)
	}
	if c, found, err := st.ClaimOf(ctx, "k.managed"); err != nil || !found || c.Holder.Owner != taker.Owner {
		t.Fatalf("after the lost lease's release the claim is %+v (found %v, %v), want the taker's", c, found, err)
	}
}

// TestLeaseLostWhenRenewalsFail: a lease renews its claim past its TTL while the store
// answers; once the store is unreachable (here: closed) it counts itself lost when no renewal
// succeeded for the TTL less the margin, before another holder could take the key.
func TestLeaseLostWhenRenewalsFail(t *testing.T) { eachBackend(t, testLeaseLostWhenRenewalsFail) }

func testLeaseLostWhenRenewalsFail(t *testing.T, be backend) {
	ctx := context.Background()
	_, target := be.open(t)
	holderStore := be.reopen(t, target) // the holder's connection, which goes away
	counted := &countingClaims{Claims: holderStore}
	times := LeaseTimings{TTL: 2 * time.Second, Renew: 100 * time.Millisecond, Margin: 500 * time.Millisecond}
	l, err := hold(ctx, counted, "k.managed", NewHolder("builder", "build B1"), 0, nil, times)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Release(ctx)
	// Renewals that succeed keep it held past its TTL (25 renewals: 2.5 s).
	for counted.renewed() < 25 {
		select {
		case <-l.Lost():
			t.Fatalf("lost while renewals succeed: %v", l.Err())
		case <-time.After(10 * time.Millisecond):
		}
	}
	if l.Err() != nil {
		t.Fatalf("lost while renewals succeed: %v", l.Err())
	}
	holderStore.Close()
	err = lost(t, l)
	if !errors.Is(err, ErrClaimLost) || !strings.Contains(err.Error(), "k.managed") || !strings.Contains(err.Error(), "no renewal succeeded") ||
		!strings.Contains(err.Error(), "last error") {
		t.Fatalf("lost with %v, want ErrClaimLost naming the key and the failed renewals", err)
	}
}

// countingClaims counts a store's successful renewals.
type countingClaims struct {
	Claims
	mu sync.Mutex
	n  int
}

func (c *countingClaims) Renew(ctx context.Context, key string, h Holder, ttl time.Duration) error {
	err := c.Claims.Renew(ctx, key, h, ttl)
	if err == nil {
		c.mu.Lock()
		c.n++
		c.mu.Unlock()
	}
	return err
}

func (c *countingClaims) renewed() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}
