package profilewatch

import (
	"encoding/json"
	"fmt"
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
		entries[fmt.Sprintf("host%d.example.org.json", i)] = e
	}
	data := appendCache(nil, entries)
	var f cacheFile
	if err := json.Unmarshal(data, &f); err != nil || f.Version != cacheVersion || !reflect.DeepEqual(f.Entries, entries) {
		t.Fatalf("encoding/json reads it as version %d, %d entries, %v", f.Version, len(f.Entries), err)
	}
	got, v, ok := parseCache(data)
	if !ok || v != cacheVersion || !reflect.DeepEqual(got, entries) {
		t.Fatalf("parseCache: ok %v version %d, %d entries", ok, v, len(got))
	}
	old, _ := json.Marshal(cacheFile{Version: cacheVersion, Entries: entries})
	if got, _, ok := parseCache(old); !ok || !reflect.DeepEqual(got, entries) {
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
		if _, _, ok := parseCache([]byte(bad)); ok {
			t.Errorf("parseCache accepted %s", bad)
		}
	}
}

func FuzzParseCache(f *testing.F) {
	f.Add(appendCache(nil, map[string]CacheEntry{"a.json": {MTime: 1, Digest: "d"}, "b.json": {MTime: 2}}))
	f.Fuzz(func(t *testing.T, data []byte) {
		got, v, ok := parseCache(data)
		if !ok {
			return
		}
		var f cacheFile
		if err := json.Unmarshal(data, &f); err != nil || f.Version != v || !reflect.DeepEqual(f.Entries, got) && len(got)+len(f.Entries) > 0 {
			t.Fatalf("parseCache read %v (version %d), encoding/json %v (version %d, %v)", got, v, f.Entries, f.Version, err)
		}
	})
}
