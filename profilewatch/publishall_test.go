package profilewatch

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/packuilon/packuilon/internal/event"
	"github.com/packuilon/packuilon/internal/testenv"
)

// publishAllFixture serves n template profiles and records the baseline: a --publish-all then
// has n profiles to publish, none changed.
func publishAllFixture(t *testing.T, n int) *fixture {
	t.Helper()
	f := newFixture(t, testenv.SharedRabbit(t), testenv.ProfileServerOptions{}, "FETCH_PARALLELISM = 2")
	for i := range n {
		f.put(tmpl(i, 1))
	}
	if rep := f.mustScan(ScanOptions{}); !rep.Baseline {
		t.Fatalf("first scan: %s, want the baseline", rep)
	}
	return f
}

// pendingEntries counts the cache entries on disk a --publish-all left pending.
func (f *fixture) pendingEntries() int {
	f.t.Helper()
	if _, _, err := LoadCache(f.cacheDir); err != nil {
		f.t.Fatal(err)
	}
	return strings.Count(f.cacheBytes(), `,"pending":true}`)
}

// scannerBehindProxy is a scanner that reaches the broker through a real TCP proxy, closed
// when t ends.
func (f *fixture) scannerBehindProxy(t *testing.T) (*Scanner, *testenv.TCPProxy) {
	t.Helper()
	px, err := testenv.StartTCPProxy(fmt.Sprintf("127.0.0.1:%d", f.rmq.Port))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(px.Close)
	_, port, err := net.SplitHostPort(px.Addr)
	if err != nil {
		t.Fatal(err)
	}
	s := f.scanner()
	if s.g.RabbitPort, err = strconv.Atoi(port); err != nil {
		t.Fatal(err)
	}
	return s, px
}

// imageKeys is the image keys of reqs as a set; a key listed twice fails t.
func imageKeys(t *testing.T, reqs []event.BuildRequest, into map[string]bool) {
	t.Helper()
	for _, r := range reqs {
		if into[r.ImageKey] {
			t.Errorf("%s published twice", r.ImageKey)
		}
		into[r.ImageKey] = true
	}
}

// A --publish-all stopped once its first request is sent (SIGTERM) publishes what it read and
// saves the cache; the next normal scan publishes exactly the profiles it did not reach, though
// none changed: every profile once, none twice.
func TestPublishAllStoppedIsFinishedByTheNextScan(t *testing.T) {
	const n = 30
	f := publishAllFixture(t, n)
	f.srv.SetDelay(200 * time.Millisecond)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s := f.scanner()
	s.firstSend = cancel
	rep, err := s.Scan(ctx, ScanOptions{PublishAll: true})
	if err != nil {
		t.Fatalf("publish-all stopped after its first publish: %v", err)
	}
	first := f.drain()
	if len(first) == 0 || rep.Left == 0 || keys(first) != keys(rep.Published) {
		t.Fatalf("stopped publish-all: %s; queue has %q", rep, keys(first))
	}
	if p := f.pendingEntries(); p != rep.Left {
		t.Errorf("%d cache entries pending after the stopped publish-all, want the %d left", p, rep.Left)
	}
	f.srv.SetDelay(0)
	next := f.mustScan(ScanOptions{})
	rest := f.drain()
	t.Logf("stopped publish-all: %s; next scan: %s", rep, next)
	sent := map[string]bool{}
	imageKeys(t, first, sent)
	imageKeys(t, rest, sent)
	if len(sent) != n || len(rest) != rep.Left {
		t.Errorf("%d then %d published (%d left), want all %d profiles once", len(first), len(rest), rep.Left, n)
	}
	if p := f.pendingEntries(); p != 0 {
		t.Errorf("%d cache entries still pending", p)
	}
	if rep := f.mustScan(ScanOptions{}); rep.Candidates != 0 || len(f.drain()) != 0 {
		t.Errorf("a third scan: %s, want nothing", rep)
	}
}

// A --publish-all whose broker goes away once it is connected (a real TCP proxy in front of
// RabbitMQ, cut) fails and leaves the cache as it was before its first publish: every matching
// profile pending, as a crash would leave it. The next normal scan, with the broker back,
// publishes them all, though none changed; the one after publishes nothing.
func TestPublishAllBrokerLostIsFinishedByTheNextScan(t *testing.T) {
	const n = 12
	f := publishAllFixture(t, n)
	s, px := f.scannerBehindProxy(t)
	s.afterConnect = px.Cut
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	rep, err := s.Scan(ctx, ScanOptions{PublishAll: true})
	if err == nil {
		t.Fatalf("publish-all through a cut broker succeeded: %s", rep)
	}
	t.Logf("publish-all through a cut broker: %v", err)
	if p := f.pendingEntries(); p != n {
		t.Errorf("%d cache entries pending after the failed publish-all, want %d", p, n)
	}
	f.drain() // what the broker confirmed before the cut, if anything: published again below
	next := f.mustScan(ScanOptions{})
	sent := map[string]bool{}
	imageKeys(t, f.drain(), sent)
	if len(sent) != n || len(next.Published) != n {
		t.Errorf("next scan: %s; %d profiles published, want %d", next, len(sent), n)
	}
	if rep := f.mustScan(ScanOptions{}); rep.Candidates != 0 || len(f.drain()) != 0 || f.pendingEntries() != 0 {
		t.Errorf("a third scan: %s, want nothing", rep)
	}
}
