package testenv

import (
	"context"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/packuilon/packuilon/internal/procgroup"
)

// waitExited blocks until process pid has exited, without reaping it (WNOWAIT): until someone
// waits for it, the exited process keeps its pid, so no other process can be given that number,
// nor create a process group of that id. A service's group (id: the leader's pid, Setpgid) can
// then be signalled after its leader exited without any risk of reaching another's.
func waitExited(pid int) error {
	for {
		var info unix.Siginfo
		err := unix.Waitid(unix.P_PID, pid, &info, unix.WEXITED|unix.WNOWAIT, nil)
		if err != unix.EINTR {
			return err
		}
	}
}

// stopGroup ends the service's process group (the leader and what it started there: glance-api's
// and uwsgi's workers), whether or not the leader is still running: SIGTERM, then SIGKILL after
// grace (procgroup's Reap, whose Members do not count the leader once it is a zombie). The
// leader is reaped only after, so the group id signalled is ours all along.
func (s *service) stopGroup(grace time.Duration) {
	if err := procgroup.Signal(s.group.ID, syscall.SIGTERM); err == nil {
		s.group.Reap(context.Background(), grace) //nolint:errcheck // what survives SIGKILL cannot be helped here
	}
	s.cmd.Wait() //nolint:errcheck // a stopped service's exit status tells nothing
}
