package testenv

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// Crash stops the server as a crash would: SIGQUIT to the postmaster, PostgreSQL's immediate
// shutdown (pg_ctl stop -m immediate), which ends every backend at once, writes no checkpoint
// and leaves the next start to recover from the WAL. It returns once the postmaster exited.
// Only the server's processes die: what they wrote to the kernel stays in its page cache, so a
// crash of the server does not show that a write reached the disk.
func (p *Postgres) Crash() error {
	if p.server == nil || p.server.Process == nil {
		return fmt.Errorf("postgres in %s is not running", p.Dir)
	}
	if err := p.server.Process.Signal(syscall.SIGQUIT); err != nil {
		return fmt.Errorf("immediate shutdown of postgres: %w", err)
	}
	select {
	case <-p.exited:
		return nil
	case <-time.After(30 * time.Second):
		return fmt.Errorf("postgres in %s did not exit 30 s after SIGQUIT", p.Dir)
	}
}

// Restart starts the server again on its cluster and port (after Crash), and waits until it
// accepts connections, its recovery done. The port was free while the server was down: should
// another process have taken it meanwhile (any process on the machine may), the server cannot
// bind it, and the error says the port was taken by another process (it wraps errPortTaken)
// rather than only that the server exited; Restart may be called again once the port is free.
func (p *Postgres) Restart() error {
	select {
	case <-p.exited:
	default:
		return fmt.Errorf("postgres in %s is still running", p.Dir)
	}
	return p.startServer()
}

// Log is the server's log so far.
func (p *Postgres) Log() (string, error) {
	b, err := os.ReadFile(filepath.Join(p.Dir, "server.log"))
	return string(b), err
}
