package profilewatch

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestLockWaits: a held lock makes a second Lock wait; it fails with ErrLocked after its timeout,
// with ctx's error (not ErrLocked) when the caller stops first, and succeeds once released.
func TestLockWaits(t *testing.T) {
	dir := t.TempDir()
	unlock, err := Lock(context.Background(), dir, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if _, err := Lock(context.Background(), dir, 300*time.Millisecond); !errors.Is(err, ErrLocked) {
		t.Errorf("held lock: err = %v, want ErrLocked", err)
	} else if waited := time.Since(start); waited < 300*time.Millisecond || waited > 5*time.Second {
		t.Errorf("ErrLocked after %s, want about the 300ms timeout", waited)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if _, err := Lock(ctx, dir, time.Hour); !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, ErrLocked) {
		t.Errorf("stopped caller: err = %v, want ctx's error", err)
	}
	go func() { time.Sleep(200 * time.Millisecond); unlock() }()
	again, err := Lock(context.Background(), dir, 5*time.Second)
	if err != nil {
		t.Fatalf("after release: %v", err)
	}
	again()
}
