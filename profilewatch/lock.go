package profilewatch

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/packuilon/packuilon/internal/retry"
)

// LockFile is the name of the scan lock in CACHE_DIR.
const LockFile = "packuilon-watch.lock"

// ErrLocked means another scan (cron, the systemd timer, cdp-listend or a person) held the lock
// for longer than LOCK_TIMEOUT.
var ErrLocked = errors.New("another scan is running")

// lockPoll is how often a waiting scan retries the lock; flock has no timed wait.
const lockPoll = 100 * time.Millisecond

// Lock takes the exclusive scan lock in dir, waiting at most timeout. The lock is an flock, so
// it is released by the kernel when the process dies: a killed scan never leaves a stale lock.
// The returned function releases it.
func Lock(ctx context.Context, dir string, timeout time.Duration) (func(), error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create cache dir: %w", err)
	}
	p := filepath.Join(dir, LockFile)
	f, err := os.OpenFile(p, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open lock: %w", err)
	}
	wctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() { syscall.Flock(int(f.Fd()), syscall.LOCK_UN); f.Close() }, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) && !errors.Is(err, syscall.EINTR) {
			f.Close()
			return nil, fmt.Errorf("lock %s: %w", p, err)
		}
		if !retry.Sleep(wctx, lockPoll) {
			f.Close()
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			return nil, fmt.Errorf("%w: %s is still locked after %s", ErrLocked, p, timeout)
		}
	}
}
