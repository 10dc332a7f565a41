package config

import (
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/ini.v1"
)

// TestOriginalConfigEveryKeyTakesEffectOrIsNoticed loads the config.ini of the last release of
// the old scripts and accounts for every key in it: either its value is in the configuration
// packuilon runs with, or a notice says it is not used and what replaces it. A key added to the
// file without a row here fails the test.
func TestOriginalConfigEveryKeyTakesEffectOrIsNoticed(t *testing.T) {
	t.Setenv("OS_CLOUD", "")
	t.Setenv("OS_AUTH_URL", "")
	path := filepath.Join("testdata", "original-config.ini")
	cfg, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	notices := map[string]string{}
	for _, n := range cfg.Notices {
		notices[n.Section+" "+n.Key] = n.Msg
	}
	effect := map[string]func() bool{
		"global QUEUE":       func() bool { return cfg.Global.Queue == "build-queue" },
		"global RABBIT_HOST": func() bool { return cfg.Global.RabbitHost == "RabbitMQ-host" },
		"global RABBIT_PORT": func() bool { return cfg.Global.RabbitPort == 5672 },
		"global RABBIT_USER": func() bool { return cfg.Global.RabbitUser == "guest" },
		"global RABBIT_PW":   func() bool { return cfg.Global.RabbitPW == "guest" },
		"global SUCCESS_ADDRESS": func() bool {
			return strings.Join(cfg.Notify.SuccessAddress, ",") == "cloud-support@example.org"
		},
		"global FAILURE_ADDRESS": func() bool {
			return strings.Join(cfg.Notify.FailureAddress, ",") == "cloud-support@example.org"
		},
		"global SLACK_SUCCESS_HOOK": func() bool {
			return cfg.Notify.SlackSuccessHook == "https://hooks.slack.com/services/T000/B000/XXXX"
		},
		"cdb2rabbit PROFILE_INFO_URL": func() bool {
			return cfg.Watch.ProfileInfoURL == "http://aquilon.example.org/profiles/profiles-info.xml"
		},
		"cdb2rabbit PROFILE_DIR_URL": func() bool { return cfg.Watch.ProfileDirURL == "http://aquilon.example.org/profiles/" },
		"cdb2rabbit PROFILE_MATCH":   func() bool { return cfg.Watch.Matches("h1.testing.internal.json") && !cfg.Watch.Matches("h1.json") },
		"cdb2rabbit CACHE_DIR":       func() bool { return cfg.Watch.CacheDir == "/etc/packer-utils/profiles/" },
		"rabbit2packer THREAD_COUNT": func() bool { return cfg.Builder.ThreadCount == 4 },
		"rabbit2packer LOG_DIR":      func() bool { return cfg.Builder.LogDir == "/etc/packer-utils/log/" },
		"rabbit2packer BUILD_FILE_DIR": func() bool {
			return cfg.Builder.BuildFileDir == "/etc/packer-utils/build/"
		},
		// The case: promotion credentials of the original file.
		"rabbit2packer PACKER_ADMIN_AUTH": func() bool {
			return cfg.Builder.AdminAuthFile == "/etc/packer-utils/admin-auth.sh" &&
				cfg.Promote.AuthFile == "/etc/packer-utils/admin-auth.sh"
		},
		"rabbit2packer PACKER_AUTH_FILE": func() bool {
			return cfg.Builder.PackerAuthFile == "/etc/packer-utils/packer-auth.sh"
		},
		"rabbit2packer PACKER_TEMPLATE_MAP": func() bool {
			return cfg.Builder.PackerTemplateMap == "/etc/packer-utils/template-map.json"
		},
		"rabbit2packer IMAGES_CONFIG": func() bool {
			return cfg.Builder.ImagesConfig == "/etc/packer-utils/source-images.json"
		},
		"rabbit2packer PACKER_PATH": func() bool { return cfg.Builder.PackerPath == "/usr/bin/packer" },
		"rally-image-testing DEPLOYMENT_UUID": func() bool {
			return cfg.Rally.DeploymentUUID == "2b0d1d5e-8a3f-4c62-9f1b-6a0f3c2e7d11"
		},
		"rally-image-testing TASK_LOCATION": func() bool {
			return filepath.Dir(cfg.Rally.TaskFor("any-key")) == "/etc/packer-utils/image-testing-rally/tasks"
		},
		"rally-image-testing LOG_DIR": func() bool { return cfg.Rally.LogDir == "/var/log/image-testing-rally" },
	}
	noticed := map[string]string{
		"rally-image-testing RALLY_CODE_FOLDER": "RALLY_PATH",
		// PACKER_ADMIN_AUTH takes effect; the notice says it is an old name.
		"rabbit2packer PACKER_ADMIN_AUTH": "ADMIN_AUTH_FILE",
	}
	f, err := ini.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	keys := 0
	for _, s := range f.Sections() {
		for _, k := range s.Keys() {
			keys++
			id := s.Name() + " " + k.Name()
			check, hasEffect := effect[id]
			want, hasNotice := noticed[id]
			switch {
			case !hasEffect && !hasNotice:
				t.Errorf("[%s] %s: neither takes effect nor is noticed (no row in this test)", s.Name(), k.Name())
			case hasEffect && !check():
				t.Errorf("[%s] %s = %s did not take effect", s.Name(), k.Name(), k.String())
			}
			if hasNotice && !strings.Contains(notices[id], want) {
				t.Errorf("[%s] %s: notice %q, want one naming %s", s.Name(), k.Name(), notices[id], want)
			}
		}
	}
	if keys != 24 {
		t.Errorf("read %d keys, want the 24 of the original file", keys)
	}
	if msg, ok := notices["promote ENABLED"]; ok {
		t.Errorf("promotion is said to be off although PACKER_ADMIN_AUTH is set: %s", msg)
	}
}

