package profilewatch

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/go-hclog"

	"github.com/packuilon/packuilon/internal/event"
	"github.com/packuilon/packuilon/internal/testenv"
)

// TestBaselinePublishesOnlyRealChanges is the switch-over figure: a 20,000-entry index with 200
// template hosts gets its baseline (digests of the 200 matching profiles, fetched once); then 25
// template hosts are recompiled without a change (15 with the same bytes, 10 reformatted), 150
// really change and 5 new template hosts appear. The first scan after the baseline publishes
// exactly 150 + 5 requests, through the real broker.
func TestBaselinePublishesOnlyRealChanges(t *testing.T) {
	rmq := testenv.SharedRabbit(t)
	f := newFixture(t, rmq, testenv.ProfileServerOptions{})
	const entries, templates, unchanged, changed, added = 20_000, 200, 25, 150, 5
	f.srv.AddIndexOnly("node", entries-templates)
	for i := range templates {
		f.put(tmpl(i, 1))
	}
	rep := f.mustScan(ScanOptions{})
	if !rep.Baseline || rep.Entries != entries || rep.Candidates != templates || len(rep.Failed) != 0 || len(f.drain()) != 0 {
		t.Fatalf("baseline = %s, want %d entries, %d digested, nothing published", rep, entries, templates)
	}
	if n := f.srv.Fetches(tmpl(0, 1).FQDN()); n != 1 {
		t.Errorf("a template profile was fetched %d times by the baseline, want 1", n)
	}
	if n := f.srv.Fetches("node1"); n != 0 {
		t.Errorf("a profile not matching PROFILE_MATCH was fetched %d times", n)
	}
	for i := range unchanged {
		if i < 15 {
			f.srv.Touch(tmpl(i, 1).FQDN())
			continue
		}
		f.srv.Put(tmpl(i, 1).FQDN(), reformat(t, tmpl(i, 1).JSON(), "    "))
	}
	var want []string
	for i := unchanged; i < unchanged+changed; i++ {
		f.put(tmpl(i, 2))
		want = append(want, tmpl(i, 2).Personality+"-sl7x-x86_64")
	}
	for i := templates; i < templates+added; i++ {
		f.put(tmpl(i, 1))
		want = append(want, tmpl(i, 1).Personality+"-sl7x-x86_64")
	}
	rep = f.mustScan(ScanOptions{})
	got := f.drain()
	t.Logf("first scan after the baseline: %s", rep)
	if len(got) != changed+added || rep.Unchanged != unchanged || len(rep.Failed) != 0 {
		t.Fatalf("published %d, unchanged %d; want exactly %d published (%d changed + %d new) and %d unchanged",
			len(got), rep.Unchanged, changed+added, changed, added, unchanged)
	}
	if keys(got) != keys(fakeRequests(want)) {
		t.Errorf("published %s, want %s", keys(got), strings.Join(want, ","))
	}
}

// reformat is body indented with indent instead: the same content, other bytes.
func reformat(t *testing.T, body []byte, indent string) []byte {
	t.Helper()
	var p any
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatal(err)
	}
	b, err := json.MarshalIndent(p, "", indent)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestBaselineFailureLeavesMTimeOnly: a profile the baseline cannot read is logged and cached
// without a digest, so its next change is published; the others are digested.
func TestBaselineFailureLeavesMTimeOnly(t *testing.T) {
	rmq := testenv.SharedRabbit(t)
	f := newFixture(t, rmq, testenv.ProfileServerOptions{})
	f.put(tmpl(0, 1))
	f.put(tmpl(1, 1))
	f.srv.PutRaw(tmpl(2, 1).FQDN(), []byte("oops"), 500)
	rep := f.mustScan(ScanOptions{})
	if !rep.Baseline || len(rep.Failed) != 1 || rep.Failed[0].Profile != f.srv.Name(tmpl(2, 1).FQDN()) {
		t.Fatalf("baseline %s, failed %v; want one failure", rep, rep.Failed)
	}
	f.srv.Touch(tmpl(0, 1).FQDN())
	f.put(tmpl(2, 1)) // now served: no digest yet, so it is published
	rep = f.mustScan(ScanOptions{})
	if got := keys(f.drain()); got != "pers2-sl7x-x86_64" || rep.Unchanged != 1 {
		t.Errorf("published %q (report %s), want pers2 only", got, rep)
	}
}

// TestScanSkipsBadIndexEntries: entries with a bad name, an empty or negative mtime and an
// unparsable line are skipped with one warning each naming them; the good entries are scanned.
// An index with more bad entries than good ones fails the scan and leaves the cache as it was.
func TestScanSkipsBadIndexEntries(t *testing.T) {
	rmq := testenv.SharedRabbit(t)
	f := newFixture(t, rmq, testenv.ProfileServerOptions{})
	for i := range 6 {
		f.put(tmpl(i, 1))
	}
	f.mustScan(ScanOptions{})
	lines := []string{
		"<profile mtime='1718963105'>../../etc/passwd.cloud.template.json</profile>",
		"<profile mtime=''>empty.cloud.template.json</profile>",
		"<profile mtime='-3'>negative.cloud.template.json</profile>",
		"<profile mtime='1718963105'>broken.cloud.template.json</profle>",
	}
	f.srv.AddIndexLines(lines...)
	f.put(tmpl(0, 2))
	var logs bytes.Buffer
	s := f.scanner()
	s.log = hclog.New(&hclog.LoggerOptions{Output: &logs, Level: hclog.Warn})
	rep, err := s.Scan(t.Context(), ScanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := keys(f.drain()); got != "pers0-sl7x-x86_64" || rep.BadEntries != len(lines) {
		t.Errorf("published %q, %d bad entries (report %s)", got, rep.BadEntries, rep)
	}
	warnings := strings.Count(logs.String(), "index entry skipped")
	for _, name := range []string{"../../etc/passwd", "empty.cloud", "negative.cloud", "broken.cloud"} {
		if !strings.Contains(logs.String(), name) {
			t.Errorf("no warning names %s:\n%s", name, logs.String())
		}
	}
	if warnings != len(lines) {
		t.Errorf("%d warnings, want one per bad entry:\n%s", warnings, logs.String())
	}
	before := f.cacheBytes()
	for i := range 8 {
		f.srv.AddIndexLines(fmt.Sprintf("<profile>junk%d.json", i))
	}
	f.put(tmpl(1, 2))
	if _, err := f.scan(ScanOptions{}); err == nil || !strings.Contains(err.Error(), "unusable") {
		t.Fatalf("scan of a mostly unparsable index: %v, want an error", err)
	}
	if f.cacheBytes() != before || len(f.drain()) != 0 {
		t.Error("a failed scan changed the cache or published")
	}
}

func fakeRequests(keys []string) []event.BuildRequest {
	out := make([]event.BuildRequest, len(keys))
	for i, k := range keys {
		out[i].ImageKey = k
	}
	return out
}
