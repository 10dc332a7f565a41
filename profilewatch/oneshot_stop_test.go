package profilewatch

import (
	"bytes"
	"errors"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/packuilon/packuilon/internal/testenv"
)

// TestWatchOnceStoppedAfterFirstPublish: SIGTERM to packuilon-watch-once once its first request
// is on the queue stops the scan short of its end. It prints its report, then one line saying
// how many candidates are left, and exits 1 (the scan did not complete); what it published is
// on the queue, and the next run publishes exactly the rest.
func TestWatchOnceStoppedAfterFirstPublish(t *testing.T) {
	const n = 20
	rmq := testenv.SharedRabbit(t)
	f := newFixture(t, rmq, testenv.ProfileServerOptions{}, "FETCH_PARALLELISM = 2")
	f.baselineThenChange(n)
	f.srv.SetDelay(200 * time.Millisecond)
	cmd := exec.Command(onceBinary(t), "--config", f.cfgPath)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(time.Minute); f.queued() == 0; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("no request published in a minute: %s", errb.String())
		}
	}
	cmd.Process.Signal(syscall.SIGTERM)
	err := cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 {
		t.Fatalf("after SIGTERM: %v (want exit 1), stdout %s, stderr %s", err, out.String(), lastLines(errb.String(), 3))
	}
	first := f.drain()
	line := lastLine(errb.String())
	if !strings.HasPrefix(line, "packuilon watch: scan stopped: ") || !strings.HasSuffix(line, " candidates left for the next scan") {
		t.Errorf("last stderr line %q", line)
	}
	if !strings.Contains(out.String(), " left for the next scan (stopped)") || len(first) == 0 || len(first) >= n {
		t.Fatalf("%d published; report %q", len(first), out.String())
	}
	f.srv.SetDelay(0)
	rest := f.mustScan(ScanOptions{})
	again := f.drain()
	if len(first)+len(again) != n || len(rest.Published) != len(again) {
		t.Fatalf("first run published %d, the next %d (report %s), want %d in all", len(first), len(again), rest, n)
	}
	seen := map[string]bool{}
	for _, r := range append(first, again...) {
		if seen[r.ImageKey] {
			t.Errorf("%s published twice", r.ImageKey)
		}
		seen[r.ImageKey] = true
	}
}

// queued is the number of messages on the fixture's queue, left there.
func (f *fixture) queued() int {
	f.t.Helper()
	ch, done := f.channel()
	defer done()
	q, err := ch.QueueDeclarePassive(f.queue, true, false, false, false, nil)
	if err != nil {
		return 0 // not declared yet
	}
	return q.Messages
}
