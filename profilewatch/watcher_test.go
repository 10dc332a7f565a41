package profilewatch

import (
	"context"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/packuilon/packuilon/internal/amqp"
	"github.com/packuilon/packuilon/internal/config"
	"github.com/packuilon/packuilon/internal/testenv"
)

// daemon runs Run in the background and records what it reports.
type daemon struct {
	mu     sync.Mutex
	scans  int
	reps   []Report // each scan's report and error
	errs   []error
	states []string
	addr   chan net.Addr
	reload chan struct{}
	cancel context.CancelFunc
	done   chan error
}

func startDaemon(t *testing.T, f *fixture) *daemon {
	return startDaemonWith(t, f, Options{})
}

// startDaemonWith starts the daemon with o's tunables.
func startDaemonWith(t *testing.T, f *fixture, o Options) *daemon {
	t.Helper()
	d := &daemon{addr: make(chan net.Addr, 4), reload: make(chan struct{}), done: make(chan error, 1)}
	ctx, cancel := context.WithCancel(context.Background())
	d.cancel = cancel
	go func() {
		d.done <- Run(ctx, Options{
			Config: f.cfg,
			Load:   func() (*config.Config, error) { return config.Load(f.cfgPath) },
			Reload: d.reload,
			Log:    testLogger(t),
			Notify: func(s string) error { d.mu.Lock(); d.states = append(d.states, s); d.mu.Unlock(); return nil },
			OnScan: func(rep Report, err error) {
				d.mu.Lock()
				d.scans++
				d.reps, d.errs = append(d.reps, rep), append(d.errs, err)
				d.mu.Unlock()
			},
			OnListen:    func(a net.Addr) { d.addr <- a },
			RescanDelay: o.RescanDelay,
			PublishAll:  o.PublishAll,
		})
	}()
	t.Cleanup(func() { d.stop(t) })
	return d
}

func (d *daemon) stop(t *testing.T) {
	d.cancel()
	select {
	case err := <-d.done:
		if err != nil {
			t.Errorf("Run: %v", err)
		}
		d.done <- nil
	case <-time.After(time.Minute):
		t.Error("Run did not return after cancel")
	}
}

func (d *daemon) scanCount() int { d.mu.Lock(); defer d.mu.Unlock(); return d.scans }

// waitScans waits until at least n scans happened, then until no more come for quiet.
func (d *daemon) waitScans(t *testing.T, n int, quiet time.Duration) int {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for d.scanCount() < n {
		if time.Now().After(deadline) {
			t.Fatalf("only %d scans, want %d", d.scanCount(), n)
		}
		time.Sleep(20 * time.Millisecond)
	}
	for last := d.scanCount(); ; {
		time.Sleep(quiet)
		if cur := d.scanCount(); cur == last {
			return cur
		} else {
			last = cur
		}
	}
}

