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
}

// Cache is the index as of the last completed scan, keyed by CacheKey.
type Cache struct {
	Entries map[string]CacheEntry
	// order are the keys as the loaded file listed them, in strictly ascending order (nil when
	// they were not), and added the keys put into Entries since: Save merges the two instead of
	// sorting every key, which was most of the cost of saving 100,000 entries.
	order, added []string
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
	var order []string
	if entries, keys, version, ok := parseCache(data); ok {
		f, order = cacheFile{Version: version, Entries: entries}, keys
	} else if err := json.Unmarshal(data, &f); err != nil {
		return nil, false, fmt.Errorf("cache %s is corrupt (remove it to record a new baseline): %w", p, err)
	}
	if f.Version != cacheVersion {
		return nil, false, fmt.Errorf("cache %s has version %d, want %d", p, f.Version, cacheVersion)
	}
	if f.Entries == nil {
		f.Entries = map[string]CacheEntry{}
	}
	return &Cache{Entries: f.Entries, order: order}, true, nil
}

// diff is Diff against this cache, without copying its mtimes.
func (c *Cache) diff(idx Index, match func(name string) bool) Changes {
	return diff(func(k string) (int64, bool) { e, ok := c.Entries[k]; return e.MTime, ok }, maps.Keys(c.Entries), len(c.Entries), idx, match)
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
	write := func(w io.Writer) error { return writeCache(w, c.Entries, c.sortedKeys()) }
	p, err := fsutil.PrepareFile(filepath.Join(dir, CacheFile), 0o644, write)
	if err != nil {
		return nil, fmt.Errorf("save cache: %w", err)
	}
	return p, nil
}

// set puts e under key, remembering a new key for sortedKeys.
func (c *Cache) set(key string, e CacheEntry) {
	if _, ok := c.Entries[key]; !ok && c.order != nil {
		c.added = append(c.added, key)
	}
	c.Entries[key] = e
}

// sortedKeys are the keys of Entries in ascending order: the loaded order merged with the keys
// added since, or all keys sorted when the loaded file was not in order. Keys deleted since the
// load are still listed; the writer skips them.
func (c *Cache) sortedKeys() []string {
	if c.order == nil {
		return slices.Sorted(maps.Keys(c.Entries))
	}
	added := slices.Clone(c.added)
	slices.Sort(added)
	keys := make([]string, 0, len(c.order)+len(added))
	i, j := 0, 0
	for i < len(c.order) || j < len(added) {
		switch {
		case j == len(added) || (i < len(c.order) && c.order[i] < added[j]):
			keys = append(keys, c.order[i])
			i++
		case i == len(c.order) || added[j] < c.order[i]:
			keys = append(keys, added[j])
			j++
		default: // the same key in both
			keys = append(keys, added[j])
			i, j = i+1, j+1
		}
	}
	return slices.Compact(keys)
}
