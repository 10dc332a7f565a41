package profilewatch

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/go-hclog"
)

func TestDiffSamples(t *testing.T) {
	prev, cur := readIndex(t, "profiles-info.prev.xml"), readIndex(t, "profiles-info.xml")
	cached := map[string]int64{}
	for n, mt := range prev {
		cached[CacheKey(n)] = mt
	}
	all := func(string) bool { return true }
	got := Diff(cached, cur, all)
	want := Changes{
		Candidates: []string{"host-172-16-102-188.nubes.stfc.ac.uk.json", "image-factory-rocky8x-x86-64.cloud.template.json",
			"nubesvms-rocky9x-x86-64.cloud.template.json", "nubesvms-sl7x-x86-64.cloud.template.json"},
		Removed: []string{"host-172-16-101-99.nubes.stfc.ac.uk.json"},
	}
	if got := (Changes{Candidates: got.Candidates, Removed: got.Removed, Skipped: got.Skipped}); !reflect.DeepEqual(got, want) {
		t.Errorf("Diff =\n%+v\nwant\n%+v", got, want)
	}
	templates := Diff(cached, cur, func(n string) bool { return strings.Contains(n, ".cloud.template.json") })
	if len(templates.Candidates) != 3 || templates.Skipped != 1 {
		t.Errorf("matching diff = %+v, want 3 candidates and 1 skipped", templates)
	}
}

func TestDiffCases(t *testing.T) {
	all := func(string) bool { return true }
	for _, tc := range []struct {
		name      string
		cached    map[string]int64
		idx       Index
		wantCands []string
		wantGone  []string
	}{
		{"unchanged", map[string]int64{"a.json": 1}, Index{"a.json": 1}, nil, nil},
		{"new", map[string]int64{}, Index{"a.json": 1}, []string{"a.json"}, nil},
		{"changed", map[string]int64{"a.json": 1}, Index{"a.json": 2}, []string{"a.json"}, nil},
		{"older mtime is a change too", map[string]int64{"a.json": 5}, Index{"a.json": 2}, []string{"a.json"}, nil},
		{"removed", map[string]int64{"a.json": 1, "b.json": 1}, Index{"a.json": 1}, nil, []string{"b.json"}},
		{"gzip turned on, same mtime", map[string]int64{"a.json": 1}, Index{"a.json.gz": 1}, nil, nil},
		{"gzip turned on, new mtime", map[string]int64{"a.json": 1}, Index{"a.json.gz": 2}, []string{"a.json.gz"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Diff(tc.cached, tc.idx, all)
			if !reflect.DeepEqual(got.Candidates, tc.wantCands) || !reflect.DeepEqual(got.Removed, tc.wantGone) {
				t.Errorf("Diff = %+v, want candidates %v removed %v", got, tc.wantCands, tc.wantGone)
			}
		})
	}
}

// TestDiffRemovedWithGzipTwins: an index listing one profile both plain and gzip has two
// entries for one cache key; a cache key that disappeared is still reported removed.
func TestDiffRemovedWithGzipTwins(t *testing.T) {
	cached := map[string]int64{"a.json": 1, "b.json": 2}
	idx := Index{"a.json": 1, "a.json.gz": 1}
	if c := Diff(cached, idx, func(string) bool { return true }); !reflect.DeepEqual(c.Removed, []string{"b.json"}) {
		t.Errorf("removed %v, want b.json", c.Removed)
	}
	if c := Diff(cached, Index{"a.json": 1, "b.json": 2}, func(string) bool { return true }); len(c.Removed)+len(c.Candidates) != 0 {
		t.Errorf("unchanged index: %+v", c)
	}
	if c := Diff(cached, Index{"a.json": 1, "c.json": 2}, func(string) bool { return true }); !reflect.DeepEqual(c.Removed, []string{"b.json"}) {
		t.Errorf("removed %v, want b.json", c.Removed)
	}
}

