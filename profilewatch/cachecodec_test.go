package profilewatch

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// TestCacheCodec: what appendCache writes is the JSON encoding/json reads to the same entries,
// parseCache reads it (and json.Marshal's form of the same cache) to the same entries, and
// entries appendCache must quote are still read back, through encoding/json.
func TestCacheCodec(t *testing.T) {
	entries := map[string]CacheEntry{}
	for i := range 500 {
		e := CacheEntry{MTime: int64(i) * 1000}
		if i%3 != 0 {
			e.Digest = fmt.Sprintf("sha256:%064x", i)
		}
		e.Pending = i%7 == 0 // left by a stopped --publish-all, with a digest or without
		entries[fmt.Sprintf("host%d.example.org.json", i)] = e
	}
	data := appendCache(nil, entries)
	var f cacheFile
	if err := json.Unmarshal(data, &f); err != nil || f.Version != cacheVersion || !reflect.DeepEqual(f.Entries, entries) {
		t.Fatalf("encoding/json reads it as version %d, %d entries, %v", f.Version, len(f.Entries), err)
	}
	got, _, v, ok := parseCache(data)
	if !ok || v != cacheVersion || !reflect.DeepEqual(got, entries) {
		t.Fatalf("parseCache: ok %v version %d, %d entries", ok, v, len(got))
	}
	old, _ := json.Marshal(cacheFile{Version: cacheVersion, Entries: entries})
	if got, _, _, ok := parseCache(old); !ok || !reflect.DeepEqual(got, entries) {
		t.Errorf("parseCache does not read encoding/json's form of the cache")
	}
	odd := map[string]CacheEntry{"a\"b<c>.json": {MTime: -1}, "é.json": {MTime: 2, Digest: "x"}}
	dir := t.TempDir()
	if err := (&Cache{Entries: odd}).Save(dir); err != nil {
		t.Fatal(err)
	}
	c, found, err := LoadCache(dir)
	if err != nil || !found || !reflect.DeepEqual(c.Entries, odd) {
		t.Errorf("odd names: %v %v %+v", found, err, c)
	}
	for _, bad := range []string{`{"version":1,"entries":{"a":{"mtime":1}}`, `{"version":1,"entries":{"a":{"mtime":1},"a":{"mtime":2}}}`,
		`{"version":1,"entries":{"a":{"mtime":x}}}`, `{"version":1,"entries":{}} x`} {
		if _, _, _, ok := parseCache([]byte(bad)); ok {
			t.Errorf("parseCache accepted %s", bad)
		}
	}
}

func FuzzParseCache(f *testing.F) {
	f.Add(appendCache(nil, map[string]CacheEntry{"a.json": {MTime: 1, Digest: "d"}, "b.json": {MTime: 2}, "c.json": {MTime: 3, Digest: "e", Pending: true}}))
	f.Fuzz(func(t *testing.T, data []byte) {
		got, _, v, ok := parseCache(data)
		if !ok {
			return
		}
		var f cacheFile
		if err := json.Unmarshal(data, &f); err != nil || f.Version != v || !reflect.DeepEqual(f.Entries, got) && len(got)+len(f.Entries) > 0 {
			t.Fatalf("parseCache read %v (version %d), encoding/json %v (version %d, %v)", got, v, f.Entries, f.Version, err)
		}
	})
}

// TestCacheSaveMergesOrder: a loaded cache changed in place (keys added before, between and
// after the loaded ones, keys deleted, a key deleted and set again) is saved with its keys in
// order, exactly as a cache written from scratch.
func TestCacheSaveMergesOrder(t *testing.T) {
	dir := t.TempDir()
	entries := map[string]CacheEntry{}
	for i := range 50 {
		entries[fmt.Sprintf("h%03d.json", 2*i+10)] = CacheEntry{MTime: int64(i)}
	}
	if err := (&Cache{Entries: entries}).Save(dir); err != nil {
		t.Fatal(err)
	}
	c, _, err := LoadCache(dir)
	if err != nil || c.lay == nil {
		t.Fatalf("loaded %v, layout %v", err, c.lay)
	}
	for _, k := range []string{"a.json", "h011.json", "h051.json", "h050.json", "z.json"} {
		c.set(k, CacheEntry{MTime: 7, Digest: "sha256:x"})
	}
	c.del("h012.json")
	c.del("h020.json")
	c.set("h020.json", CacheEntry{MTime: 8})
	saveAsFromScratch(t, dir, c)
}

