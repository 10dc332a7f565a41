package profilewatch

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/packuilon/packuilon/internal/amqp"
	"github.com/packuilon/packuilon/internal/config"
	"github.com/packuilon/packuilon/internal/event"
	"github.com/packuilon/packuilon/internal/fsutil"
)

// Scanner runs scans for one configuration.
type Scanner struct {
	w config.Watch
	g config.Global
	// naming makes image keys ([rabbit2packer] IMAGE_KEY of the same config file).
	naming event.Naming
	src    Source
	log    hclog.Logger
	// afterConnect runs once the publisher is connected; tests stop the broker there.
	afterConnect func()
	// firstSend runs when the first request is about to be sent, before the connection is
	// taken; tests stop the scan there.
	firstSend func()
	// afterSend runs after each request is sent, with their number so far and its confirm;
	// tests cut the broker there.
	afterSend func(n int, d amqp.Deferred)
}

// NewScanner returns a scanner for cfg's [global] broker and [cdb2rabbit] profiles.
func NewScanner(cfg *config.Config, log hclog.Logger) (*Scanner, error) {
	src, err := NewSource(cfg.Watch)
	if err != nil {
		return nil, err
	}
	return &Scanner{w: cfg.Watch, g: cfg.Global, naming: cfg.Builder.Naming, src: src, log: log}, nil
}

// ScanOptions change one scan.
type ScanOptions struct {
	// PublishAll publishes every matching profile, changed or not; without a cache it replaces
	// the silent baseline.
	PublishAll bool
}

// Failure is a profile that could not be turned into a request in this scan.
type Failure struct {
	Profile string
	Err     error
}

// Report says what a scan did.
type Report struct {
	Entries    int
	Baseline   bool
	Candidates int
	Published  []event.BuildRequest
	Unchanged  int
	Failed     []Failure
	// Left counts the candidates not fetched because the scan was stopped after its first
	// publish; they keep their cache entries and the next scan finds them again (those of a
	// --publish-all stay pending, so the next scan publishes them though they did not change).
	Left    int
	Removed int
	// Marked is set once a --publish-all has saved its profiles as pending: should it fail after,
	// a normal scan finishes it, and another --publish-all would publish again what it did.
	Marked bool
	// BadEntries counts the index entries skipped with a warning.
	BadEntries int
	Duration   time.Duration
}

// String is the one-line summary printed by watch --once.
func (r Report) String() string {
	bad := ""
	if r.BadEntries > 0 {
		bad = fmt.Sprintf(", %d bad index entries skipped", r.BadEntries)
	}
	if r.Baseline {
		return fmt.Sprintf("no cache yet: recorded a baseline of %d profiles (digests of %d matching, %d failed) and published nothing%s (use --publish-all to publish every matching profile)",
			r.Entries, r.Candidates-len(r.Failed), len(r.Failed), bad)
	}
	left := ""
	if r.Left > 0 {
		left = fmt.Sprintf(", %d left for the next scan (stopped)", r.Left)
	}
	return fmt.Sprintf("%d profiles, %d candidates, %d published, %d unchanged, %d failed%s, %d removed%s",
		r.Entries, r.Candidates, len(r.Published), r.Unchanged, len(r.Failed), left, r.Removed, bad)
}

