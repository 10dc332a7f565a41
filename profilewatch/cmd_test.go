package profilewatch

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/packuilon/packuilon/internal/event"
	"github.com/packuilon/packuilon/internal/testenv"
)

func TestCheckConfigCommand(t *testing.T) {
	rmq := testenv.SharedRabbit(t)
	f := newFixture(t, rmq, testenv.ProfileServerOptions{})
	dir := filepath.Dir(f.cfgPath)
	writeFile(t, filepath.Join(dir, "source-images.json"), "{}")
	cfg, _ := os.ReadFile(f.cfgPath)
	writeFile(t, f.cfgPath, string(cfg)+"\n[rabbit2packer]\nIMAGES_CONFIG = source-images.json\n")
	if out, errOut, code := cli(t, "check-config", "--config", f.cfgPath); code != 0 || !strings.Contains(out, "ok") {
		t.Errorf("good config: exit %d, stdout %q, stderr:\n%s", code, out, errOut)
	}

	for _, tc := range []struct {
		name string
		ini  string
		want []string
	}{
		{"broken watcher", `[global]
RABBIT_PORT = 99999
QUEUE = two words
[cdb2rabbit]
PROFILE_INFO_URL = gopher://aq/profiles-info.xml
PROFILE_MATCH = (
PROFILE_MATCH_REGEX = true
SCHEDULE = at noon
UDP_ALLOW = somewhere
MAX_PROFILE_SIZE = -1
`, []string{"[global] RABBIT_PORT", "[global] QUEUE", "[cdb2rabbit] PROFILE_INFO_URL", "[cdb2rabbit] PROFILE_MATCH",
			"[cdb2rabbit] SCHEDULE", "[cdb2rabbit] UDP_ALLOW", "[cdb2rabbit] MAX_PROFILE_SIZE"}},
		{"watcher without index", "[cdb2rabbit]\nCACHE_DIR = " + dir + "/no/such/dir\n",
			[]string{"[cdb2rabbit] PROFILE_INFO_URL", "[cdb2rabbit] CACHE_DIR"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "config.ini")
			writeFile(t, p, tc.ini)
			_, errOut, code := cli(t, "check-config", "--config", p)
			if code != 1 {
				t.Errorf("exit %d, want 1", code)
			}
			for _, w := range tc.want {
				if !strings.Contains(errOut, p+": "+w+":") {
					t.Errorf("no line for %s in:\n%s", w, errOut)
				}
			}
		})
	}
}

func TestPublishCommand(t *testing.T) {
	rmq := testenv.SharedRabbit(t)
	f := newFixture(t, rmq, testenv.ProfileServerOptions{})
	out, errOut, code := cli(t, "publish", "--config", f.cfgPath, "--personality", "nubesvms", "--os", "rocky", "--os-version", "8x",
		"--sandbox", "alice/feature-1", "--hostname", "tmpl.cloud.template", "--force")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	printed := out[strings.Index(out, "{"):]
	var shown event.BuildRequest
	if err := json.Unmarshal([]byte(printed), &shown); err != nil {
		t.Fatalf("printed request is not JSON: %v\n%s", err, out)
	}
	got := f.drain()
	if len(got) != 1 {
		t.Fatalf("queue has %d requests, want 1", len(got))
	}
	r := got[0]
	if r.ImageKey != "nubesvms-rocky8x-x86_64" || r.Reason != event.ReasonManual || !r.Force || r.Archetype != "ral-tier1" ||
		r.Branch != (event.Branch{Type: "sandbox", Name: "feature-1", Author: "alice"}) || r.Hostname != "tmpl.cloud.template" {
		t.Errorf("request = %+v", r)
	}
	if shown.ImageKey != r.ImageKey || shown.Branch != r.Branch {
		t.Errorf("printed %+v, published %+v", shown, r)
	}

	if _, errOut, code := cli(t, "publish", "--config", f.cfgPath, "--personality", "p", "--image-key", "custom-key"); code != 0 {
		t.Fatalf("--image-key: exit %d: %s", code, errOut)
	} else if got := f.drain(); len(got) != 1 || got[0].ImageKey != "custom-key" || got[0].Branch.Name != "prod" {
		t.Errorf("--image-key published %+v", got)
	}

	for _, args := range [][]string{
		{},
		{"--personality", "../etc"},
		{"--personality", "p", "--sandbox", "alice"},
		{"--personality", "p", "--sandbox", "alice/x/y"},
		{"--personality", "p", "--sandbox", "a/b", "--domain", "prod"},
		{"--personality", "p", "--image-key", "a/b"},
		{"--personality", "p", "--os-version", "7x;rm"},
		{"--personality", "p", "--hostname", "-bad-"},
	} {
		_, errOut, code := cli(t, append([]string{"publish", "--config", f.cfgPath}, args...)...)
		if code != 2 || !strings.HasPrefix(errOut, "packuilon publish: ") {
			t.Errorf("%v: exit %d, stderr %q; want 2 and a clear line", args, code, errOut)
		}
	}
	if got := f.drain(); len(got) != 0 {
		t.Errorf("invalid invocations published %d requests", len(got))
	}
}
