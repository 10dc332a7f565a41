package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func write(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "config.ini")
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// The config.ini of the original scripts, unchanged.
const original = `[global]
QUEUE = build-queue
RABBIT_HOST = RabbitMQ-host
RABBIT_PORT = 5672
RABBIT_USER = guest
RABBIT_PW = guest

[cdb2rabbit]
PROFILE_INFO_URL = http://server/profiles/profiles-info.xml
PROFILE_DIR_URL = http://server/profiles/
PROFILE_MATCH = .testing.internal.json
CACHE_DIR = /etc/packer-utils/profiles/

[rabbit2packer]
THREAD_COUNT = 4
LOG_DIR = /etc/packer-utils/log/
BUILD_FILE_DIR = /etc/packer-utils/build/
PACKER_AUTH_FILE = /etc/packer-utils/packer-auth.sh
ADMIN_AUTH_FILE = /etc/packer-utils/admin-auth.sh
PACKER_TEMPLATE = /etc/packer-utils/template.json
IMAGES_CONFIG = /etc/packer-utils/source-images.json
`

func TestLoadOriginalUnchanged(t *testing.T) {
	cfg, err := Load(write(t, original))
	if err != nil {
		t.Fatal(err)
	}
	g := cfg.Global
	if g.Queue != "build-queue" || g.RabbitHost != "RabbitMQ-host" || g.RabbitPort != 5672 || g.RabbitVHost != "/" {
		t.Errorf("global = %+v", g)
	}
	if got := g.AMQPURL(); got != "amqp://guest:guest@RabbitMQ-host:5672" {
		t.Errorf("AMQPURL = %s", got)
	}
	if strings.Contains(g.Redacted(), "guest:guest") {
		t.Errorf("Redacted leaks the password: %s", g.Redacted())
	}
	if !cfg.Watch.Matches("host1.testing.internal.json") || cfg.Watch.Matches("host1.prod.json") {
		t.Errorf("PROFILE_MATCH is not a substring match")
	}
	if cfg.Builder.ThreadCount != 4 || cfg.Builder.PackerTemplate != "/etc/packer-utils/template.json" {
		t.Errorf("builder = %+v", cfg.Builder)
	}
}

func TestLoadReportsEveryProblemWithFileAndKey(t *testing.T) {
	p := write(t, `[global]
RABBIT_PORT = seventy
QUEUE = has space
LOG_TARGET = journald
[cdb2rabbit]
PROFILE_INFO_URL = ftp://x/y
PROFILE_MATCH = ([a-
PROFILE_MATCH_REGEX = true
SCHEDULE = every tuesday
MAX_PROFILE_SIZE = lots
LOCK_TIMEOUT = -5
HTTP_TIMEOUT = -1m
[rabbit2packer]
THREAD_COUNT = 0
BUILD_TIMEOUT = soon
`)
	_, err := Load(p)
	ps := AsProblems(err)
	want := []string{"[global] RABBIT_PORT", "[global] QUEUE", "[global] LOG_TARGET", "[cdb2rabbit] PROFILE_INFO_URL",
		"[cdb2rabbit] PROFILE_MATCH", "[cdb2rabbit] SCHEDULE", "[cdb2rabbit] MAX_PROFILE_SIZE",
		"[cdb2rabbit] LOCK_TIMEOUT", "[cdb2rabbit] HTTP_TIMEOUT",
		"[rabbit2packer] THREAD_COUNT", "[rabbit2packer] BUILD_TIMEOUT"}
	if len(ps) < len(want) {
		t.Fatalf("got %d problems, want at least %d:\n%v", len(ps), len(want), err)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), p+": "+w+":") {
			t.Errorf("no problem for %s in:\n%v", w, err)
		}
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "nope.ini"))
	if ps := AsProblems(err); len(ps) != 1 || !strings.Contains(ps[0].Error(), "nope.ini: cannot read") {
		t.Fatalf("err = %v", err)
	}
}

func TestRelativePathsFollowTheConfigFile(t *testing.T) {
	p := write(t, "[rabbit2packer]\nLOG_DIR = log\n")
	cfg, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(filepath.Dir(p), "log"); cfg.Builder.LogDir != want {
		t.Errorf("LOG_DIR = %s, want %s", cfg.Builder.LogDir, want)
	}
}