// Scan runs one scan under the scan lock. The order matters and is the heart of the watcher:
//
//  1. fetch the index and diff it with the cache;
//  2. fetch the candidates; each whose digest changed is published as soon as it is read;
//  3. wait for every confirm, while the new cache is written and fsynced under a temporary
//     name;
//  4. only then put the new cache in place.
//
// A crash before 4 leaves the old cache, so the next scan sees the same changes and publishes
// them again (the builder coalesces duplicates). A broker failure saves the cache with the
// profiles whose requests were confirmed before it, and only the others are published again
// (keepConfirmed). A profile that fails in
// step 2 keeps its old cache entry and is retried by the next scan; the others go on.
//
// When ctx is cancelled before the first request is sent the scan stops and publishes nothing.
// Cancelled once one is sent, it starts no more fetches but lets those running finish (bounded
// by HTTP_TIMEOUT), publishes what they read, waits for every confirm (PUBLISH_TIMEOUT) and saves
// the cache: the candidates not fetched keep their entries (Report.Left), like failed ones, so
// the next scan publishes them. A stopping daemon neither drops confirmed work nor fetches
// thousands of profiles first.
//
// A --publish-all first saves the cache with every matching profile pending (Cache.markPending);
// each entry stops being pending once its request is confirmed and the cache saved. Stopped,
// failed or killed midway, it leaves pending the profiles it did not publish, and the next scan
// (--publish-all or not) publishes those as changed.
func (s *Scanner) Scan(ctx context.Context, o ScanOptions) (Report, error) {
	start := time.Now()
	unlock, err := Lock(ctx, s.w.CacheDir, s.w.LockTimeout)
	if err != nil {
		return Report{}, err
	}
	defer unlock()
	// The cache is read while the index downloads: both take tens of ms at 100,000 entries.
	type loaded struct {
		cache *Cache
		found bool
		err   error
	}
	var lc loaded
	cacheDone := make(chan struct{})
	go func() {
		c, found, err := LoadCache(s.w.CacheDir)
		s.log.Debug("cache read", "duration", time.Since(start))
		lc = loaded{c, found, err}
		close(cacheDone)
	}()
	early := make(chan connection, 1)
	snd := newSender(s, early)
	defer snd.close()
	// Cancelled before a request is sent, the scan stops and publishes nothing (fctx cancels the
	// fetches); cancelled after, the fetches running finish but none starts (halted), and what
	// was read is published and confirmed.
	fctx, fcancel := context.WithCancel(context.WithoutCancel(ctx))
	defer fcancel()
	defer context.AfterFunc(ctx, func() {
		if snd.stopUnlessStarted() {
			fcancel()
		}
	})()
	halted := func() error {
		if err := fctx.Err(); err != nil {
			return err
		}
		if ctx.Err() != nil {
			return errStopped
		}
		return nil
	}
	// A profile whose cache entry an earlier version wrote also gets that version's digest, to be
	// compared with it: not for --publish-all, which compares none.
	ro := readOptions{ProfileOptions: s.profileOptions()}
	if !o.PublishAll {
		ro.sha256 = func(name string) bool {
			<-cacheDone
			return lc.cache != nil && strings.HasPrefix(lc.cache.Entries[CacheKey(name)].Digest, sha256Prefix)
		}
	}
	var sd *streamDiff
	var pf *prefetcher
	var each func(name string, mt int64)
	if !o.PublishAll {
		// The changed profiles the streamed diff finds are fetched and read at once, while the
		// index is still parsed; they are published only once the whole index is read.
		pf = newPrefetcher(fctx, halted, s.src, s.w.Parallelism, ro)
		defer pf.stop(fcancel)
		sd = startStreamDiff(func() *Cache {
			if <-cacheDone; lc.err != nil || !lc.found {
				return nil
			}
			return lc.cache
		}, s.w.Matches, pf.add)
		defer sd.stop()
		each = sd.add
	}
	cached := func() int { // the cache's size, if it is read by the time the index comes
		select {
		case <-cacheDone:
			if lc.cache != nil {
				return len(lc.cache.Entries)
			}
		default:
		}
		return 0
	}
	idx, bad, err := indexEach(ctx, s.src, cached, each)
	s.log.Debug("index read", "duration", time.Since(start))
	<-cacheDone
	if lc.err != nil {
		return Report{}, lc.err
	}
	if err != nil {
		return Report{}, err
	}
	cache, found := lc.cache, lc.found
	// The streamed diff usually has the whole diff without a map of the index; otherwise the map
	// is made from the entries it kept (the parser made none for it).
	var fast *Changes
	entries := 0
	if sd != nil {
		if d, n, ok := sd.fast(cache, len(bad)); ok {
			fast, entries = &d, n
		} else if idx == nil {
			idx = sd.index()
		}
	}
	if fast == nil {
		entries = len(idx)
	}
	s.log.Debug("index and cache read", "entries", entries, "cached", len(cache.Entries), "duration", time.Since(start))
	s.keepBad(bad, cache, idx) // bad entries leave the fast diff: idx is made
	rep := Report{Entries: entries, BadEntries: len(bad)}
	var names []string
	var ch *Changes // the diff of a normal scan; nil for --publish-all
	switch {
	case o.PublishAll:
		names = All(idx, s.w.Matches)
		rep.Removed = len(cache.diff(idx, s.w.Matches).Removed)
		if err := cache.markPending(s.w.CacheDir, names); err != nil {
			return rep, err
		}
		rep.Marked = true
	case !found:
		return s.baseline(ctx, idx, rep, start)
	default:
		ch = fast
		if ch == nil {
			d := sd.changes(cache, idx, len(bad), s.w.Matches)
			ch = &d
		}
		// From here only the changes are needed: the index (100,000 names) can be collected
		// before the cache is written, which is when the scan holds the most memory.
		idx, sd.kept = nil, nil
		for _, key := range ch.Removed {
			s.log.Info("profile removed from the index", "profile", key)
		}
		names, rep.Removed = ch.Candidates, len(ch.Removed)
		if n := cache.pending(names); n > 0 {
			s.log.Info("finishing an interrupted --publish-all: its profiles not yet published are candidates, changed or not", "pending", n)
		}
		if len(ch.Candidates) == 0 && len(ch.Removed) == 0 && ch.Skipped == 0 {
			// Aquilon notifies after every index rebuild, changed or not: the common scan finds
			// nothing, and rewriting a cache of 100,000 entries for it would be wasted I/O.
			rep.Duration = time.Since(start)
			s.log.Info("scan done: no changes", "profiles", rep.Entries, "duration", rep.Duration)
			return rep, nil
		}
	}
	rep.Candidates = len(names)
	// The broker connection is opened while the profiles download, and each request is sent as
	// soon as its profile is read: the broker stores the first while the last are fetched.
	stopDial := func() {}
	if len(names) > 0 {
		dctx, dcancel := context.WithTimeout(context.WithoutCancel(ctx), s.w.PublishTimeout)
		stopDial = dcancel
		go func() { early <- connect(dctx, s.g, s.log) }()
	} else {
		close(early)
	}
	defer func() { // stops the early dial and closes its connection, unless the sender took it
		stopDial()
		if c, ok := <-early; ok {
			c.close()
		}
	}()
	verdicts := make([]verdict, len(names))
	pf.close()
	results := fetchEach(fctx, halted, s.src, names, s.w.Parallelism, ro, pf, func(i int, f fetched) {
		verdicts[i] = s.judge(f, cache, o.PublishAll)
		if verdicts[i].err == nil && !verdicts[i].unchanged {
			snd.send(CacheKey(f.name), verdicts[i].req)
		}
	})
	if pf != nil {
		pf.stop(fcancel) // no fetch reads the cache once it changes below
	}
	if ctx.Err() != nil && snd.stopUnlessStarted() {
		return rep, fmt.Errorf("scan stopped before publishing: %w", ctx.Err())
	}
	s.log.Debug("candidates fetched and digested", "candidates", len(names), "duration", time.Since(start))
	digests, failed, sent := s.classify(results, verdicts, &rep)
	if rep.Left > 0 {
		s.log.Warn("scan stopped: candidates not fetched keep their cache entries and are left for the next scan",
			"left", rep.Left, "fetched", len(names)-rep.Left)
	}
	// What keepConfirmed restores should the broker fail: a --publish-all's cache is left as it
	// is (nextCache makes another), so only a scan of changes, which apply changes in place,
	// copies the entries it publishes.
	pub := sentReqs{keys: sent, was: cache.Entries}
	next := cache
	if ch != nil {
		pub = snapshot(cache, sent)
		cache.apply(*ch, digests, failed)
	} else {
		next = nextCache(cache, idx, digests, failed)
	}
	// The new cache is written and fsynced while the broker confirms; it takes the old one's
	// place only once every publish is confirmed.
	type prepared struct {
		p   *fsutil.Pending
		err error
	}
	saved := make(chan prepared, 1)
	go func() {
		p, err := next.prepare(s.w.CacheDir)
		saved <- prepared{p, err}
	}()
	pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.w.PublishTimeout)
	defer cancel()
	perr := snd.wait(pctx)
	if perr == nil {
		s.log.Debug("published and confirmed", "requests", len(rep.Published), "duration", time.Since(start))
	}
	pc := <-saved
	if perr != nil {
		if pc.p != nil {
			pc.p.Abort()
		}
		return rep, s.keepConfirmed(&rep, pub, next, snd.confirmed(), perr)
	}
	// Every request is confirmed: the broker's close handshake (two round trips) and the cache
	// taking the old one's place run while the requests are logged.
	closed := make(chan struct{})
	go func() { snd.close(); close(closed) }()
	defer func() { <-closed }()
	committed := make(chan error, 1)
	go func() {
		if pc.err != nil {
			committed <- pc.err
		} else if err := pc.p.Commit(); err != nil {
			committed <- fmt.Errorf("save cache: %w", err)
		}
		close(committed)
	}()
	s.logPublished(rep.Published)
	if err := <-committed; err != nil {
		return rep, err
	}
	rep.Duration = time.Since(start)
	s.log.Info("scan done", "profiles", rep.Entries, "candidates", rep.Candidates, "published", len(rep.Published),
		"unchanged", rep.Unchanged, "failed", len(rep.Failed), "left", rep.Left, "duration", rep.Duration)
	return rep, nil
}

