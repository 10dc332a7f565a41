package profilewatch

import (
	"os"
	"path/filepath"
	"runtime/debug"
)

// OneShotHeap is the heap a one-shot scan (watch --once) may grow to before its first garbage
// collection: see OneShotGC.
const OneShotHeap = 40 << 20

// oneShotLiveFactor estimates the heap a scan keeps live (the cache and the index in maps) from
// the size of the cache file: about 2 bytes of heap per byte of file, with room to spare.
const oneShotLiveFactor = 3

// OneShotGC sets the garbage collector for a process that runs one scan and exits. Almost all
// that a scan allocates lives until it ends (the cache, the index) or is reused (the body and
// canonical-form buffers), so the collections the default collector runs while the heap first
// grows find little to free: about a tenth of the scan's time at 20,000 entries. Collection is
// off until the heap nears OneShotHeap (a soft limit, so memory stays bounded), unless the
// operator set GOGC or GOMEMLIMIT, there is no cache in cacheDir yet (the baseline scan, of
// a site whose size is unknown), or the cache is large enough that the scan's live data would
// come near the limit (then the limit would make the collector run over and over, and the
// default is better). It reports whether it changed anything.
func OneShotGC(cacheDir string) bool {
	if os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" {
		return false
	}
	// Without a cache (the baseline scan) the site's size is unknown: the default collector.
	fi, err := os.Stat(filepath.Join(cacheDir, CacheFile))
	if err != nil || oneShotLiveFactor*fi.Size() > OneShotHeap/2 {
		return false
	}
	debug.SetMemoryLimit(OneShotHeap)
	debug.SetGCPercent(-1)
	return true
}
