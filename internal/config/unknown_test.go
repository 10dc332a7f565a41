package config

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestUnknownKeys: typos are reported with the nearest known name, keys are matched in any
// case (configparser did), a key in the wrong section is pointed to its section, an unknown
// section gets the nearest one, and the old scripts' obsolete keys are not typos.
func TestUnknownKeys(t *testing.T) {
	path := write(t, `[global]
queue = my-queue
Rabbit_Host = broker

[rabbit2packer]
THREAD_CUONT = 4
thread_count = 6
LOG_LEVEL = debug
STATE_DB = state/builds.db

[rally-image-testing]
RALLY_CODE_FOLDER = /opt/rally

[rally-tasks]
my-key = task.yaml

[smok]
METHOD = boot

[notify]
`)
	cfg, err := Load(path)
	if err != nil {
		t.Fatalf("unknown keys must not stop Load (a daemon keeps starting): %v", err)
	}
	if cfg.Global.Queue != "my-queue" || cfg.Global.RabbitHost != "broker" || cfg.Builder.ThreadCount != 6 {
		t.Errorf("keys not matched case-insensitively: queue %q host %q threads %d", cfg.Global.Queue, cfg.Global.RabbitHost, cfg.Builder.ThreadCount)
	}
	_, ps := CheckFile(path)
	got := ps.Error()
	for _, want := range []string{
		path + ": [rabbit2packer] THREAD_CUONT: unknown key; did you mean THREAD_COUNT?",
		path + ": [rabbit2packer] LOG_LEVEL: unknown key; it belongs in [global]",
		path + ": [smok]: unknown section; did you mean [smoke]?",
	} {
		if !strings.Contains(got, want+"\n") && !strings.HasSuffix(got, want) {
			t.Errorf("missing %q in\n%s", want, got)
		}
	}
	for _, not := range []string{"RALLY_CODE_FOLDER: unknown", "my-key", "thread_count", "queue:", "Rabbit_Host", "[notify]"} {
		if strings.Contains(got, not) {
			t.Errorf("%q reported:\n%s", not, got)
		}
	}
}

// TestSampleKeysAllKnown uncomments every key of the sample config.ini (which lists them all,
// most commented out with their defaults): none may be unknown to Load.
func TestSampleKeysAllKnown(t *testing.T) {
	data, err := os.ReadFile("../../etc/packer-utils/config.ini")
	if err != nil {
		t.Fatal(err)
	}
	all := regexp.MustCompile(`(?m)^#([A-Z_]+ =)`).ReplaceAll(data, []byte("$1"))
	// As shipped (sections with every key commented out, like [rally-tasks]) and uncommented.
	for _, content := range [][]byte{data, all} {
		path := filepath.Join(t.TempDir(), "config.ini")
		if err := os.WriteFile(path, content, 0o600); err != nil {
			t.Fatal(err)
		}
		_, ps := CheckFile(path)
		for _, p := range ps {
			if strings.Contains(p.Msg, "unknown") {
				t.Errorf("%s", p.Error())
			}
		}
	}
}

// TestCheckFileReportsEverything: a bad value, a missing file and two broken templates of two
// map entries are all reported by one run.
func TestCheckFileReportsEverything(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"map.json":    `{"DEFAULT": ["good.json"], "a-key": ["bad1.json"], "b-key": ["bad2.json", "good.json"]}`,
		"images.json": `{"DEFAULT": "00000000-0000-0000-0000-000000000000"}`,
		"good.json":   `{"builders": [{"type": "openstack", "image_name": "$NAME", "source_image": "$IMAGE"}]}`,
		"bad1.json":   `{"builders": [`,
		"bad2.json":   `[]`,
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	cfgPath := filepath.Join(dir, "config.ini")
	ini := "[rabbit2packer]\nTHREAD_COUNT = many\nPACKER_TEMPLATE_MAP = map.json\nIMAGES_CONFIG = images.json\nPACKER_AUTH_FILE = missing-auth.sh\n"
	if err := os.WriteFile(cfgPath, []byte(ini), 0o600); err != nil {
		t.Fatal(err)
	}
	_, ps := CheckFile(cfgPath)
	got := ps.Error()
	for _, want := range []string{"THREAD_COUNT: \"many\"", "PACKER_AUTH_FILE: stat", "bad1.json", "bad2.json"} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in\n%s", want, got)
		}
	}
}
