package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestSmokeDefaultsKeepOldSitesWorking(t *testing.T) {
	cfg, err := Load(write(t, original+"\n[rally-image-testing]\nDEPLOYMENT_UUID = d1\nTASK_LOCATION = /etc/packer-utils/image-testing-rally/tasks\nLOG_DIR = /var/log/rally\nRALLY_CODE_FOLDER = /x\nUUID_FILE = /y\n"))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Smoke.Method != SmokeNone {
		t.Errorf("default method %q, want none", cfg.Smoke.Method)
	}
	r := cfg.Rally
	if r.DeploymentUUID != "d1" || r.Timeout != 30*time.Minute || r.RallyPath != "rally" || r.Flavor != "m1.tiny" {
		t.Errorf("rally = %+v", r)
	}
	if got := r.TaskFor("any-key"); got != "/etc/packer-utils/image-testing-rally/tasks/boot-and-delete.yaml" {
		t.Errorf("default task %q", got)
	}
	if cfg.Smoke.AuthFile != "/etc/packer-utils/admin-auth.sh" {
		t.Errorf("boot auth file %q, want ADMIN_AUTH_FILE", cfg.Smoke.AuthFile)
	}
}

func TestSmokeSections(t *testing.T) {
	tests := []struct {
		name    string
		extra   string
		problem string
		check   func(t *testing.T, c *Config)
	}{
		{"tasks per image key", "[smoke]\nMETHOD = rally\n[rally-image-testing]\nDEPLOYMENT_UUID = d\nTASK_LOCATION = tasks\nFLAVOR = m1.small\nNETWORK = net1\nTASK_TIMEOUT = 5m\n[rally-tasks]\nDEFAULT = a.yaml\nsl7-key = /abs/b.yaml\n", "",
			func(t *testing.T, c *Config) {
				dir := filepath.Dir(c.Path)
				if c.Rally.TaskFor("other") != filepath.Join(dir, "tasks", "a.yaml") || c.Rally.TaskFor("sl7-key") != "/abs/b.yaml" {
					t.Errorf("tasks %v", c.Rally.Tasks)
				}
				if c.Smoke.Network != "net1" || c.Rally.Timeout != 5*time.Minute || c.Rally.Flavor != "m1.small" {
					t.Errorf("smoke %+v rally %+v", c.Smoke, c.Rally)
				}
			}},
		{"boot test", "[smoke]\nMETHOD = boot\nBOOT_FLAVOR = f1\nBOOT_TIMEOUT = 90\nCONSOLE_MARKER = login:\n", "",
			func(t *testing.T, c *Config) {
				if c.Smoke.Flavor != "f1" || c.Smoke.BootTimeout != 90*time.Second || c.Smoke.ConsoleMarker != "login:" {
					t.Errorf("smoke %+v", c.Smoke)
				}
			}},
		{"unknown method", "[smoke]\nMETHOD = tempest\n", "[smoke] METHOD", nil},
		{"rally needs a deployment", "[smoke]\nMETHOD = rally\n", "[rally-image-testing] DEPLOYMENT_UUID", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := Load(write(t, original+tc.extra))
			if tc.problem != "" {
				if err == nil || !strings.Contains(err.Error(), tc.problem) {
					t.Fatalf("err %v, want %q", err, tc.problem)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, cfg)
		})
	}
}

func TestCheckSmokeFiles(t *testing.T) {
	p := write(t, "[smoke]\nMETHOD = rally\n[rally-image-testing]\nDEPLOYMENT_UUID = d\n[rally-tasks]\nDEFAULT = missing.yaml\n")
	cfg, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := Check(cfg); err == nil || !strings.Contains(err.Error(), "missing.yaml") {
		t.Fatalf("Check = %v, want the missing task file", err)
	}
	if err := os.WriteFile(filepath.Join(filepath.Dir(p), "missing.yaml"), []byte("{}"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := Check(cfg); err != nil && strings.Contains(err.Error(), "rally") {
		t.Fatalf("Check = %v after creating the task file", err)
	}
}
