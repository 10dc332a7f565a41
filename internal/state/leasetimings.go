package state

import (
	"fmt"
	"time"
)

// LeaseTimings are a Lease's timings: the claim's TTL, how often it is renewed, and the safety
// margin before the TTL after which a lease whose renewals failed counts itself lost.
type LeaseTimings struct {
	// TTL is how long a claim lasts without renewal.
	TTL time.Duration
	// Renew is how often a Lease renews its claim.
	Renew time.Duration
	// Margin is how long before the TTL runs out (from the last good renewal's sending) a
	// Lease whose renewals failed counts itself lost.
	Margin time.Duration
}

// DefaultLeaseTimings are the timings of every Lease unless the store was opened with
// WithLeaseTimings: TTL ClaimTTL, renewed every third of it, lost a sixth of it early.
var DefaultLeaseTimings = LeaseTimings{TTL: ClaimTTL, Renew: ClaimTTL / 3, Margin: ClaimTTL / 6}

// check says what is wrong with t: a renewal must come before the lease counts itself lost.
func (t LeaseTimings) check() error {
	if t.TTL <= 0 || t.Renew <= 0 || t.Margin < 0 || t.Renew >= t.TTL-t.Margin {
		return fmt.Errorf("lease timings TTL %s, renew every %s, margin %s: want 0 < renew < TTL - margin, margin >= 0", t.TTL, t.Renew, t.Margin)
	}
	return nil
}

// WithLeaseTimings sets the timings of the Leases held on the store (see Hold) instead of
// DefaultLeaseTimings. The commands and daemons never set it; tests use short ones so a lost
// claim shows within a second or two instead of at the next renewal 20 s later.
func WithLeaseTimings(t LeaseTimings) Option { return func(o *options) { o.leases = t } }

// LeaseTimings are the timings of the Leases held on the store.
func (s *Store) LeaseTimings() LeaseTimings {
	if s.leases == (LeaseTimings{}) {
		return DefaultLeaseTimings
	}
	return s.leases
}

// timingsOf are the lease timings of c: its own when it says (a *Store), else the defaults.
func timingsOf(c Claims) LeaseTimings {
	if t, ok := c.(interface{ LeaseTimings() LeaseTimings }); ok {
		return t.LeaseTimings()
	}
	return DefaultLeaseTimings
}
