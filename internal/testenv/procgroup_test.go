package testenv

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A service whose leader exits leaving a process in its group (as glance-api's or uwsgi's
// workers can outlive their master) is stopped whole: stop signals the group even though the
// leader is gone. It used to return at once, leaving the worker running (and holding the port).
func TestStopEndsTheGroupAfterItsLeader(t *testing.T) {
	Need(t, "sh", "sleep")
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "log"), 0o700); err != nil {
		t.Fatal(err)
	}
	// A test fixture, not product code: the shell is the simplest leader that leaves a child.
	s, err := startService(dir, "orphan", nil, "sh", "-c", "sleep 300 & echo $! > child.pid")
	if err != nil {
		t.Fatal(err)
	}
	defer s.stop()
	select {
	case <-s.exited:
	case <-time.After(30 * time.Second):
		t.Fatal("sh did not exit")
	}
	b, err := os.ReadFile(filepath.Join(dir, "child.pid"))
	if err != nil {
		t.Fatal(err)
	}
	child, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	if members, err := s.group.Members(); err != nil || !slices.Contains(members, child) {
		t.Fatalf("the service's group %s runs %v (%v), want the child %d", s.group, members, err, child)
	}
	s.stop()
	if members, err := s.group.Members(); err != nil || len(members) > 0 {
		syscall.Kill(child, syscall.SIGKILL) // the test's own child: do not leave it behind
		t.Fatalf("after stop, the group of the exited leader still runs %v (%v)", members, err)
	}
}

// Once stop returns, the service reads as exited: StartGlance after StopGlance tells a stopped
// Glance from a running one by its exited channel, and would otherwise take a Glance just
// stopped for one still running, and not start it.
func TestStopLeavesTheServiceExited(t *testing.T) {
	Need(t, "sleep")
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "log"), 0o700); err != nil {
		t.Fatal(err)
	}
	for i := range 10 {
		s, err := startService(dir, "sleeper", nil, "sleep", "300")
		if err != nil {
			t.Fatal(err)
		}
		s.stop()
		select {
		case <-s.exited:
		default:
			t.Fatalf("stop %d returned with the service not yet exited", i+1)
		}
	}
}