func send(t *testing.T, addr net.Addr, msg string) {
	t.Helper()
	c, err := net.Dial("udp", addr.String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write([]byte(msg)); err != nil {
		t.Fatal(err)
	}
}

// TestUDPBurstCollapses: Aquilon notifies after every compile; 50 notifications arriving while a
// scan runs cause at most one more scan.
func TestUDPBurstCollapses(t *testing.T) {
	rmq := testenv.SharedRabbit(t)
	f := newFixture(t, rmq, testenv.ProfileServerOptions{}, "UDP_LISTEN = 127.0.0.1:0", "UDP_ALLOW = 127.0.0.0/8")
	f.put(tmpl(0, 1))
	d := startDaemon(t, f)
	addr := <-d.addr
	d.waitScans(t, 1, 300*time.Millisecond) // the scan at start
	f.srv.SetIndexDelay(time.Second)        // the first notification's scan is still running when the rest arrive
	for i := range 50 {
		send(t, addr, "cdb\x00"+time.Now().Add(time.Duration(i)).Format("20060102150405"))
	}
	got := d.waitScans(t, 2, 2*time.Second) - 1
	if got < 1 || got > 2 {
		t.Errorf("50 notifications caused %d scans, want 1 or 2", got)
	}
	before := f.srv.IndexHits()
	send(t, addr, "hello")
	send(t, addr, "cdb\x00notdigits")
	time.Sleep(500 * time.Millisecond)
	if f.srv.IndexHits() != before {
		t.Errorf("datagrams that are not notifications caused a scan")
	}
	d.mu.Lock()
	if len(d.states) == 0 || d.states[0] != "READY=1" {
		t.Errorf("states = %v, want READY first", d.states)
	}
	d.mu.Unlock()
}

// TestUDPAllowList: notifications from addresses outside UDP_ALLOW are ignored.
func TestUDPAllowList(t *testing.T) {
	rmq := testenv.SharedRabbit(t)
	f := newFixture(t, rmq, testenv.ProfileServerOptions{}, "UDP_LISTEN = 127.0.0.1:0", "UDP_ALLOW = 192.0.2.1, 10.0.0.0/8")
	d := startDaemon(t, f)
	addr := <-d.addr
	d.waitScans(t, 1, 300*time.Millisecond)
	send(t, addr, "cdb\x001718963105")
	time.Sleep(500 * time.Millisecond)
	if n := d.scanCount(); n != 1 {
		t.Errorf("a notification from 127.0.0.1, not allowed, caused %d scans", n-1)
	}
}

// TestReloadKeepsOldConfigOnError: a broken file on SIGHUP keeps the running configuration; a
// good one is swapped in (here: a different profile server).
func TestReloadKeepsOldConfigOnError(t *testing.T) {
	rmq := testenv.SharedRabbit(t)
	f := newFixture(t, rmq, testenv.ProfileServerOptions{}, "UDP_LISTEN = 127.0.0.1:0")
	d := startDaemon(t, f)
	addr := <-d.addr
	d.waitScans(t, 1, 300*time.Millisecond)

	writeFile(t, f.cfgPath, "[global]\nRABBIT_PORT = nope\n")
	d.reload <- struct{}{}
	send(t, addr, "cdb\x001") // the old listener is still there
	d.waitScans(t, 2, 300*time.Millisecond)
	if f.srv.IndexHits() != 2 {
		t.Fatalf("old server index hits = %d, want 2 (scan at start + notification)", f.srv.IndexHits())
	}

	other := testenv.NewProfileServer(t, testenv.ProfileServerOptions{})
	f.writeConfig(other, "UDP_LISTEN = 127.0.0.1:0")
	d.reload <- struct{}{}
	addr = <-d.addr
	send(t, addr, "cdb\x002")
	d.waitScans(t, 3, 300*time.Millisecond)
	if other.IndexHits() != 1 {
		t.Errorf("new server index hits = %d, want 1 after reload", other.IndexHits())
	}
	d.stop(t)
	d.mu.Lock()
	defer d.mu.Unlock()
	if last := d.states[len(d.states)-1]; last != "STOPPING=1" {
		t.Errorf("last state %q, want STOPPING=1", last)
	}
}

// TestRescanAfterFailure: a scan that fails (here the profile server is too slow) is repeated
// without waiting for a trigger, and the change gets published.
func TestRescanAfterFailure(t *testing.T) {
	rmq := testenv.SharedRabbit(t)
	f := newFixture(t, rmq, testenv.ProfileServerOptions{}, "HTTP_TIMEOUT = 1s")
	f.baselineThenChange(1)
	f.srv.SetIndexDelay(3 * time.Second)
	d := startDaemonWith(t, f, Options{RescanDelay: 2 * time.Second})
	d.waitScans(t, 1, 10*time.Millisecond)
	f.srv.SetIndexDelay(0)
	d.waitScans(t, 2, 10*time.Millisecond)
	if got := keys(f.drain()); got != "pers0-sl7x-x86_64" {
		t.Errorf("after the rescan published %q", got)
	}
}

// A daemon started with --publish-all whose first scan loses the broker midway (a real TCP proxy
// in front of RabbitMQ, cut once the broker's confirms of the first 4 requests have reached the
// daemon, while the profile server holds the other profiles) scans again without --publish-all:
// its saved pending profiles are the candidates, so the requests the broker confirmed before the
// cut are not published twice.
func TestDaemonPublishAllFinishedAfterFailure(t *testing.T) {
	const n, cutAt = 12, 4
	f := publishAllFixture(t, n)
	s, px := f.scannerBehindProxy(t)
	f.cfg.Global.RabbitPort = s.g.RabbitPort
	ch, done := f.channel() // to the broker itself, not through the proxy
	defer done()
	if _, err := amqp.DeclareQueue(ch, f.queue); err != nil {
		t.Fatal(err)
	}
	acks := newBrokerAcks()
	confirmed := make(chan struct{})
	var once sync.Once
	px.ObserveFromTarget(func(conn int, b []byte) {
		if acks.observe(conn, b) >= cutAt {
			once.Do(func() { close(confirmed) })
		}
	})
	// The scan reads cutAt profiles and publishes their requests, then waits for the next
	// profiles until Release: it cannot publish more, nor end, before the cut.
	f.srv.HoldAfter(cutAt)
	d := startDaemonWith(t, f, Options{PublishAll: true, RescanDelay: time.Second})
	select {
	case <-confirmed:
	case <-time.After(time.Minute):
		f.srv.Release()
		t.Fatalf("the broker's confirms of %d requests did not reach the daemon within a minute (%v)", cutAt, acks.failure())
	}
	px.Cut()
	f.srv.Release()
	d.waitScans(t, 1, 10*time.Millisecond)
	if err := px.Restore(); err != nil {
		t.Fatal(err)
	}
	d.waitScans(t, 2, 10*time.Millisecond)
	d.mu.Lock()
	first, second, errs := d.reps[0], d.reps[1], d.errs
	d.mu.Unlock()
	if errs[0] == nil || errs[1] != nil {
		t.Fatalf("scans: %v, want the first failed and the second done", errs)
	}
	t.Logf("first: %s: %v; second: %s", first, errs[0], second)
	if len(first.Published) != cutAt {
		t.Errorf("the first scan reports %d requests confirmed, want the %d confirmed before the cut", len(first.Published), cutAt)
	}
	sent := map[string]bool{}
	imageKeys(t, first.Published, sent)
	imageKeys(t, second.Published, sent) // fails on any published twice
	if len(sent) != n {
		t.Errorf("%d of %d profiles published", len(sent), n)
	}
}