// TestStreamDiffMatchesDiff: the diff taken while the index is parsed is the ordinary diff, for
// random caches and indexes with new, changed, removed, .gz and repeated names.
func TestStreamDiffMatchesDiff(t *testing.T) {
	rnd := rand.New(rand.NewPCG(3, 4))
	match := func(name string) bool { return strings.Contains(name, "tmpl") }
	streamed, fasts := 0, 0
	defer func() {
		if streamed < 100 || fasts < 20 {
			t.Errorf("only %d of 200 rounds took the streamed diff, %d the fast one", streamed, fasts)
		}
	}()
	for round := range 200 {
		c := &Cache{Entries: map[string]CacheEntry{}}
		cached := rnd.IntN(3000)
		for i := range cached {
			c.Entries[fmt.Sprintf("h%d.%s.json", i, []string{"tmpl", "node"}[i%2])] = CacheEntry{MTime: int64(i) * 1000}
		}
		listed := rnd.IntN(3000)
		if round%2 == 0 { // every cached name listed, and maybe new ones
			listed = cached + rnd.IntN(20)
		}
		var xml strings.Builder
		xml.WriteString("<profiles>\n")
		for i := range listed {
			name := fmt.Sprintf("h%d.%s.json", i, []string{"tmpl", "node"}[i%2])
			if round%3 == 0 && rnd.IntN(50) == 0 {
				name += ".gz"
			}
			mt := int64(i)
			if rnd.IntN(20) == 0 {
				mt++
			}
			times := 1
			if round%4 == 0 && rnd.IntN(400) == 0 { // a few names twice, in some rounds
				times = 2
			}
			for range times {
				fmt.Fprintf(&xml, "<profile mtime='%d'>%s</profile>\n", mt, name)
			}
		}
		xml.WriteString("</profiles>")
		sd := startStreamDiff(func() *Cache { return c }, match, nil)
		if idx, _, err := parseIndex(strings.NewReader(xml.String()), 0, sd.add); err != nil || idx != nil {
			t.Fatalf("parseIndex with each: index %v, %v", idx, err)
		}
		fast, entries, ok := sd.fast(c, 0)
		idx := sd.index()
		got, want := sd.changes(c, idx, 0, match), c.diff(idx, match)
		if sd.d.entries == len(idx) {
			streamed++
		}
		slices.Sort(got.skippedNames)
		slices.Sort(want.skippedNames)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("round %d: stream diff %+v, want %+v", round, got, want)
		}
		if ok {
			fasts++
			slices.Sort(fast.skippedNames)
			if !reflect.DeepEqual(fast, want) || entries != len(idx) {
				t.Fatalf("round %d: fast diff %+v of %d entries, want %+v of %d", round, fast, entries, want, len(idx))
			}
		}
	}
}

// A name listed twice and a bad entry whose cache entry is kept leave the index as long as the
// stream of entries: the streamed diff must still not be taken, or the name is a candidate twice.
func TestStreamDiffTwiceAndBad(t *testing.T) {
	c := &Cache{Entries: map[string]CacheEntry{"a.json": {MTime: 1000}, "b.json": {MTime: 1000}}}
	doc := "<profiles>\n<profile mtime='2'>a.json</profile>\n<profile mtime='2'>a.json</profile>\n" +
		"<profile mtime='x'>b.json</profile>\n</profiles>"
	match := func(string) bool { return true }
	sd := startStreamDiff(func() *Cache { return c }, match, nil)
	_, bad, err := parseIndex(strings.NewReader(doc), 0, sd.add)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, ok := sd.fast(c, len(bad)); ok {
		t.Fatal("the fast diff was taken with a bad entry and a name listed twice")
	}
	idx := sd.index()
	s := &Scanner{log: hclog.NewNullLogger()}
	s.keepBad(bad, c, idx)
	sd.stop() // sd.d is the goroutine's until then
	if len(idx) != sd.d.entries {
		t.Fatalf("index of %d entries, stream of %d: the case is not the one tested", len(idx), sd.d.entries)
	}
	got, want := sd.changes(c, idx, len(bad), match), c.diff(idx, match)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("stream diff %+v, want %+v", got, want)
	}
	if !slices.Equal(got.Candidates, []string{"a.json"}) {
		t.Fatalf("candidates %v, want [a.json]", got.Candidates)
	}
}

// A name listed twice stands in for a removed one by count: the fast diff, which makes no map of
// the index, must tell them apart (by the sum of the keys' hashes) and leave the diff to the map.
func TestFastDiffTwiceForRemoved(t *testing.T) {
	c := &Cache{Entries: map[string]CacheEntry{"a.json": {MTime: 1000}, "b.json": {MTime: 1000}, "c.json": {MTime: 1000}}}
	match := func(string) bool { return true }
	for _, doc := range []string{
		"<profiles>\n<profile mtime='1'>a.json</profile>\n<profile mtime='1'>a.json</profile>\n<profile mtime='1'>c.json</profile>\n</profiles>",
		"<profiles>\n<profile mtime='1'>a.json</profile>\n<profile mtime='1'>b.json</profile>\n<profile mtime='1'>c.json</profile>\n</profiles>",
	} {
		sd := startStreamDiff(func() *Cache { return c }, match, nil)
		if _, _, err := parseIndex(strings.NewReader(doc), 0, sd.add); err != nil {
			t.Fatal(err)
		}
		fast, _, ok := sd.fast(c, 0)
		want := c.diff(sd.index(), match)
		if removed := len(want.Removed) > 0; ok == removed {
			t.Fatalf("%s: fast diff taken %v with %d removed", doc, ok, len(want.Removed))
		}
		if ok && !reflect.DeepEqual(fast, want) {
			t.Fatalf("fast diff %+v, want %+v", fast, want)
		}
	}
}
