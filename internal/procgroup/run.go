package procgroup

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"sync"
	"syscall"
	"time"
)

// Handle stops the group of one command; Setup returns it.
type Handle struct {
	cmd   *exec.Cmd
	grace time.Duration
	once  sync.Once
	done  chan struct{}
	err   error // Finish's
}

// Setup makes cmd (not started yet) the leader of a new process group and has its context's
// cancellation stop the whole group: SIGINT at once, SIGTERM after grace/2, SIGKILL after
// grace. If the calling process dies, the leader gets SIGTERM (Pdeathsig): packer's wrapper
// passes SIGTERM on to the real packer, which cancels its build like on SIGINT. Only the
// leader hears that signal; the group id recorded with the build (Describe) is what lets the
// next process end the rest.
func Setup(cmd *exec.Cmd, grace time.Duration) *Handle {
	h := &Handle{cmd: cmd, grace: grace, done: make(chan struct{})}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	cmd.Cancel = h.interrupt
	// exec kills the leader and stops waiting for the output WaitDelay after the cancel; the
	// group's own SIGKILL comes first, at grace.
	cmd.WaitDelay = grace + time.Second
	return h
}

// interrupt is cmd.Cancel: SIGINT to the group, then the escalation in the background until
// Finish.
func (h *Handle) interrupt() error {
	pgid := h.cmd.Process.Pid
	err := Signal(pgid, syscall.SIGINT)
	go func() {
		term := time.NewTimer(h.grace / 2)
		defer term.Stop()
		kill := time.NewTimer(h.grace)
		defer kill.Stop()
		for {
			select {
			case <-h.done:
				return
			case <-term.C:
				Signal(pgid, syscall.SIGTERM)
			case <-kill.C:
				Signal(pgid, syscall.SIGKILL)
				return
			}
		}
	}()
	if errors.Is(err, syscall.ESRCH) {
		return nil // the group ended on its own meanwhile
	}
	return err
}

// Finish is called after cmd.Wait returned: it stops the escalation and kills whatever of the
// group is still there (a provisioner's background process, a child the leader left
// behind), and waits (up to finishWait) until those processes are gone: kill returns before
// the processes it signals have died, and on a busy machine one can still be seen running.
// Nothing of the group outlives the run unnoticed: if processes of the group are still there
// after the wait (in uninterruptible sleep, or joined to the group after the kill), the error
// (ErrSurvived) names the group and their pids for the caller to log. Later calls return the
// same error.
func (h *Handle) Finish() error {
	h.once.Do(func() {
		close(h.done)
		if h.cmd.Process == nil {
			return
		}
		pgid := h.cmd.Process.Pid
		if errors.Is(Signal(pgid, syscall.SIGKILL), syscall.ESRCH) {
			return // nothing was left
		}
		// The leader is reaped already, so its start time cannot be read; the kernel does not
		// reuse its pid as a group id while the group has a process.
		g := Group{ID: pgid}
		g.BootID, _ = BootID()
		h.err = survivors(g, g.waitGone(context.Background(), finishWait))
	})
	return h.err
}

// survivors turns waitGone's error into Finish's: nil when the group is gone, else an error
// naming the pids still there (or why the group could not be read).
func survivors(g Group, err error) error {
	if err == nil {
		return nil
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("process group %d after SIGKILL: %w", g.ID, err)
	}
	pids, merr := g.Members()
	if merr != nil {
		return fmt.Errorf("process group %d after SIGKILL: %w", g.ID, merr)
	}
	if len(pids) == 0 {
		return nil // gone since the last look
	}
	return fmt.Errorf("process group %d: pids %v still there %s after SIGKILL: %w", g.ID, pids, finishWait, ErrSurvived)
}

// finishWait bounds how long Finish waits for the killed processes to go.
const finishWait = 5 * time.Second

// Signal sends sig to every process of group pgid. ESRCH means the group has no process left.
func Signal(pgid int, sig syscall.Signal) error {
	if pgid <= 1 {
		return syscall.EINVAL // never the caller's own group or every process
	}
	return syscall.Kill(-pgid, sig)
}
