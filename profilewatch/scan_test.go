package profilewatch

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/packuilon/packuilon/internal/testenv"
)

// TestScanLifecycle runs the same story on every publishing variant of Aquilon: a baseline, then
// new, changed, removed, recompiled-but-same and non-matching profiles, in an index whose order
// changes on every request.
func TestScanLifecycle(t *testing.T) {
	rmq := testenv.SharedRabbit(t)
	for _, tc := range []struct {
		name string
		o    testenv.ProfileServerOptions
	}{
		{"plain", testenv.ProfileServerOptions{}},
		{"millisecond mtimes", testenv.ProfileServerOptions{Millis: true}},
		{"gzip index", testenv.ProfileServerOptions{GzipIndex: true, GzipBodies: true}},
		{"json.gz names", testenv.ProfileServerOptions{GzipNames: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, rmq, tc.o)
			for i := range 4 {
				f.put(tmpl(i, 1))
			}
			f.srv.Put("node1.example.org", tmpl(9, 1).JSON()) // does not match PROFILE_MATCH
			rep := f.mustScan(ScanOptions{})
			if !rep.Baseline || rep.Entries != 5 || len(f.drain()) != 0 {
				t.Fatalf("first scan = %+v, want a baseline of 5 and nothing published", rep)
			}
			if !strings.Contains(rep.String(), "published nothing") {
				t.Errorf("baseline summary %q does not say nothing was published", rep)
			}
			f.put(tmpl(0, 2))                        // changed
			f.srv.Remove(tmpl(1, 1).FQDN())          // removed
			f.srv.Touch(tmpl(2, 1).FQDN())           // recompiled, same content as the baseline's digest
			f.put(tmpl(4, 1))                        // new
			f.srv.Put("node1.example.org", []byte{}) // changed, not matching: never fetched
			rep = f.mustScan(ScanOptions{})
			if got := keys(f.drain()); got != "pers0-sl7x-x86_64,pers4-sl7x-x86_64" {
				t.Errorf("published %s", got)
			}
			if rep.Candidates != 3 || rep.Unchanged != 1 || rep.Removed != 1 || len(rep.Failed) != 0 {
				t.Errorf("report = %s", rep)
			}
			if n := f.srv.Fetches("node1.example.org"); n != 0 {
				t.Errorf("non-matching profile fetched %d times", n)
			}
			f.srv.Touch(tmpl(0, 2).FQDN()) // same content as published: nothing to build
			f.srv.Touch(tmpl(4, 1).FQDN())
			rep = f.mustScan(ScanOptions{})
			if got := f.drain(); len(got) != 0 || rep.Unchanged != 2 {
				t.Errorf("recompile with the same content published %s (report %s)", keys(got), rep)
			}
			if rep = f.mustScan(ScanOptions{}); rep.Candidates != 0 {
				t.Errorf("scan without changes has %d candidates", rep.Candidates)
			}
		})
	}
}

func TestScanRequestContent(t *testing.T) {
	rmq := testenv.SharedRabbit(t)
	f := newFixture(t, rmq, testenv.ProfileServerOptions{})
	f.mustScan(ScanOptions{})
	sl7 := readTestdata(t, "profile-domain-sl7.json")
	f.srv.Put("nubesvms-sl7x-x86-64.cloud.template", sl7)
	f.srv.Put("image-factory-rocky8x-x86-64.cloud.template", readTestdata(t, "profile-sandbox-rocky8.json"))
	f.mustScan(ScanOptions{})
	got := f.drain()
	if len(got) != 2 {
		t.Fatalf("published %d, want 2", len(got))
	}
	r := got[1]
	if r.ImageKey != "nubesvms-sl7x-x86_64" || r.Reason != "profile-changed" || r.Branch.Type != "domain" || r.Branch.Name != "prod" ||
		r.Hostname != "nubesvms-sl7x-x86-64" || r.ProfileURL != f.srv.DirURL()+"nubesvms-sl7x-x86-64.cloud.template.json" {
		t.Errorf("request = %+v", r)
	}
	if d, _ := Digest(sl7, nil); r.ProfileDigest != d {
		t.Errorf("digest %s is not the profile's", r.ProfileDigest)
	}
	if got[0].Branch.Type != "sandbox" || got[0].Branch.Author == "" {
		t.Errorf("sandbox request = %+v", got[0])
	}
}

// TestPublishedURLHoldsNoToken: a token in the query string of the profile URLs (an Aquilon
// behind a token-checking proxy) is never published: the request is logged, stored and shown by
// the builder, which never fetches profile_url.
func TestPublishedURLHoldsNoToken(t *testing.T) {
	rmq := testenv.SharedRabbit(t)
	f := newFixture(t, rmq, testenv.ProfileServerOptions{})
	const token = "tok-3f9a7c2e"
	f.writeConfigURLs(f.srv.IndexURL()+"?token="+token, f.srv.DirURL()+"?token="+token+"#frag")
	f.mustScan(ScanOptions{})
	f.srv.Put("nubesvms-sl7x-x86-64.cloud.template", readTestdata(t, "profile-domain-sl7.json"))
	f.mustScan(ScanOptions{})
	got := f.drain()
	if len(got) != 1 || got[0].ProfileURL != f.srv.DirURL()+"nubesvms-sl7x-x86-64.cloud.template.json" {
		t.Fatalf("published %+v, want one request for the profile's URL without its query", got)
	}
}

