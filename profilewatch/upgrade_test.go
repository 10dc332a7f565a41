package profilewatch

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"

	"github.com/packuilon/packuilon/internal/testenv"
)

// earlierDigest is the digest versions before BLAKE3 cached, made as they made it: decode the
// profile to a map with UseNumber, json.Marshal, sha256.
func earlierDigest(t *testing.T, body []byte) string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var p map[string]any
	if err := dec.Decode(&p); err != nil {
		t.Fatal(err)
	}
	data, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// TestUpgradeFromSHA256Cache: a cache written by an earlier version holds SHA-256 digests. After
// the upgrade a recompile that changed nothing (same bytes or reformatted) publishes nothing, a
// real change is published, and each profile fetched gets the BLAKE3 digest in the cache; the
// entries of profiles not fetched keep theirs until they are.
func TestUpgradeFromSHA256Cache(t *testing.T) {
	rmq := testenv.SharedRabbit(t)
	f := newFixture(t, rmq, testenv.ProfileServerOptions{})
	const templates, touched, reformatted, changed = 40, 10, 5, 10
	f.srv.AddIndexOnly("node", 500)
	for i := range templates {
		f.put(tmpl(i, 1))
	}
	if rep := f.mustScan(ScanOptions{}); !rep.Baseline || rep.Candidates != templates {
		t.Fatalf("baseline = %s", rep)
	}
	// The cache as the earlier version left it: its digests, the same mtimes.
	c, _, err := LoadCache(f.cacheDir)
	if err != nil {
		t.Fatal(err)
	}
	for i := range templates {
		key := CacheKey(f.srv.Name(tmpl(i, 1).FQDN()))
		e := c.Entries[key]
		if !strings.HasPrefix(e.Digest, "blake3:") {
			t.Fatalf("baseline digest of %s is %q, want blake3:", key, e.Digest)
		}
		e.Digest = earlierDigest(t, tmpl(i, 1).JSON())
		c.set(key, e)
	}
	if err := c.Save(f.cacheDir); err != nil {
		t.Fatal(err)
	}
	for i := range touched {
		f.srv.Touch(tmpl(i, 1).FQDN())
	}
	for i := touched; i < touched+reformatted; i++ {
		f.srv.Put(tmpl(i, 1).FQDN(), reformat(t, tmpl(i, 1).JSON(), "\t"))
	}
	var want []string
	for i := touched + reformatted; i < touched+reformatted+changed; i++ {
		f.put(tmpl(i, 2))
		want = append(want, tmpl(i, 2).Personality+"-sl7x-x86_64")
	}
	rep := f.mustScan(ScanOptions{})
	got := f.drain()
	if len(got) != changed || rep.Unchanged != touched+reformatted || len(rep.Failed) != 0 {
		t.Fatalf("first scan after the upgrade: %s; published %d, want exactly the %d changed (and %d unchanged)",
			rep, len(got), changed, touched+reformatted)
	}
	if keys(got) != keys(fakeRequests(want)) {
		t.Errorf("published %s, want %s", keys(got), strings.Join(want, ","))
	}
	c, _, err = LoadCache(f.cacheDir)
	if err != nil {
		t.Fatal(err)
	}
	for i := range templates {
		d := c.Entries[CacheKey(f.srv.Name(tmpl(i, 1).FQDN()))].Digest
		if fetched := i < touched+reformatted+changed; fetched != strings.HasPrefix(d, "blake3:") ||
			!fetched && !strings.HasPrefix(d, "sha256:") {
			t.Errorf("template %d (fetched: %v) is cached with %q", i, fetched, d)
		}
	}
	// A second scan finds nothing; a later recompile of a profile still cached with SHA-256 is
	// compared with it too.
	last := templates - 1
	f.srv.Touch(tmpl(last, 1).FQDN())
	if rep := f.mustScan(ScanOptions{}); len(f.drain()) != 0 || rep.Unchanged != 1 {
		t.Fatalf("recompile of a profile cached with SHA-256: %s, want 1 unchanged, nothing published", rep)
	}
}
