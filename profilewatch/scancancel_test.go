package profilewatch

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/packuilon/packuilon/internal/testenv"
)

// TestCancelAfterFirstPublishLeavesTheRest: a daemon told to stop once its first request is sent
// lets the fetches running finish but starts no more; it publishes what it read, saves the cache
// with the other candidates' entries as they were, and the next scan publishes exactly those:
// nothing lost, nothing twice.
func TestCancelAfterFirstPublishLeavesTheRest(t *testing.T) {
	const n, parallel = 40, 2
	rmq := testenv.SharedRabbit(t)
	f := newFixture(t, rmq, testenv.ProfileServerOptions{}, fmt.Sprintf("FETCH_PARALLELISM = %d", parallel))
	f.baselineThenChange(n)
	old, _, err := LoadCache(f.cacheDir)
	if err != nil {
		t.Fatal(err)
	}
	fetches := func() int {
		sum := 0
		for i := range n {
			sum += f.srv.Fetches(tmpl(i, 2).FQDN())
		}
		return sum
	}
	before := fetches()
	f.srv.SetDelay(300 * time.Millisecond)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s := f.scanner()
	atCancel := 0
	s.firstSend = func() {
		atCancel = fetches() - before
		cancel()
	}
	rep, err := s.Scan(ctx, ScanOptions{})
	if err != nil {
		t.Fatalf("scan stopped after its first publish: %v", err)
	}
	// Fetched: the profiles requested before the cancel, whose requests were all answered, and
	// at most one per worker that had just decided to start; each is read and published.
	fetched := fetches() - before
	t.Logf("report: %s; %d profile fetches, %d of them before the cancel", rep, fetched, atCancel)
	if fetched > atCancel+parallel {
		t.Errorf("%d profiles fetched after the cancel, want at most %d", fetched-atCancel, parallel)
	}
	if len(rep.Published) != fetched || rep.Left < n/2 {
		t.Errorf("%d profiles fetched, %d published, %d left, want every one fetched published and most left", fetched, len(rep.Published), rep.Left)
	}
	first := f.drain()
	if len(first) == 0 || keys(first) != keys(rep.Published) {
		t.Fatalf("queue has %q, report published %q", keys(first), keys(rep.Published))
	}
	if len(rep.Published)+rep.Left != n || len(rep.Failed) != 0 || rep.Unchanged != 0 {
		t.Errorf("report: %s; want %d published + left", rep, n)
	}
	sent := map[string]bool{}
	for _, r := range first {
		sent[r.ImageKey] = true
	}
	c, _, err := LoadCache(f.cacheDir)
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		key := CacheKey(f.srv.Name(tmpl(i, 2).FQDN()))
		kept := c.Entries[key] == old.Entries[key]
		if published := sent[fmt.Sprintf("pers%d-sl7x-x86_64", i)]; published == kept {
			t.Errorf("profile %d (published %v): cache entry %+v, was %+v", i, published, c.Entries[key], old.Entries[key])
		}
	}
	f.srv.SetDelay(0)
	next := f.mustScan(ScanOptions{})
	rest := f.drain()
	if next.Left != 0 || len(first)+len(rest) != n {
		t.Errorf("next scan: %s; %d then %d published, want %d in all", next, len(first), len(rest), n)
	}
	for _, r := range rest {
		if sent[r.ImageKey] {
			t.Errorf("%s published twice", r.ImageKey)
		}
		sent[r.ImageKey] = true
	}
	if len(sent) != n {
		t.Errorf("%d of %d profiles published in the two scans", len(sent), n)
	}
	if rep := f.mustScan(ScanOptions{}); rep.Candidates != 0 {
		t.Errorf("cache not saved: a third scan has %d candidates", rep.Candidates)
	}
}
