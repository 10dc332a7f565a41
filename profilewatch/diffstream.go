package profilewatch

import (
	"hash/maphash"
	"maps"
)

// streamDiff compares the index entries with the cache while the index is still being parsed,
// on another goroutine: at 100,000 entries the cache lookups then run beside the parsing, on the
// other core, instead of after it. The parser makes no map of the index for it: the entries are
// kept as they came, and the map is made from them (index) only when the diff needs one (no
// cache, bad entries, .gz names, a removal or a name listed twice); the common scan makes none.
type streamDiff struct {
	batches chan []indexEntry
	batch   []indexEntry
	kept    [][]indexEntry // every batch, in order (read once the goroutine is done)
	done    chan struct{}
	closed  bool
	d       *differ
	cache   *Cache // nil when there is no usable cache: the caller diffs as before
	// cachedSum is the sum of the cached keys' hashes (the differ's seed), which the keys found
	// in the index add up to when each was found once (see fast).
	cachedSum uint64
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
	// holds a million entries (all of them are kept anyway).
	sd := &streamDiff{batches: make(chan []indexEntry, streamQueue), done: make(chan struct{}), batch: make([]indexEntry, 0, streamBatch)}
	go func() {
		defer close(sd.done)
		c := cache()
		if c != nil {
			sd.cache = c
			sd.d = newDiffer(func(k string) (CacheEntry, bool) { e, ok := c.Entries[k]; return e, ok }, match)
			sd.d.found = found
			sd.d.sum, sd.d.seed = true, maphash.MakeSeed()
			for k := range c.Entries { // while the parser reads on
				sd.cachedSum += maphash.String(sd.d.seed, k)
			}
		}
		for b := range sd.batches {
			sd.kept = append(sd.kept, b)
			if sd.d == nil {
				continue
			}
			for _, e := range b {
				sd.d.entry(e.name, e.mt)
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
		sd.batch = make([]indexEntry, 0, streamBatch)
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

// index is the index as a map, made from the entries given to add, as the parser made it
// before: a name listed twice takes its last mtime.
func (sd *streamDiff) index() Index {
	sd.stop()
	n := 0
	for _, b := range sd.kept {
		n += len(b)
	}
	idx := make(Index, n)
	for _, b := range sd.kept {
		for _, e := range b {
			idx[e.name] = e.mt
		}
	}
	return idx
}

// fast is the diff against c without a map of the index, and the number of index entries, when
// the stream tells the whole diff: a diff against c, no bad entries, no .gz names, no changed
// name listed twice, and every cached key found once in the index, so none was removed. That
// last is told by count and by the sum of the keys' hashes (a random seed per scan): a name
// listed twice cannot stand in for a removed one unless their hashes collide, a chance of 2^-64.
// ok is false otherwise, and the caller diffs with index().
func (sd *streamDiff) fast(c *Cache, bad int) (ch Changes, entries int, ok bool) {
	sd.stop()
	d := sd.d
	if d == nil || sd.cache != c || bad > 0 || d.gz > 0 || d.twice || d.known != len(c.Entries) || d.knownSum != sd.cachedSum {
		return Changes{}, 0, false
	}
	return d.finish(maps.Keys(c.Entries), len(c.Entries), nil), d.entries, true
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
