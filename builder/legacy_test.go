package builder

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/packuilon/packuilon/internal/state"
	"github.com/packuilon/packuilon/internal/testenv"
)

// TestLegacyTreeUnchanged runs the daemon on an /etc/packer-utils-style tree (config.ini with
// the original keys, template-map.json with DEFAULT, the nested source-images.json of the old
// code, JSON templates with $NAME, $IMAGE and $METADATA) fed with the bodies today's
// publishers send: a whole Aquilon profile (cdb2rabbit) and packuilon.py's skeleton profile.
// An HCL2 template in the same map gets its values through a variable file.
func TestLegacyTreeUnchanged(t *testing.T) {
	needPacker(t)
	rmq := testenv.SharedRabbit(t)
	g := rmq.Global(testenv.UniqueName(t))
	cfgPath, cfg := treeForBroker(t, g)
	profile, err := os.ReadFile("testdata/profile-domain-sl7.json")
	if err != nil {
		t.Fatal(err)
	}
	skeleton, err := os.ReadFile("testdata/skeleton-profile.json")
	if err != nil {
		t.Fatal(err)
	}
	bin := buildBinary(t)
	out, err := exec.Command(bin, "render", "--config", cfgPath, "testdata/profile-domain-sl7.json").CombinedOutput()
	if err != nil || !strings.Contains(string(out), `"variables": { "AQ_ARCHETYPE": "ral-tier1", "AQ_DOMAIN": "prod"`) ||
		!strings.Contains(string(out), "building sl7x-x86_64 nubesvms AQ from 0b10e583-9e13-4878-9116-f4002846fa73") {
		t.Fatalf("packuilon render: %v\n%s", err, out)
	}
	startBinary(t, bin, cfgPath)
	hcl := request("hcl", "sha256:hcl")
	publish(t, g, profile, skeleton, mustJSON(t, hcl))
	st := openStore(t, cfg)
	cases := []struct {
		name, key string
		templates []string
		inLog     string
	}{
		{"whole profile, DEFAULT entry", "nubesvms-sl7x-x86_64", []string{"managed"}, "building sl7x-x86_64 nubesvms AQ from 0b10e583-9e13-4878-9116-f4002846fa73"},
		{"skeleton profile, two templates in order", "twotpl-sl7x-x86_64", []string{"unmanaged", "managed"}, "post-processing sl7x-x86_64 twotpl AQ"},
		{"HCL2 template with a variable file", "hcl-sl7x-x86_64", []string{"hcl"}, "hcl build of sl7x-x86_64 hcl from 0b10e583-9e13-4878-9116-f4002846fa73 for hcl"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var rec state.Record
			waitFor(t, 3*time.Minute, c.key+" to end", func() bool {
				recs := builds(t, st, c.key)
				if len(recs) == 1 && recs[0].State.Terminal() {
					rec = recs[0]
					return true
				}
				return false
			})
			if rec.State != state.Succeeded {
				t.Fatalf("build %s: %s", rec.State, rec.Message)
			}
			var arts []Artifact
			if err := json.Unmarshal(rec.Artifacts, &arts); err != nil {
				t.Fatal(err)
			}
			if len(arts) != len(c.templates) {
				t.Fatalf("%d artifacts, want %d", len(arts), len(c.templates))
			}
			for i, a := range arts {
				if a.Key != c.key+"."+c.templates[i] || a.ImageID != "Null" || a.SourceImageID != "0b10e583-9e13-4878-9116-f4002846fa73" {
					t.Errorf("artifact %d = %+v", i, a)
				}
				if filepath.Base(a.LogPath) != c.key+"."+c.templates[i]+"."+rec.ID+".log" {
					t.Errorf("log %s is not named <key>.<template>.<build>.log", a.LogPath)
				}
				if fi, err := os.Stat(a.BuildFile); err != nil || fi.Mode().Perm() != 0o600 {
					t.Errorf("build file %s: %v, mode %v; want 0600", a.BuildFile, err, fi.Mode().Perm())
				}
			}
			data, _ := os.ReadFile(rec.LogPath)
			if !strings.Contains(string(data), c.inLog) {
				t.Errorf("log lacks %q:\n%s", c.inLog, data)
			}
		})
	}
	out, err = exec.Command(bin, "show", "--config", cfgPath, builds(t, st, "twotpl-sl7x-x86_64")[0].ID).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "state:       succeeded") || !strings.Contains(string(out), "post-processing") {
		t.Errorf("packuilon show: %v\n%s", err, out)
	}
}