// TestPromotionOffIsSaidLoudly: ENABLED = auto (the default) on a building host without any
// admin credentials promotes nothing; Load says so as a notice naming every way to fix it.
func TestPromotionOffIsSaidLoudly(t *testing.T) {
	t.Setenv("OS_CLOUD", "")
	t.Setenv("OS_AUTH_URL", "")
	cfg, err := Load(write(t, "[rabbit2packer]\nPACKER_TEMPLATE_MAP = /etc/packer-utils/template-map.json\n"))
	if err != nil {
		t.Fatal(err)
	}
	var msg string
	for _, n := range cfg.Notices {
		if n.Section == "promote" && n.Key == "ENABLED" {
			msg = n.String()
		}
	}
	for _, want := range []string{"PROMOTION IS OFF", "PACKER_ADMIN_AUTH", "ADMIN_AUTH_FILE", "OS_CLOUD", "ENABLED = false"} {
		if !strings.Contains(msg, want) {
			t.Errorf("notice %q does not say %q", msg, want)
		}
	}
	t.Setenv("OS_CLOUD", "site")
	if cfg, err = Load(cfg.Path); err != nil {
		t.Fatal(err)
	}
	for _, n := range cfg.Notices {
		if n.Key == "ENABLED" {
			t.Errorf("with OS_CLOUD set: %s", n)
		}
	}
}

// TestLegacyAliases: the old names take effect when the new key is absent, are refused when
// both are set to different values, and point check-config at the key actually written.
func TestLegacyAliases(t *testing.T) {
	dir := t.TempDir()
	cfg, err := Load(write(t, "[cdb2rabbit]\nQUEUE = old-queue\nQUEUE_HOST = old-host\nPROFILE_INFO_URL = http://a/p/profiles-info.xml\n"+
		"[rabbit2packer]\nPACKER_ADMIN_AUTH_FILE = "+filepath.Join(dir, "missing.sh")+"\n"))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Global.Queue != "old-queue" || cfg.Global.RabbitHost != "old-host" {
		t.Errorf("queue %q host %q, want the [cdb2rabbit] values", cfg.Global.Queue, cfg.Global.RabbitHost)
	}
	if cfg.Smoke.AuthFile != filepath.Join(dir, "missing.sh") {
		t.Errorf("smoke auth file %q, want the admin auth file", cfg.Smoke.AuthFile)
	}
	err = Check(cfg)
	if err == nil || !strings.Contains(err.Error(), "[rabbit2packer] PACKER_ADMIN_AUTH_FILE") {
		t.Errorf("Check names %v, want [rabbit2packer] PACKER_ADMIN_AUTH_FILE", err)
	}
	_, err = Load(write(t, "[global]\nQUEUE = new\n[cdb2rabbit]\nQUEUE = old\n"))
	if err == nil || !strings.Contains(err.Error(), "[cdb2rabbit] QUEUE") {
		t.Errorf("two different queues: %v", err)
	}
	cfg, err = Load(write(t, "[global]\nQUEUE = same\n[cdb2rabbit]\nQUEUE = same\n"))
	if err != nil || cfg.Global.Queue != "same" {
		t.Errorf("the same queue twice: %v", err)
	}
}

// TestPackerPathDirectory: a PACKER_PATH naming the directory packer is in runs packer there.
func TestPackerPathDirectory(t *testing.T) {
	dir := t.TempDir()
	cfg, err := Load(write(t, "[rabbit2packer]\nPACKER_PATH = "+dir+"\n"))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Builder.PackerPath != filepath.Join(dir, "packer") {
		t.Errorf("PackerPath = %s", cfg.Builder.PackerPath)
	}
	if len(cfg.Notices) == 0 || !strings.Contains(cfg.Notices[0].Msg, "is a directory") {
		t.Errorf("notices %v", cfg.Notices)
	}
}
