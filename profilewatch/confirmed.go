package profilewatch

import (
	"fmt"
)

// sentReqs is what a scan must know of its published profiles when the broker fails before
// confirming all their requests: the cache key of each request (in rep.Published's order) and
// the cache entries of those profiles before the scan changed them.
type sentReqs struct {
	keys []string
	was  map[string]CacheEntry // absent: the profile had no entry
}

// snapshot takes sentReqs for the requests published under keys (classify's, in rep.Published's
// order), from cache before it is changed.
func snapshot(cache *Cache, keys []string) sentReqs {
	p := sentReqs{keys: keys, was: make(map[string]CacheEntry, len(keys))}
	for _, key := range keys {
		if e, ok := cache.Entries[key]; ok {
			p.was[key] = e
		}
	}
	return p
}

// keepConfirmed handles a publish that failed (perr) after the broker confirmed some requests
// (acked, by cache key): those are in the queue, so next, the scan's new cache, keeps them, and
// the others get their old entries back (a --publish-all's stay pending), so the next scan
// publishes exactly them again; the rest of the scan (unchanged, removed, failed profiles) is
// kept too. rep.Published becomes the confirmed requests. With none confirmed the cache is left
// as it was. The error returned says what was kept.
func (s *Scanner) keepConfirmed(rep *Report, p sentReqs, next *Cache, acked map[string]bool, perr error) error {
	sent := len(rep.Published)
	confirmed := rep.Published[:0:0]
	for i, r := range rep.Published {
		key := p.keys[i]
		if acked[key] {
			confirmed = append(confirmed, r)
			continue
		}
		if e, ok := p.was[key]; ok {
			next.set(key, e)
		} else {
			next.del(key)
		}
	}
	rep.Published = confirmed
	if len(confirmed) == 0 {
		return fmt.Errorf("publish %d build requests (cache not updated; the next scan publishes them again): %w", sent, perr)
	}
	if err := next.Save(s.w.CacheDir); err != nil {
		rep.Published = nil
		return fmt.Errorf("publish %d build requests (%d confirmed, but the cache was not updated: %v; the next scan publishes them all again): %w",
			sent, len(confirmed), err, perr)
	}
	s.logPublished(confirmed)
	return fmt.Errorf("publish %d build requests (%d confirmed and recorded in the cache; the next scan publishes the other %d again): %w",
		sent, len(confirmed), sent-len(confirmed), perr)
}
