package procgroup

import (
	"context"
	"os/exec"
	"syscall"
	"testing"
	"time"
)

// startGroup starts a shell in a group of its own; with stubborn it ignores SIGINT and SIGTERM
// (as a child left behind by a crashed builder might) and only SIGKILL ends it.
func startGroup(t *testing.T, stubborn bool) (*exec.Cmd, Group) {
	t.Helper()
	script := "sleep 60 & sleep 60"
	if stubborn {
		script = "trap '' INT TERM; " + script
	}
	cmd := exec.Command("/bin/sh", "-c", script)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { Signal(cmd.Process.Pid, syscall.SIGKILL); cmd.Wait() })
	go cmd.Wait() // reap the leader as init would for an orphan
	g, err := Describe(cmd.Process.Pid)
	if err != nil {
		t.Fatal(err)
	}
	return cmd, g
}

// TestReap: a group that ignores the polite signals is killed after the grace period; one whose
// members all exit within it is not; either way nothing of it is alive afterwards.
func TestReap(t *testing.T) {
	cases := []struct {
		name       string
		stubborn   bool
		signal     syscall.Signal
		wantKilled bool
	}{
		{"stubborn group is killed", true, 0, true},
		{"group that ends on SIGTERM is waited for", false, syscall.SIGTERM, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, g := startGroup(t, c.stubborn)
			waitMembers(t, g, 3)
			if c.signal != 0 {
				Signal(g.ID, c.signal)
			}
			killed, err := g.Reap(context.Background(), 2*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			if killed != c.wantKilled {
				t.Errorf("killed = %v, want %v", killed, c.wantKilled)
			}
			if pids, _ := g.Members(); len(pids) != 0 {
				t.Errorf("members alive after Reap: %v", pids)
			}
		})
	}
}

// TestMembersOfAnotherBootOrGroup: a record from another boot, or whose leader's start time
// differs (the id was reused), has no members even while a group of that id runs.
func TestMembersOfAnotherBootOrGroup(t *testing.T) {
	_, g := startGroup(t, false)
	waitMembers(t, g, 3)
	for _, other := range []Group{
		{ID: g.ID, BootID: "another-boot", StartTime: g.StartTime},
		{ID: g.ID, BootID: g.BootID, StartTime: g.StartTime - 1},
		{ID: 1, BootID: g.BootID},
	} {
		if pids, err := other.Members(); err != nil || len(pids) != 0 {
			t.Errorf("%+v: members %v (%v), want none", other, pids, err)
		}
	}
}

func waitMembers(t *testing.T, g Group, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		pids, err := g.Members()
		if err != nil {
			t.Fatal(err)
		}
		if len(pids) >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("group %v has %d members, want %d", g, len(pids), n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestCPU: the processor time of a group counts its members' (here a busy loop's), and a record
// of another boot counts nothing.
func TestCPU(t *testing.T) {
	cmd := exec.Command("/bin/sh", "-c", "while :; do :; done & sleep 60")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { Signal(cmd.Process.Pid, syscall.SIGKILL); cmd.Wait() })
	g, err := Describe(cmd.Process.Pid)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		d, err := g.CPU()
		if err != nil {
			t.Fatal(err)
		}
		if d >= 2*clockTick {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("group %v used %v after 10 s of a busy loop", g, d)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if d, err := (Group{ID: g.ID, BootID: "another-boot", StartTime: g.StartTime}).CPU(); err != nil || d != 0 {
		t.Errorf("a record of another boot used %v (%v), want 0", d, err)
	}
}
