package profilewatch

import (
	"context"
	"fmt"
	"time"
)

// baseline records the first cache: every index entry's mtime and, for the profiles that match
// PROFILE_MATCH, their digest, fetched as a scan fetches (FETCH_PARALLELISM at a time). It
// publishes nothing. With the digests, the first recompile of a template host after the switch
// is published only when its content changed. A profile that cannot be fetched or read is
// logged and left with its mtime only: its next change is published, as before.
func (s *Scanner) baseline(ctx context.Context, idx Index, rep Report, start time.Time) (Report, error) {
	rep.Baseline = true
	names := All(idx, s.w.Matches)
	rep.Candidates = len(names)
	digests := make(map[string]string, len(names))
	for _, f := range fetchAll(ctx, s.src, names, s.w.Parallelism, readOptions{ProfileOptions: s.profileOptions()}) {
		if f.err != nil {
			s.log.Warn("baseline: profile not digested; its next change is published", "profile", f.name, "error", f.err)
			rep.Failed = append(rep.Failed, Failure{Profile: f.name, Err: f.err})
			continue
		}
		digests[CacheKey(f.name)] = f.digest
	}
	if err := ctx.Err(); err != nil {
		return rep, fmt.Errorf("baseline stopped before it was saved: %w", err)
	}
	if err := nextCache(&Cache{}, idx, digests, nil).Save(s.w.CacheDir); err != nil {
		return rep, err
	}
	rep.Duration = time.Since(start)
	s.log.Info("no cache yet: recorded the baseline, published nothing", "profiles", len(idx),
		"digested", len(digests), "failed", len(rep.Failed), "duration", rep.Duration)
	return rep, nil
}

// keepBad logs each skipped index entry once. An entry whose name could be read (a bad mtime)
// keeps its cached mtime in idx, so it is neither a change nor a removal until it is fixed.
func (s *Scanner) keepBad(bad []BadEntry, cache *Cache, idx Index) {
	for _, b := range bad {
		s.log.Warn("index entry skipped", "entry", b.Text, "error", b.Err)
		if b.Name == "" {
			continue
		}
		if e, ok := cache.Entries[CacheKey(b.Name)]; ok {
			idx[b.Name] = e.MTime
		}
	}
}
