package testenv

import (
	"time"

	"github.com/packuilon/packuilon/internal/procgroup"
)

// CPU is the processor time (user and system) the broker's processes (it runs with a group of
// its own: beam and its helper processes) have used so far, to the kernel's 10 ms tick: a
// benchmark takes the difference around what it measures to tell what the broker spent on it.
func (r *Rabbit) CPU() time.Duration {
	if r.server == nil || r.server.Process == nil {
		return 0
	}
	g, err := procgroup.Describe(r.server.Process.Pid)
	if err != nil {
		return 0
	}
	d, _ := g.CPU()
	return d
}
