package profilewatch

import (
	"hash/maphash"
	"iter"
	"maps"
	"sort"
)

// Changes is the difference between the cached index and a new one.
type Changes struct {
	// Candidates are the matching entries that are new or whose mtime changed, by name.
	Candidates []string
	// Removed are cache keys that are no longer in the index.
	Removed []string
	// Skipped counts entries that changed but do not match PROFILE_MATCH.
	Skipped int
	// skippedNames are those entries, whose new mtime the cache takes.
	skippedNames []string
	// mtimes are the new mtimes of the candidates and skipped entries.
	mtimes map[string]int64
}

// Diff compares a new index with the cached mtimes (keyed by CacheKey) by name, so the order of
// the index file does not matter. match selects the profiles the watcher cares about. Diff has no
// side effects; its results are sorted.
func Diff(cached map[string]int64, idx Index, match func(name string) bool) Changes {
	return diff(func(k string) (CacheEntry, bool) { mt, ok := cached[k]; return CacheEntry{MTime: mt}, ok }, maps.Keys(cached), len(cached), idx, match)
}

// diff is Diff over any cache: lookup gives a key's cache entry, keys are every cached key. It
// builds no map: with 100,000 entries, hashing is most of the cost of a scan that changes little.
func diff(lookup func(key string) (CacheEntry, bool), keys iter.Seq[string], cached int, idx Index, match func(name string) bool) Changes {
	d := newDiffer(lookup, match)
	for name, mt := range idx {
		d.entry(name, mt)
	}
	return d.finish(keys, cached, idx)
}

// differ is a diff taken one index entry at a time (entry), then finished with the whole index.
type differ struct {
	c         Changes
	lookup    func(key string) (CacheEntry, bool)
	match     func(name string) bool
	known, gz int // index entries that are in the cache; .gz names
	entries   int
	found     func(name string) // if not nil, is given each candidate as it is found
	// With sum set, entry adds the hashes (seed) of the keys found in the cache into knownSum
	// (streamDiff.fast).
	sum      bool
	seed     maphash.Seed
	knownSum uint64
	// twice is set when a name that changed or is new was listed twice.
	twice bool
}

func newDiffer(lookup func(key string) (CacheEntry, bool), match func(name string) bool) *differ {
	return &differ{c: Changes{mtimes: map[string]int64{}}, lookup: lookup, match: match}
}

// entry compares one index entry with the cache. An entry a --publish-all left pending is a
// change whatever its mtime.
func (d *differ) entry(name string, mt int64) {
	d.entries++
	key := CacheKey(name)
	if len(key) != len(name) {
		d.gz++
	}
	old, ok := d.lookup(key)
	if ok {
		d.known++
		if d.sum {
			d.knownSum += maphash.String(d.seed, key)
		}
		if old.MTime == mt && !old.Pending {
			return
		}
	}
	if _, seen := d.c.mtimes[name]; seen {
		d.twice = true
	}
	d.c.mtimes[name] = mt
	if !d.match(name) {
		d.c.Skipped++
		d.c.skippedNames = append(d.c.skippedNames, name)
		return
	}
	d.c.Candidates = append(d.c.Candidates, name)
	if d.found != nil {
		d.found(name)
	}
}

// finish finds the removed entries, with every cached key and the index whose entries were
// given to entry, each once, and sorts the results.
func (d *differ) finish(keys iter.Seq[string], cached int, idx Index) Changes {
	// Without .gz names each index entry has its own key, so when as many entries as there are
	// cached keys were found in the cache, none was removed: the common case skips a second pass.
	for key := range keys {
		if d.gz == 0 && d.known == cached {
			break
		}
		if !idx.has(key) {
			d.c.Removed = append(d.c.Removed, key)
		}
	}
	sort.Strings(d.c.Candidates)
	sort.Strings(d.c.Removed)
	return d.c
}

// has reports whether the index lists the profile cached under key, plain or gzip.
func (idx Index) has(key string) bool {
	if _, ok := idx[key]; ok {
		return true
	}
	_, ok := idx[key+".gz"]
	return ok
}

// All is every matching entry of idx, sorted: the candidates of --publish-all.
func All(idx Index, match func(name string) bool) []string {
	var names []string
	for name := range idx {
		if match(name) {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	return names
}
