package profilewatch

import (
	"math"
	"os"
	"path/filepath"
	"runtime/debug"
	"testing"
)

func TestOneShotGC(t *testing.T) {
	// Whatever the test does to the collector is undone.
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(math.MaxInt64))
	reset := func() { debug.SetGCPercent(100); debug.SetMemoryLimit(math.MaxInt64) }
	off := func() bool { return debug.SetGCPercent(100) < 0 }

	t.Run("no cache yet: off until the limit", func(t *testing.T) {
		reset()
		t.Setenv("GOGC", "")
		t.Setenv("GOMEMLIMIT", "")
		if !OneShotGC(t.TempDir()) || debug.SetMemoryLimit(-1) != OneShotHeap || !off() {
			t.Fatal("collection not turned off with the one-shot limit")
		}
	})
	t.Run("a small cache: off", func(t *testing.T) {
		reset()
		t.Setenv("GOGC", "")
		t.Setenv("GOMEMLIMIT", "")
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, CacheFile), make([]byte, 1<<20), 0o600); err != nil {
			t.Fatal(err)
		}
		if !OneShotGC(dir) || !off() {
			t.Fatal("collection not turned off for a 1 MiB cache")
		}
	})
	t.Run("a large cache keeps the default", func(t *testing.T) {
		reset()
		t.Setenv("GOGC", "")
		t.Setenv("GOMEMLIMIT", "")
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, CacheFile), make([]byte, OneShotHeap/oneShotLiveFactor), 0o600); err != nil {
			t.Fatal(err)
		}
		if OneShotGC(dir) || off() || debug.SetMemoryLimit(-1) != math.MaxInt64 {
			t.Fatal("collector changed for a cache whose live data would near the limit")
		}
	})
	for _, env := range []string{"GOGC", "GOMEMLIMIT"} {
		t.Run(env+" set keeps the operator's choice", func(t *testing.T) {
			reset()
			t.Setenv("GOGC", "")
			t.Setenv("GOMEMLIMIT", "")
			t.Setenv(env, "200")
			if OneShotGC(t.TempDir()) || off() {
				t.Fatalf("collector changed with %s set", env)
			}
		})
	}
}
