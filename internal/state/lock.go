package state

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// ErrLocked is returned by LockDaemon when another builder daemon uses the store.
var ErrLocked = errors.New("another builder daemon uses this build store")

// LockDaemon takes the store's daemon lock (an flock on "<store>.lock"). Only the lock holder
// may resume interrupted builds: with two daemons on one store each would take the other's
// running builds for orphans. The CLI does not need the lock. The lock goes with the process,
// so a killed daemon never leaves it behind.
//
// A PostgreSQL store has no daemon lock: several builders share it by design, and the leases
// keep them from running one build twice.
func (s *Store) LockDaemon() (unlock func(), err error) {
	if s.d.name == postgresDialect.name {
		return func() {}, nil
	}
	f, err := os.OpenFile(s.path+".lock", os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock build store: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("%w (%s)", ErrLocked, s.path)
		}
		return nil, fmt.Errorf("lock build store: %w", err)
	}
	return func() { syscall.Flock(int(f.Fd()), syscall.LOCK_UN); f.Close() }, nil
}
