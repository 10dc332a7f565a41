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
	for _, c := range []struct {
		name      string
		cacheSize int // bytes of cache file; -1: none
		env       string
		off       bool
	}{
		{"no cache yet (the baseline, of a size unknown): the default", -1, "", false},
		{"a small cache: off", 1 << 20, "", true},
		{"a cache whose live data would near the limit keeps the default", OneShotHeap / oneShotLiveFactor, "", false},
		{"GOGC set keeps the operator's choice", 1 << 20, "GOGC", false},
		{"GOMEMLIMIT set keeps the operator's choice", 1 << 20, "GOMEMLIMIT", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			debug.SetGCPercent(100)
			debug.SetMemoryLimit(math.MaxInt64)
			t.Setenv("GOGC", "")
			t.Setenv("GOMEMLIMIT", "")
			if c.env != "" {
				t.Setenv(c.env, "200")
			}
			dir := t.TempDir()
			if c.cacheSize >= 0 {
				if err := os.WriteFile(filepath.Join(dir, CacheFile), make([]byte, c.cacheSize), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			changed := OneShotGC(dir)
			limit := debug.SetMemoryLimit(-1)
			off := debug.SetGCPercent(100) < 0
			if changed != c.off || off != c.off || (limit == OneShotHeap) != c.off {
				t.Fatalf("OneShotGC = %v, collection off %v, limit %d; want off = %v", changed, off, limit, c.off)
			}
		})
	}
}