func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestBadProfileDoesNotBlockOthers: each kind of bad profile is skipped with its reason, keeps
// its old cache entry (so it is retried), and the good profile of the same scan is published.
func TestBadProfileDoesNotBlockOthers(t *testing.T) {
	rmq := testenv.SharedRabbit(t)
	big := tmpl(1, 2)
	big.Size = 8 << 10
	noPersonality := strings.Replace(string(tmpl(1, 2).JSON()), `"personality"`, `"personalityx"`, 1)
	for _, tc := range []struct {
		name   string
		body   []byte
		status int
		why    string
	}{
		{"http 500", nil, http.StatusInternalServerError, "HTTP 500"},
		{"bad gzip", append([]byte{0x1f, 0x8b}, "not really gzip"...), http.StatusOK, "gzip"},
		{"too big", big.JSON(), http.StatusOK, "size limit"},
		{"not json", []byte("<html>maintenance</html>"), http.StatusOK, "not a JSON object"},
		{"personality missing", []byte(noPersonality), http.StatusOK, "personality is missing"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, rmq, testenv.ProfileServerOptions{}, "MAX_PROFILE_SIZE = 4K")
			f.put(tmpl(0, 1))
			f.put(tmpl(1, 1))
			f.mustScan(ScanOptions{PublishAll: true})
			f.drain()
			old, _, err := LoadCache(f.cacheDir)
			if err != nil {
				t.Fatal(err)
			}
			f.put(tmpl(0, 2))
			f.srv.PutRaw(tmpl(1, 1).FQDN(), tc.body, tc.status)
			rep := f.mustScan(ScanOptions{})
			if got := keys(f.drain()); got != "pers0-sl7x-x86_64" {
				t.Errorf("published %q, want the good profile only", got)
			}
			if len(rep.Failed) != 1 || !strings.Contains(rep.Failed[0].Err.Error(), tc.why) {
				t.Fatalf("failures = %v, want one with %q", rep.Failed, tc.why)
			}
			c, _, _ := LoadCache(f.cacheDir)
			key := CacheKey(f.srv.Name(tmpl(1, 1).FQDN()))
			if c.Entries[key] != old.Entries[key] {
				t.Errorf("bad profile's cache entry changed: %+v -> %+v", old.Entries[key], c.Entries[key])
			}
			f.put(tmpl(1, 2)) // fixed
			f.mustScan(ScanOptions{})
			if got := keys(f.drain()); got != "pers1-sl7x-x86_64" {
				t.Errorf("after the fix published %q, want the once-bad profile", got)
			}
		})
	}
}

// TestCancelDuringPublishFinishes: a daemon told to stop while publishing finishes the publishes
// and saves the cache, rather than leaving confirmed work to be published twice.
func TestCancelDuringPublishFinishes(t *testing.T) {
	rmq := testenv.SharedRabbit(t)
	f := newFixture(t, rmq, testenv.ProfileServerOptions{})
	f.baselineThenChange(2)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s := f.scanner()
	s.afterConnect = cancel
	if _, err := s.Scan(ctx, ScanOptions{}); err != nil {
		t.Fatalf("scan cancelled during publish: %v", err)
	}
	if got := keys(f.drain()); got != "pers0-sl7x-x86_64,pers1-sl7x-x86_64" {
		t.Errorf("published %q", got)
	}
	if rep := f.mustScan(ScanOptions{}); rep.Candidates != 0 {
		t.Errorf("cache not saved: next scan has %d candidates", rep.Candidates)
	}
}

// TestCancelBeforePublishStops: a scan cancelled while it fetches, before its first request is
// sent, stops without publishing or saving anything.
func TestCancelBeforePublishStops(t *testing.T) {
	rmq := testenv.SharedRabbit(t)
	f := newFixture(t, rmq, testenv.ProfileServerOptions{}, "FETCH_PARALLELISM = 1")
	baseline := f.baselineThenChange(3)
	f.srv.SetDelay(2 * time.Second)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(200*time.Millisecond, cancel)
	if _, err := f.scanner().Scan(ctx, ScanOptions{}); err == nil || !strings.Contains(err.Error(), "before publishing") {
		t.Fatalf("cancelled scan: %v", err)
	}
	if got := keys(f.drain()); got != "" {
		t.Errorf("cancelled scan published %q", got)
	}
	if f.cacheBytes() != baseline {
		t.Error("cancelled scan changed the cache")
	}
}
