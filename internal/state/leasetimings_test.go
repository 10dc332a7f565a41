package state

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/packuilon/packuilon/internal/testenv"
)

// TestLeaseTimings: a store opened without WithLeaseTimings holds its leases with the
// production timings (TTL 60 s, renewed every 20 s, lost 10 s early); one opened with it holds
// them, through Hold, with the given ones, and finds a takeover at its next short renewal;
// timings under which a lease would count itself lost before its first renewal are refused.
func TestLeaseTimings(t *testing.T) { eachBackend(t, testLeaseTimings) }

func testLeaseTimings(t *testing.T, be backend) {
	ctx := context.Background()
	plain, target := be.open(t)
	want := LeaseTimings{TTL: time.Minute, Renew: 20 * time.Second, Margin: 10 * time.Second}
	if got := plain.LeaseTimings(); got != want || DefaultLeaseTimings != want {
		t.Fatalf("default lease timings %+v (DefaultLeaseTimings %+v), want %+v", got, DefaultLeaseTimings, want)
	}
	short := LeaseTimings{TTL: 3 * time.Second, Renew: time.Second, Margin: 500 * time.Millisecond}
	opts := []Option{WithLeaseTimings(short)}
	if be.name == "postgres" {
		opts = append(opts, WithPasswordFile(testenv.SharedPostgres(t).PasswordFile))
	}
	st := mustOpen(t, target, opts...)
	if got := st.LeaseTimings(); got != short {
		t.Fatalf("lease timings %+v, want %+v", got, short)
	}
	old, taker := NewHolder("builder", "build B1"), NewHolder("promote", "promote")
	l, err := Hold(ctx, st, "k.managed", old, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Release(ctx)
	if l.times != short {
		t.Fatalf("the lease holds with %+v, want %+v", l.times, short)
	}
	c, found, err := st.ClaimOf(ctx, "k.managed")
	if err != nil || !found || time.Until(c.Expires) > 10*time.Second {
		t.Fatalf("claim %+v (found %v, %v), want one expiring within %s (not the default minute)", c, found, err, short.TTL)
	}
	if err := st.TryClaim(ctx, "k.managed", old, -time.Second); err != nil {
		t.Fatal(err)
	}
	if err := st.TryClaim(ctx, "k.managed", taker, time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := lost(t, l); err == nil || !strings.Contains(err.Error(), "another process took it over") {
		t.Fatalf("lost with %v, want another process took it over", err)
	}
	for _, bad := range []LeaseTimings{
		{TTL: time.Second, Renew: time.Second},
		{TTL: 3 * time.Second, Renew: time.Second, Margin: 2 * time.Second},
		{TTL: time.Second, Renew: 0, Margin: 0},
		{TTL: time.Second, Renew: 100 * time.Millisecond, Margin: -time.Millisecond},
	} {
		if s, err := Open(target, append(opts[1:], WithLeaseTimings(bad))...); err == nil || !strings.Contains(err.Error(), "lease timings") {
			if s != nil {
				s.Close()
			}
			t.Errorf("timings %+v: opened (%v), want refused", bad, err)
		}
	}
}
