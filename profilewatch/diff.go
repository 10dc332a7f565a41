package profilewatch

import "sort"

// Changes is the difference between the cached index and a new one.
type Changes struct {
	// Candidates are the matching entries that are new or whose mtime changed, by name.
	Candidates []string
	// Removed are cache keys that are no longer in the index.
	Removed []string
	// Skipped counts entries that changed but do not match PROFILE_MATCH.
	Skipped int
}

// Diff compares a new index with the cached mtimes (keyed by CacheKey) by name, so the order of
// the index file does not matter. match selects the profiles the watcher cares about. Diff has no
// side effects; its results are sorted.
func Diff(cached map[string]int64, idx Index, match func(name string) bool) Changes {
	var c Changes
	seen := make(map[string]struct{}, len(idx))
	for name, mt := range idx {
		key := CacheKey(name)
		seen[key] = struct{}{}
		if old, ok := cached[key]; ok && old == mt {
			continue
		}
		if !match(name) {
			c.Skipped++
			continue
		}
		c.Candidates = append(c.Candidates, name)
	}
	for key := range cached {
		if _, ok := seen[key]; !ok {
			c.Removed = append(c.Removed, key)
		}
	}
	sort.Strings(c.Candidates)
	sort.Strings(c.Removed)
	return c
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
