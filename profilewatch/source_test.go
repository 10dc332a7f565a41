package profilewatch

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/packuilon/packuilon/internal/testenv"
)

// TestDirSource: file:// URLs read Aquilon's output directory directly, gzip index included,
// and a profile name cannot leave the directory.
func TestDirSource(t *testing.T) {
	rmq := testenv.SharedRabbit(t)
	f := newFixture(t, rmq, testenv.ProfileServerOptions{})
	dir := t.TempDir()
	write := func(name string, data []byte) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(dir, name), string(data))
	}
	index := func(mtime string) {
		write("profiles-info.xml.gz", testenv.Gzip([]byte(`<?xml version='1.0' encoding='utf-8'?>
<profiles>
<profile mtime='`+mtime+`'>nubesvms-sl7x-x86-64.cloud.template.json.gz</profile>
<profile mtime='1718801142'>clusters/ceph-echo-prod.json</profile>
</profiles>`)))
	}
	index("1718963105")
	write("nubesvms-sl7x-x86-64.cloud.template.json.gz", readTestdata(t, "profile-domain-sl7.json.gz"))
	f.writeConfigURLs("file://"+dir+"/profiles-info.xml", "")
	if f.cfg.Watch.ProfileDirURL != "file://"+dir+"/" {
		t.Fatalf("PROFILE_DIR_URL = %s", f.cfg.Watch.ProfileDirURL)
	}
	if rep := f.mustScan(ScanOptions{}); !rep.Baseline || rep.Entries != 2 {
		t.Fatalf("baseline = %s", rep)
	}
	index("1718963999") // recompiled with a change (the baseline holds the digest of the first)
	changed := strings.Replace(string(readTestdata(t, "profile-domain-sl7.json")), "vmos4521", "vmos4522", 1)
	write("nubesvms-sl7x-x86-64.cloud.template.json.gz", testenv.Gzip([]byte(changed)))
	f.mustScan(ScanOptions{})
	got := f.drain()
	if len(got) != 1 || got[0].ImageKey != "nubesvms-sl7x-x86_64" || got[0].ProfileURL != "file://"+dir+"/nubesvms-sl7x-x86-64.cloud.template.json.gz" {
		t.Fatalf("published %+v", got)
	}

	outside := filepath.Join(filepath.Dir(dir), "outside.json")
	writeFile(t, outside, `{}`)
	src := &DirSource{Dir: dir, MaxSize: 1 << 20}
	for _, name := range []string{"../outside.json", "/" + outside} {
		if _, err := src.Fetch(context.Background(), name); err == nil {
			t.Errorf("Fetch(%q) read outside the directory", name)
		}
	}
}