func TestCheckWatcherOnlyHostNeedsNoBuilderFiles(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "config.ini")
	content := "[cdb2rabbit]\nPROFILE_INFO_URL = http://aquilon.example.org/profiles/profiles-info.xml\nCACHE_DIR = " + dir + "\n"
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := Check(cfg); err != nil {
		t.Fatalf("a watcher-only config should pass Check: %v", err)
	}
	// A builder host with a missing map is reported, naming the key.
	content += "[rabbit2packer]\nPACKER_TEMPLATE_MAP = " + filepath.Join(dir, "missing.json") + "\n"
	os.WriteFile(p, []byte(content), 0o600)
	cfg, err = Load(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := Check(cfg); err == nil || !strings.Contains(err.Error(), "[rabbit2packer] PACKER_TEMPLATE_MAP") {
		t.Fatalf("Check = %v, want a problem naming PACKER_TEMPLATE_MAP", err)
	}
}

func TestReaderValues(t *testing.T) {
	// [cdb2rabbit] gets its keys in place: a section opened twice is a problem (configparser).
	cdb := "[cdb2rabbit]\nMAX_PROFILE_SIZE = 8MiB\nLOCK_TIMEOUT = 0\nPROFILE_MATCH_REGEX = yes\n"
	cfg, err := Load(write(t, strings.Replace(original, "[cdb2rabbit]\n", cdb, 1)+`PREFETCH =
[smoke]
BOOT_TIMEOUT = 90
CONSOLE_TIMEOUT = 2m
`))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name      string
		got, want any
	}{
		{"plain seconds", cfg.Smoke.BootTimeout, 90 * time.Second},
		{"Go duration", cfg.Smoke.ConsoleTimeout, 2 * time.Minute},
		{"zero duration", cfg.Watch.LockTimeout, time.Duration(0)},
		{"binary size suffix", cfg.Watch.MaxProfileSize, int64(8 << 20)},
		{"empty value takes the default", cfg.Builder.Prefetch, 16},
		{"yes is true", cfg.Watch.ProfileMatchRegex != nil, true},
	} {
		if c.got != c.want {
			t.Errorf("%s: got %v, want %v", c.name, c.got, c.want)
		}
	}
}

// TestCheckParsesAuthFiles: an openrc that needs the shell (Horizon's password prompt) is
// reported by check-config with the key, the line and the variable, never the value.
func TestCheckParsesAuthFiles(t *testing.T) {
	dir := t.TempDir()
	good, bad := filepath.Join(dir, "good.sh"), filepath.Join(dir, "bad.sh")
	os.WriteFile(good, []byte("export OS_USERNAME=admin\nexport OS_PASSWORD='s3cret'\n"), 0o600)
	os.WriteFile(bad, []byte("echo 'Please enter your password: '\nread -sr OS_PASSWORD_INPUT\nexport OS_PASSWORD=$OS_PASSWORD_INPUT\n"), 0o600)
	tmpl := filepath.Join(dir, "t.json")
	os.WriteFile(tmpl, []byte(`{"builders": [{"type": "null", "communicator": "none"}]}`), 0o600)
	images := filepath.Join(dir, "images.json")
	os.WriteFile(images, []byte(`{}`), 0o600)
	for _, tc := range []struct {
		name, packerAuth, adminAuth string
		want                        []string
	}{
		{"both good", good, good, nil},
		{"packer auth needs the shell", bad, good, []string{"[rabbit2packer] PACKER_AUTH_FILE", "line 3", "OS_PASSWORD", "shell expansion"}},
		{"admin auth needs the shell", good, bad, []string{"[promote] ADMIN_AUTH_FILE", "line 3"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(dir, "config.ini")
			ini := "[rabbit2packer]\nPACKER_TEMPLATE = " + tmpl + "\nIMAGES_CONFIG = " + images + "\nPACKER_AUTH_FILE = " + tc.packerAuth +
				"\nADMIN_AUTH_FILE = " + tc.adminAuth + "\n"
			os.WriteFile(p, []byte(ini), 0o600)
			cfg, err := Load(p)
			if err != nil {
				t.Fatal(err)
			}
			err = Check(cfg)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("Check = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatal("Check passed an auth file that needs the shell")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Check = %v, want it to mention %q", err, w)
				}
			}
		})
	}
}
