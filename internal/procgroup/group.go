package procgroup

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Group identifies a process group beyond the life of the process that started it. Group ids
// are pids, which the kernel reuses: the boot id and the leader's start time tell the group
// that was recorded from a later one with the same number.
type Group struct {
	// ID is the process group id (the leader's pid).
	ID int `json:"pgid"`
	// BootID is /proc/sys/kernel/random/boot_id when the group started.
	BootID string `json:"boot_id"`
	// StartTime is the leader's start time in clock ticks since boot (/proc/<pid>/stat).
	StartTime uint64 `json:"start_time"`
}

// String is "pgid 1234 (started at tick 5678)".
func (g Group) String() string { return fmt.Sprintf("pgid %d (started at tick %d)", g.ID, g.StartTime) }

// Describe returns the Group of which pid is the leader.
func Describe(pid int) (Group, error) {
	boot, err := BootID()
	if err != nil {
		return Group{}, err
	}
	st, err := readStat(pid)
	if err != nil {
		return Group{}, fmt.Errorf("process %d: %w", pid, err)
	}
	return Group{ID: pid, BootID: boot, StartTime: st.start}, nil
}

// BootID returns the running kernel's boot id.
func BootID() (string, error) {
	b, err := os.ReadFile("/proc/sys/kernel/random/boot_id")
	if err != nil {
		return "", fmt.Errorf("read boot id: %w", err)
	}
	return strings.TrimSpace(string(b)), nil
}

// Members returns the pids of the group's live processes (zombies, which only wait to be
// reaped, do not count). None after a reboot or once the group ended; none either if the
// group id now belongs to a later group (its leader started after the recorded one).
func (g Group) Members() ([]int, error) {
	var pids []int
	err := g.each(func(pid int, _ stat) { pids = append(pids, pid) })
	return pids, err
}

// clockTick is the unit of /proc/<pid>/stat's times (USER_HZ, 100 on Linux).
const clockTick = 10 * time.Millisecond

// CPU is the processor time (user and system) the group's live processes have used so far, to
// the kernel's 10 ms tick; the time of processes that ended is not counted.
func (g Group) CPU() (time.Duration, error) {
	var ticks uint64
	err := g.each(func(_ int, st stat) { ticks += st.cpu })
	return time.Duration(ticks) * clockTick, err
}

// each calls fn for each live process of the group (see Members).
func (g Group) each(fn func(pid int, st stat)) error {
	if g.ID <= 1 {
		return nil
	}
	boot, err := BootID()
	if err != nil {
		return err
	}
	if boot != g.BootID {
		return nil // the machine rebooted: the group died with it
	}
	// The kernel does not reuse a pid while a group of that id exists: a process with the
	// leader's pid but another start time means the recorded group is gone.
	if st, err := readStat(g.ID); err == nil && st.start != g.StartTime {
		return nil
	}
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return fmt.Errorf("list processes: %w", err)
	}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		st, err := readStat(pid)
		if err != nil || st.pgrp != g.ID || st.state == 'Z' || st.state == 'X' || st.start < g.StartTime {
			continue
		}
		fn(pid, st)
	}
	return nil
}

// Alive reports whether any process of the group still runs.
func (g Group) Alive() (bool, error) {
	pids, err := g.Members()
	return len(pids) > 0, err
}

// pollInterval is how often Reap looks at the group: a cheap scan of /proc, and the wait it
// bounds is seconds long.
const pollInterval = 100 * time.Millisecond

// ErrSurvived is returned by Reap when processes of the group are still alive after SIGKILL
// (in uninterruptible sleep, for instance).
var ErrSurvived = errors.New("process group survived SIGKILL")

// Reap ends a group a dead predecessor left running: it waits up to grace for the group to end
// on its own (the leader got SIGTERM when its parent died and may be deleting its temporary
// server), then sends SIGKILL to the group and waits a little more for the processes to go.
// It returns whether the group had to be killed.
func (g Group) Reap(ctx context.Context, grace time.Duration) (killed bool, err error) {
	if err := g.waitGone(ctx, grace); err == nil {
		return false, nil
	} else if !errors.Is(err, context.DeadlineExceeded) {
		return false, err
	}
	pids, err := g.Members()
	if err != nil {
		return false, err
	}
	if len(pids) > 0 {
		if err := Signal(g.ID, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
			return false, fmt.Errorf("kill %s: %w", g, err)
		}
	}
	if err := g.waitGone(ctx, 5*time.Second); err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return true, fmt.Errorf("%s: %w", g, ErrSurvived)
		}
		return true, err
	}
	return true, nil
}

// waitGone polls until the group has no live process, ctx is done (its error) or d passed
// (context.DeadlineExceeded).
func (g Group) waitGone(ctx context.Context, d time.Duration) error {
	wctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	t := time.NewTicker(pollInterval)
	defer t.Stop()
	for {
		alive, err := g.Alive()
		if err != nil {
			return err
		}
		if !alive {
			return nil
		}
		select {
		case <-wctx.Done():
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return context.DeadlineExceeded
		case <-t.C:
		}
	}
}

type stat struct {
	state byte
	pgrp  int
	start uint64
	cpu   uint64 // user and system time in clock ticks
}

// readStat reads the fields of /proc/<pid>/stat that identify a process: its state (3), process
// group (5) and start time (22), and its user and system time (14, 15). The command name (2) is in parentheses and may hold spaces
// and parentheses itself, so the fields are counted from the last ')'.
func readStat(pid int) (stat, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return stat{}, err
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return stat{}, fmt.Errorf("malformed /proc/%d/stat", pid)
	}
	f := strings.Fields(string(b[i+1:])) // f[0] is field 3
	if len(f) < 20 || len(f[0]) != 1 {
		return stat{}, fmt.Errorf("malformed /proc/%d/stat", pid)
	}
	pgrp, err1 := strconv.Atoi(f[2])
	start, err2 := strconv.ParseUint(f[19], 10, 64)
	utime, err3 := strconv.ParseUint(f[11], 10, 64)
	stime, err4 := strconv.ParseUint(f[12], 10, 64)
	if err1 != nil || err2 != nil || err3 != nil || err4 != nil {
		return stat{}, fmt.Errorf("malformed /proc/%d/stat", pid)
	}
	return stat{state: f[0][0], pgrp: pgrp, start: start, cpu: utime + stime}, nil
}
