package profilewatch

import (
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
	return diff(func(k string) (int64, bool) { mt, ok := cached[k]; return mt, ok }, maps.Keys(cached), len(cached), idx, match)
}

// diff is Diff over any cache: lookup gives a key's cached mtime, keys are every cached key. It
// builds no map: with 100,000 entries, hashing is most of the cost of a scan that changes little.
func diff(lookup func(key string) (int64, bool), keys iter.Seq[string], cached int, idx Index, match func(name string) bool) Changes {
	c := Changes{mtimes: map[string]int64{}}
	known, gz := 0, 0 // index entries that are in the cache; .gz names
	for name, mt := range idx {
		key := CacheKey(name)
		if len(key) != len(name) {
			gz++
		}
		old, ok := lookup(key)
		if ok {
			known++
			if old == mt {
				continue
			}
		}
		c.mtimes[name] = mt
		if !match(name) {
			c.Skipped++
			c.skippedNames = append(c.skippedNames, name)
			continue
		}
		c.Candidates = append(c.Candidates, name)
	}
	// Without .gz names each index entry has its own key, so when as many entries as there are
	// cached keys were found in the cache, none was removed: the common case skips a second pass.
	for key := range keys {
		if gz == 0 && known == cached {
			break
		}
		if !idx.has(key) {
			c.Removed = append(c.Removed, key)
		}
	}
	sort.Strings(c.Candidates)
	sort.Strings(c.Removed)
	return c
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