// logPublished logs each request the broker confirmed and the cache records.
func (s *Scanner) logPublished(reqs []event.BuildRequest) {
	for _, r := range reqs {
		s.log.Info("published build request", "image_key", r.ImageKey, "profile", r.ProfileURL, "digest", r.ProfileDigest)
	}
}

// verdict is what classify decided for one fetched profile: publish req, unchanged, or err.
type verdict struct {
	req       event.BuildRequest
	unchanged bool
	err       error
}

// sha256Prefix starts the digests earlier versions cached; the watcher now takes "blake3:".
const sha256Prefix = "sha256:"

// judge decides what to do with one fetched profile: nothing when its digest is the cached one
// (unless publishAll, or a --publish-all left it pending), else the request to publish, or why there is none. A digest an earlier
// version cached is compared with the profile's SHA-256; the new digest replaces it in the cache.
func (s *Scanner) judge(f fetched, cache *Cache, publishAll bool) verdict {
	e := cache.Entries[CacheKey(f.name)]
	if cached := e.Digest; f.err == nil && !publishAll && !e.Pending &&
		(cached == f.digest || f.sha256 != "" && cached == f.sha256) {
		return verdict{unchanged: true}
	}
	if f.err != nil {
		return verdict{err: f.err}
	}
	req := event.NewRequest(f.spec, event.ReasonProfileChanged)
	req.ProfileURL = publishedURL(s.src.URL(f.name))
	req.ProfileDigest = f.digest
	err := s.naming.Apply(&req)
	if err == nil {
		err = req.Validate()
	}
	return verdict{req: req, err: err}
}

