package profilewatch

import "maps"

// streamDiff compares the index entries with the cache while the index is still being parsed,
// on another goroutine: at 100,000 entries the cache lookups then run beside the parsing, on the
// other core, instead of after it.
type streamDiff struct {
	batches chan []indexEntry
	free    chan []indexEntry // batches the diff is done with, for add to fill again
	batch   []indexEntry
	done    chan struct{}
	closed  bool
	d       *differ
	cache   *Cache // nil when there is no usable cache: the caller diffs as before
}

type indexEntry struct {
	name string
	mt   int64
}

const (
	streamBatch = 1024
	streamQueue = 1024 // batches
)

// startStreamDiff starts the diff; cache waits for the cache and returns it, or nil when there
// is none to diff against.
// found, if not nil, is given each candidate as it is found.
func startStreamDiff(cache func() *Cache, match func(name string) bool, found func(name string)) *streamDiff {
	// The parser never waits for the diff, which waits for the cache to load first: the queue
	// holds a million entries (the entries themselves are held by the index anyway).
	sd := &streamDiff{batches: make(chan []indexEntry, streamQueue), free: make(chan []indexEntry, 4), done: make(chan struct{}), batch: make([]indexEntry, 0, streamBatch)}
	go func() {
		defer close(sd.done)
		c := cache()
		if c != nil {
			sd.cache = c
			sd.d = newDiffer(func(k string) (int64, bool) { e, ok := c.Entries[k]; return e.MTime, ok }, match)
			sd.d.found = found
		}
		for b := range sd.batches {
			if sd.d == nil {
				continue
			}
			for _, e := range b {
				sd.d.entry(e.name, e.mt)
			}
			select {
			case sd.free <- b[:0]:
			default:
			}
		}
	}()
	return sd
}

// add is given every index entry as the parser reads it.
func (sd *streamDiff) add(name string, mt int64) {
	sd.batch = append(sd.batch, indexEntry{name, mt})
	if len(sd.batch) == streamBatch {
		sd.batches <- sd.batch
		select {
		case sd.batch = <-sd.free:
		default:
			sd.batch = make([]indexEntry, 0, streamBatch)
		}
	}
}

// stop ends the stream and waits for the goroutine; it may be called more than once.
func (sd *streamDiff) stop() {
	if sd.closed {
		return
	}
	sd.closed = true
	if len(sd.batch) > 0 {
		sd.batches <- sd.batch
	}
	close(sd.batches)
	<-sd.done
}

// changes is the diff of idx (the parsed index, the cache entries of its bad entries added, of
// which there were bad) against c. When the stream was not the index entry for entry (bad
// entries kept, a name listed twice, or no cache when the stream started), it is the ordinary
// diff. Bad entries are checked apart: a name listed twice and one bad entry kept leave idx as
// long as the stream.
func (sd *streamDiff) changes(c *Cache, idx Index, bad int, match func(name string) bool) Changes {
	sd.stop()
	if sd.d == nil || sd.cache != c || bad > 0 || sd.d.entries != len(idx) {
		return c.diff(idx, match)
	}
	return sd.d.finish(maps.Keys(c.Entries), len(c.Entries), idx)
}
