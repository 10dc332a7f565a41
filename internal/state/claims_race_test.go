package state

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"
)

// TestClaimsRace: holders racing for one free key through their own store handles (as separate
// processes would) end with exactly one holder; every other is refused with ErrClaimed.
func TestClaimsRace(t *testing.T) { eachBackend(t, testClaimsRace) }

func testClaimsRace(t *testing.T, be backend) {
	ctx := context.Background()
	first, target := be.open(t)
	stores := []*Store{first}
	for len(stores) < 4 {
		stores = append(stores, be.reopen(t, target))
	}
	for round := 0; round < 5; round++ {
		key := fmt.Sprintf("k.race%d", round)
		var wg sync.WaitGroup
		errs := make([]error, 8)
		start := make(chan struct{})
		for i := range errs {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				h := NewHolder("promote", "promote")
				h.Owner = fmt.Sprintf("promote %d", i)
				<-start
				errs[i] = stores[i%len(stores)].TryClaim(ctx, key, h, time.Minute)
			}(i)
		}
		close(start)
		wg.Wait()
		won := 0
		for i, err := range errs {
			switch {
			case err == nil:
				won++
			case !errors.Is(err, ErrClaimed):
				t.Errorf("%s holder %d: %v", key, i, err)
			}
		}
		if won != 1 {
			t.Fatalf("%s: %d holders got the claim, want exactly 1", key, won)
		}
	}
}
