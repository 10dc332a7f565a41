package testenv

import (
	"os"
	"strconv"
	"strings"
	"time"
)

// CPU is the processor time (user and system) the broker's processes have used so far, to the
// kernel's 10 ms tick: a benchmark takes the difference around what it measures to tell what the
// broker spent on it.
func (r *Rabbit) CPU() time.Duration {
	if r.server == nil || r.server.Process == nil {
		return 0
	}
	return groupCPU(r.server.Process.Pid)
}

// clockTick is the unit of /proc/<pid>/stat's times (USER_HZ, 100 on Linux).
const clockTick = 10 * time.Millisecond

// groupCPU sums the user and system time of the processes in process group pgid (the broker
// runs with a group of its own: beam and its helper processes).
func groupCPU(pgid int) time.Duration {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return 0
	}
	var ticks int64
	for _, e := range ents {
		if e.Name()[0] < '0' || e.Name()[0] > '9' {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		s := string(b)
		i := strings.LastIndexByte(s, ')') // the command name may hold spaces
		if i < 0 {
			continue
		}
		f := strings.Fields(s[i+1:]) // f[0] is the state: field 3 of proc(5)
		if len(f) < 13 {
			continue
		}
		if g, _ := strconv.Atoi(f[2]); g != pgid { // field 5, pgrp
			continue
		}
		utime, _ := strconv.ParseInt(f[11], 10, 64) // field 14
		stime, _ := strconv.ParseInt(f[12], 10, 64) // field 15
		ticks += utime + stime
	}
	return time.Duration(ticks) * clockTick
}
