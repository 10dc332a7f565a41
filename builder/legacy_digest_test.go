package builder

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/packuilon/packuilon/internal/config"
	"github.com/packuilon/packuilon/internal/event"
	"github.com/packuilon/packuilon/internal/state"
	"github.com/packuilon/packuilon/internal/testenv"
)

// TestLegacyBodiesBuildRealChanges feeds the daemon (real RabbitMQ, real Packer) the bodies
// cdb2rabbit and packuilon.py publish, one after the other: a whole profile builds; the same
// profile recompiled with only an IGNORE_PATHS part changed is skipped (same inputs); a real
// change builds; packuilon.py's skeleton, a manual request, builds every time. The digest the
// builder records is the one the watcher computes for the same profile.
func TestLegacyBodiesBuildRealChanges(t *testing.T) {
	needPacker(t)
	rmq := testenv.SharedRabbit(t)
	g := rmq.Global(testenv.UniqueName(t))
	cfgPath, _ := treeForBroker(t, g)
	ini, err := os.ReadFile(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	ini = []byte(strings.Replace(string(ini), "CACHE_DIR = profiles/", "CACHE_DIR = profiles/\nIGNORE_PATHS = /system/network/interfaces", 1))
	if err := os.WriteFile(cfgPath, ini, 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	profile, err := os.ReadFile("testdata/profile-domain-sl7.json")
	if err != nil {
		t.Fatal(err)
	}
	skeleton, err := os.ReadFile("testdata/skeleton-profile.json")
	if err != nil {
		t.Fatal(err)
	}
	edit := func(change func(sys map[string]any)) []byte {
		var p map[string]any
		if err := json.Unmarshal(profile, &p); err != nil {
			t.Fatal(err)
		}
		change(p["system"].(map[string]any))
		return mustJSON(t, p)
	}
	recompiled := edit(func(sys map[string]any) {
		sys["network"].(map[string]any)["interfaces"] = map[string]any{"eth9": "new"}
	})
	changed := edit(func(sys map[string]any) { sys["kernel"] = "changed" })
	bin := buildBinary(t)
	startBinary(t, bin, cfgPath)
	st := openStore(t, cfg)

	const key = "nubesvms-sl7x-x86_64"
	steps := []struct {
		name string
		body []byte
		key  string
		want state.State
	}{
		{"whole profile, first build", profile, key, state.Succeeded},
		{"recompiled, only an ignored path changed", recompiled, key, state.Skipped},
		{"the same profile again", profile, key, state.Skipped},
		{"a real change", changed, key, state.Succeeded},
		{"skeleton", skeleton, "twotpl-sl7x-x86_64", state.Succeeded},
		{"skeleton again: a manual request always builds", skeleton, "twotpl-sl7x-x86_64", state.Succeeded},
	}
	for i, s := range steps {
		n := 0
		for _, p := range steps[:i] {
			if p.key == s.key {
				n++
			}
		}
		publish(t, g, s.body)
		var rec state.Record
		waitFor(t, 3*time.Minute, s.name, func() bool {
			recs := builds(t, st, s.key)
			if len(recs) == n+1 && recs[0].State.Terminal() {
				rec = recs[0]
				return true
			}
			return false
		})
		if rec.State != s.want {
			t.Fatalf("%s: build %s (%s), want %s", s.name, rec.State, rec.Message, s.want)
		}
		if s.key != key {
			if !rec.Request.Force || rec.Request.Reason != event.ReasonManual {
				t.Errorf("%s: request %+v is not a forced manual request", s.name, rec.Request)
			}
			continue
		}
		_, want, err := event.ReadProfile(s.body, event.ProfileOptions{IgnorePaths: cfg.Watch.IgnorePaths})
		if err != nil || rec.Request.ProfileDigest != want {
			t.Errorf("%s: recorded digest %q, the watcher's is %q (%v)", s.name, rec.Request.ProfileDigest, want, err)
		}
	}
}

// TestLegacyNamingLastRelease: with IMAGE_KEY and IMAGE_NAME set to {hostname}, as the last
// release of rabbit2packer named images, a whole profile from cdb2rabbit (through the real
// broker and real Packer) is built under the template host's name: the image key, the log file
// name and $NAME in the template.
func TestLegacyNamingLastRelease(t *testing.T) {
	needPacker(t)
	rmq := testenv.SharedRabbit(t)
	g := rmq.Global(testenv.UniqueName(t))
	cfgPath, _ := treeForBroker(t, g)
	ini, err := os.ReadFile(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	ini = []byte(strings.Replace(string(ini), "[rabbit2packer]\n", "[rabbit2packer]\nIMAGE_KEY = {hostname}\nIMAGE_NAME = {hostname}\n", 1))
	if err := os.WriteFile(cfgPath, ini, 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	profile, err := os.ReadFile("testdata/profile-domain-sl7.json")
	if err != nil {
		t.Fatal(err)
	}
	startBinary(t, buildBinary(t), cfgPath)
	st := openStore(t, cfg)
	publish(t, g, profile)
	const key = "nubesvms-sl7x-x86-64" // system.network.hostname of the sample
	var rec state.Record
	waitFor(t, 3*time.Minute, "the build", func() bool {
		recs := builds(t, st, key)
		if len(recs) == 1 && recs[0].State.Terminal() {
			rec = recs[0]
			return true
		}
		return false
	})
	if rec.State != state.Succeeded {
		t.Fatalf("build %s: %s", rec.State, rec.Message)
	}
	if !strings.HasPrefix(filepath.Base(rec.LogPath), key+".") {
		t.Errorf("log %s is not named after the image key", rec.LogPath)
	}
	data, _ := os.ReadFile(rec.LogPath)
	if !strings.Contains(string(data), "building "+key+" AQ from") {
		t.Errorf("$NAME is not the hostname; log:\n%s", data)
	}
}