// TestCacheSaveRandomChanges: after random sets and deletes on a loaded cache, over several
// load-change-save rounds, the file is exactly what a cache written from scratch would be.
func TestCacheSaveRandomChanges(t *testing.T) {
	dir := t.TempDir()
	rnd := rand.New(rand.NewPCG(1, 2))
	entries := map[string]CacheEntry{}
	for i := range 300 {
		entries[fmt.Sprintf("h%04d.json", 3*i)] = CacheEntry{MTime: int64(i)}
	}
	if err := (&Cache{Entries: entries}).Save(dir); err != nil {
		t.Fatal(err)
	}
	for round := range 20 {
		c, _, err := LoadCache(dir)
		if err != nil || c.lay == nil {
			t.Fatalf("round %d: loaded %v, layout %v", round, err, c.lay)
		}
		for range rnd.IntN(40) {
			k := fmt.Sprintf("h%04d.json", rnd.IntN(1000))
			if rnd.IntN(3) == 0 {
				c.del(k)
			} else {
				e := CacheEntry{MTime: rnd.Int64N(1e12)}
				if rnd.IntN(2) == 0 {
					e.Digest = fmt.Sprintf("sha256:%x", rnd.Uint64())
				}
				c.set(k, e)
			}
		}
		if err := c.Save(dir); err != nil {
			t.Fatal(err)
		}
		got, _ := os.ReadFile(filepath.Join(dir, CacheFile))
		if want := appendCache(nil, c.Entries); string(got) != string(want) {
			t.Fatalf("round %d: saved\n%s\nwant\n%s", round, got, want)
		}
	}
}

// TestCacheSetDeleteSetOnce: a key set, deleted and set again on a loaded cache (a new key, a
// loaded one, and a new key set twice) is saved once, as a cache written from scratch.
func TestCacheSetDeleteSetOnce(t *testing.T) {
	dir := t.TempDir()
	if err := (&Cache{Entries: map[string]CacheEntry{"b.json": {MTime: 1}, "d.json": {MTime: 2}}}).Save(dir); err != nil {
		t.Fatal(err)
	}
	c, _, err := LoadCache(dir)
	if err != nil || c.lay == nil {
		t.Fatalf("loaded %v, layout %v", err, c.lay)
	}
	for _, k := range []string{"a.json", "b.json", "c.json", "e.json"} {
		c.set(k, CacheEntry{MTime: 3})
		c.del(k)
		c.set(k, CacheEntry{MTime: 4, Digest: "sha256:x"})
	}
	c.set("c.json", CacheEntry{MTime: 5})
	saveAsFromScratch(t, dir, c)
}

// saveAsFromScratch saves c in dir and fails unless the file is what a cache written from scratch
// would be.
func saveAsFromScratch(t *testing.T, dir string, c *Cache) {
	t.Helper()
	if err := c.Save(dir); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(filepath.Join(dir, CacheFile))
	if want := appendCache(nil, c.Entries); string(got) != string(want) {
		t.Fatalf("saved\n%s\nwant\n%s", got, want)
	}
}

// TestCacheDeleteAbsentThenSet: deleting a key the loaded cache does not hold, then setting it,
// saves it (a delete of nothing must not make the key look added already).
func TestCacheDeleteAbsentThenSet(t *testing.T) {
	dir := t.TempDir()
	if err := (&Cache{Entries: map[string]CacheEntry{"b.json": {MTime: 1}}}).Save(dir); err != nil {
		t.Fatal(err)
	}
	c, _, err := LoadCache(dir)
	if err != nil || c.lay == nil {
		t.Fatalf("loaded %v, layout %v", err, c.lay)
	}
	c.del("a.json")
	c.set("a.json", CacheEntry{MTime: 2, Digest: "sha256:y"})
	saveAsFromScratch(t, dir, c)
}
