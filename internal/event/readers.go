package event

import (
	"slices"
	"sync"
	"sync/atomic"

	"github.com/packuilon/packuilon/internal/canon"
)

// maxReaders is how many compiled option sets readers keeps: a builder and a watcher each use
// one for their life (two in one process), and a reload with other IGNORE_PATHS adds one; the
// oldest is dropped past this bound.
const maxReaders = 4

// readerCache holds the last few compiled canon options by ignored paths and limits. Compiling
// them for every message was most of what a small request cost; keeping every set ever used
// grew the daemon at each reload with new IGNORE_PATHS. A lookup takes no lock and allocates
// nothing.
type readerCache struct {
	max     int
	compile func(ignore []string, lim canon.Limits) *canon.Compiled
	entries atomic.Pointer[[]readerEntry] // newest first; replaced whole, never changed

	mu       sync.Mutex // serialises misses
	compiles int        // how many sets were compiled (tests)
}

type readerEntry struct {
	ignore []string
	lim    canon.Limits
	c      *canon.Compiled
}

// readers is the cache ReadProfile and Decoder.Decode read profiles with.
var readers = readerCache{max: maxReaders, compile: compileProfile}

func compileProfile(ignore []string, lim canon.Limits) *canon.Compiled {
	return canon.Compile(canon.Options{Ignore: ignore, Capture: profilePaths, Limits: lim})
}

// compiled returns the compiled options for ignore and lim, compiling them if they are not
// among the last max sets.
func compiled(ignore []string, lim canon.Limits) *canon.Compiled {
	return readers.get(ignore, lim)
}

func (rc *readerCache) find(ignore []string, lim canon.Limits) *canon.Compiled {
	if p := rc.entries.Load(); p != nil {
		for _, e := range *p {
			if e.lim == lim && slices.Equal(e.ignore, ignore) {
				return e.c
			}
		}
	}
	return nil
}

func (rc *readerCache) get(ignore []string, lim canon.Limits) *canon.Compiled {
	if c := rc.find(ignore, lim); c != nil {
		return c
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if c := rc.find(ignore, lim); c != nil {
		return c
	}
	e := readerEntry{ignore: slices.Clone(ignore), lim: lim}
	e.c = rc.compile(e.ignore, lim)
	rc.compiles++
	next := []readerEntry{e}
	if p := rc.entries.Load(); p != nil {
		next = append(next, (*p)[:min(len(*p), rc.max-1)]...)
	}
	rc.entries.Store(&next)
	return e.c
}

// len is how many compiled sets the cache holds.
func (rc *readerCache) len() int {
	if p := rc.entries.Load(); p != nil {
		return len(*p)
	}
	return 0
}