// publishedURL is a profile's URL as its request carries it: without the query string and the
// fragment, which can hold a token (PROFILE_DIR_URL = …/?token=%(aq_token)s). The builder never
// fetches it, and requests are logged, stored and shown (secrets never reach messages).
func publishedURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	u.User, u.RawQuery, u.ForceQuery, u.Fragment, u.RawFragment = nil, "", false, "", ""
	return u.String()
}

// classify records the verdicts on fetched profiles in the report (rep.Published, in the order
// of results), logging the unchanged and the failed. It returns the digest of every profile
// fetched, to be cached, the cache keys of the failed ones, whose old entries are kept, and the
// cache key of each request in rep.Published (keepConfirmed needs them after a failure). Those
// not fetched because the scan was stopped are failed too, counted in rep.Left, not logged each.
func (s *Scanner) classify(results []fetched, verdicts []verdict, rep *Report) (map[string]string, map[string]bool, []string) {
	digests := map[string]string{}
	failed := map[string]bool{}
	var published []string
	for i, f := range results {
		key := CacheKey(f.name)
		log := s.log.With("profile", f.name)
		v := verdicts[i]
		switch {
		case v.unchanged:
			log.Debug("mtime changed but content did not; nothing to build", "digest", f.digest)
			digests[key] = f.digest
			rep.Unchanged++
		case errors.Is(v.err, errStopped):
			failed[key] = true
			rep.Left++
		case v.err != nil:
			log.Error("profile skipped; it keeps its cache entry and is retried next scan", "error", v.err)
			rep.Failed = append(rep.Failed, Failure{Profile: f.name, Err: v.err})
			failed[key] = true
		default:
			digests[key] = f.digest
			rep.Published = append(rep.Published, v.req)
			published = append(published, key)
		}
	}
	return digests, failed, published
}

// apply makes c, in place, the cache after a scan of changes ch whose publishes were all
// confirmed: what nextCache gives, touching only the entries that changed rather than all of them.
func (c *Cache) apply(ch Changes, digests map[string]string, failed map[string]bool) {
	for _, key := range ch.Removed {
		c.del(key)
	}
	for _, names := range [][]string{ch.Candidates, ch.skippedNames} {
		for _, name := range names {
			key := CacheKey(name)
			if failed[key] {
				continue
			}
			e := c.Entries[key]
			e.MTime, e.Pending = ch.mtimes[name], false
			if d, ok := digests[key]; ok {
				e.Digest = d
			}
			c.set(key, e)
		}
	}
}

// nextCache is the cache after a scan whose publishes were all confirmed: every index entry with
// its new mtime and, when fetched, its new digest (and no longer pending); failed profiles keep
// their old entry (or stay absent) so the next scan tries them again; entries gone from the
// index are dropped.
func nextCache(old *Cache, idx Index, digests map[string]string, failed map[string]bool) *Cache {
	next := &Cache{Entries: make(map[string]CacheEntry, len(idx))}
	for name, mt := range idx {
		key := CacheKey(name)
		prev, had := old.Entries[key]
		if failed[key] {
			if had {
				next.Entries[key] = prev
			}
			continue
		}
		e := CacheEntry{MTime: mt, Digest: prev.Digest}
		if d, ok := digests[key]; ok {
			e.Digest = d
		}
		next.Entries[key] = e
	}
	return next
}

// profileOptions are how this scanner reads a profile: IGNORE_PATHS, and structure limits for
// MAX_PROFILE_SIZE.
func (s *Scanner) profileOptions() event.ProfileOptions {
	return event.ProfileOptions{IgnorePaths: s.w.IgnorePaths, Limits: profileLimits(s.w.MaxProfileSize)}
}
