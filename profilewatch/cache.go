package profilewatch

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"

	"github.com/packuilon/packuilon/internal/fsutil"
)

// CacheFile is the name of the watcher's cache in CACHE_DIR. cdb2rabbit's cached_info.xml and
// per-profile copies are left alone, so switching back stays possible.
const CacheFile = "packuilon-watch.json"

const cacheVersion = 1

// CacheEntry is what the watcher remembers of one profile.
type CacheEntry struct {
	// MTime is the index mtime in milliseconds.
	MTime int64 `json:"mtime"`
	// Digest is the digest of the profile last published (or seen unchanged); empty when the
	// profile was never fetched (baseline, or not matching).
	Digest string `json:"digest,omitempty"`
	// Pending is set by a --publish-all on every matching profile before it publishes any, and
	// cleared once the profile's request is confirmed: a publish-all stopped midway (killed,
	// stopped, the broker lost) leaves it on the profiles it did not publish, and the next scan
	// publishes those, changed or not.
	Pending bool `json:"pending,omitempty"`
}

// Cache is the index as of the last completed scan, keyed by CacheKey.
type Cache struct {
	Entries map[string]CacheEntry
	// lay is where the loaded file had each entry (nil when it was not in writeCache's form and
	// order); added are the keys set since that were not loaded, dirty those set or deleted.
	// Save writes the entries that did not change as they were read, in the order read, and
	// merges in the others: sorting and encoding 100,000 entries was most of a scan's CPU.
	// Once loaded, Entries must be changed through set and del only.
	lay   *layout
	added []string
	dirty map[string]bool
}

type cacheFile struct {
	Version int                   `json:"version"`
	Entries map[string]CacheEntry `json:"entries"`
}

// LoadCache reads the cache in dir. found is false when there is none yet (the first run). A
// cache that cannot be read is an error, not an empty cache: treating it as empty would make the
// next scan a baseline and silently drop the changes since the last one.
func LoadCache(dir string) (c *Cache, found bool, err error) {
	p := filepath.Join(dir, CacheFile)
	data, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return &Cache{Entries: map[string]CacheEntry{}}, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("read cache: %w", err)
	}
	var f cacheFile
	var lay *layout
	if entries, l, version, ok := parseCache(data); ok {
		f, lay = cacheFile{Version: version, Entries: entries}, l
	} else if err := json.Unmarshal(data, &f); err != nil {
		return nil, false, fmt.Errorf("cache %s is corrupt (remove it to record a new baseline): %w", p, err)
	}
	if f.Version != cacheVersion {
		return nil, false, fmt.Errorf("cache %s has version %d, want %d", p, f.Version, cacheVersion)
	}
	if f.Entries == nil {
		f.Entries = map[string]CacheEntry{}
	}
	return &Cache{Entries: f.Entries, lay: lay, dirty: map[string]bool{}}, true, nil
}

// diff is Diff against this cache, without copying its mtimes.
func (c *Cache) diff(idx Index, match func(name string) bool) Changes {
	return diff(func(k string) (CacheEntry, bool) { e, ok := c.Entries[k]; return e, ok }, maps.Keys(c.Entries), len(c.Entries), idx, match)
}

// Save writes the cache to dir atomically (fsutil.WriteFile), so a crash leaves the old cache or
// the new one, never a torn file.
func (c *Cache) Save(dir string) error {
	p, err := c.prepare(dir)
	if err != nil {
		return err
	}
	if err := p.Commit(); err != nil {
		return fmt.Errorf("save cache: %w", err)
	}
	return nil
}

// prepare writes and fsyncs the cache file under a temporary name (fsutil.PrepareFile).
func (c *Cache) prepare(dir string) (*fsutil.Pending, error) {
	p, err := fsutil.PrepareFile(filepath.Join(dir, CacheFile), 0o644, c.write)
	if err != nil {
		return nil, fmt.Errorf("save cache: %w", err)
	}
	return p, nil
}

// set puts e under key. A key is listed in added once: a key already dirty was either loaded
// (and deleted since) or added already, when it was first set.
func (c *Cache) set(key string, e CacheEntry) {
	if _, ok := c.Entries[key]; !ok && c.lay != nil && !c.dirty[key] {
		c.added = append(c.added, key)
	}
	c.Entries[key] = e
	if c.lay != nil {
		c.dirty[key] = true
	}
}

// del deletes key. Only a key c holds is marked dirty: set counts on a dirty key being loaded or
// listed in added already.
func (c *Cache) del(key string) {
	if _, ok := c.Entries[key]; !ok {
		return
	}
	delete(c.Entries, key)
	if c.lay != nil {
		c.dirty[key] = true
	}
}

// write writes the cache file: from scratch when it was not loaded in order, else the loaded
// bytes of the unchanged entries, in runs, merged with the changed and added ones.
func (c *Cache) write(w io.Writer) error {
	if c.lay == nil {
		return writeCache(w, c.Entries, slices.Sorted(maps.Keys(c.Entries)))
	}
	added := slices.Sorted(slices.Values(c.added))
	dirty := slices.Sorted(maps.Keys(c.dirty))
	keys, spans := c.lay.keys, c.lay.spans
	buf := make([]byte, 0, 8<<10)
	buf = append(buf, `{"version":`...)
	buf = strconv.AppendInt(buf, cacheVersion, 10)
	buf = append(buf, `,"entries":{`...)
	first, run := true, -1 // run: the first of the loaded entries not yet written, unchanged since
	sep := func() {
		if !first {
			buf = append(buf, ',')
		}
		first = false
	}
	flush := func(to int) error { // writes the run up to keys[to], as it was read
		if run < 0 {
			return nil
		}
		sep()
		if _, err := w.Write(buf); err != nil {
			return err
		}
		buf = buf[:0]
		_, err := w.Write(c.lay.raw[spans[run][0]:spans[to-1][1]])
		run = -1
		return err
	}
	entry := func(k string) {
		if e, ok := c.Entries[k]; ok {
			sep()
			buf = appendEntry(buf, k, e)
		}
	}
	i, j, d := 0, 0, 0
	for i < len(keys) || j < len(added) {
		if j < len(added) && (i == len(keys) || added[j] < keys[i]) {
			if err := flush(i); err != nil {
				return err
			}
			entry(added[j])
			j++
			continue
		}
		for d < len(dirty) && dirty[d] < keys[i] {
			d++
		}
		if d < len(dirty) && dirty[d] == keys[i] {
			if err := flush(i); err != nil {
				return err
			}
			entry(keys[i])
		} else if run < 0 {
			run = i
		}
		i++
	}
	if err := flush(len(keys)); err != nil {
		return err
	}
	buf = append(buf, "}}\n"...)
	_, err := w.Write(buf)
	return err
}

// markPending marks the entries of names (profiles a --publish-all is about to publish) pending
// and saves the cache, before the first of them is published: whatever stops the publish-all
// then, the next scan publishes those it did not finish. A profile not cached yet gets an entry
// with mtime 0 (1970), so that a version that ignores pending still sees it as changed.
func (c *Cache) markPending(dir string, names []string) error {
	if len(names) == 0 {
		return nil
	}
	for _, name := range names {
		key := CacheKey(name)
		e := c.Entries[key]
		e.Pending = true
		c.set(key, e)
	}
	if err := c.Save(dir); err != nil {
		return fmt.Errorf("record the publish-all in the cache: %w", err)
	}
	return nil
}

// pending counts the entries of names that a --publish-all left pending.
func (c *Cache) pending(names []string) int {
	n := 0
	for _, name := range names {
		if c.Entries[CacheKey(name)].Pending {
			n++
		}
	}
	return n
}
