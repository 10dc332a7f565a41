package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/packuilon/packuilon/internal/testenv"
)

// TestBuilderStartSaysWhatTheOriginalConfigDoesNotDo starts the real builder daemon with the
// config.ini of the last release of the old scripts, its admin openrc line removed (a site that
// never had one): at start it must say, as warnings, that promotion is off for want of
// credentials and which old keys are not used.
func TestBuilderStartSaysWhatTheOriginalConfigDoesNotDo(t *testing.T) {
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	rabbit := testenv.SharedRabbit(t)
	dir := t.TempDir()
	original, err := os.ReadFile(filepath.Join("..", "internal", "config", "testdata", "original-config.ini"))
	if err != nil {
		t.Fatal(err)
	}
	text := strings.ReplaceAll(string(original), "/etc/packer-utils", dir)
	text = strings.ReplaceAll(text, "/var/log/image-testing-rally", filepath.Join(dir, "rally-log"))
	text = strings.Replace(text, "RABBIT_HOST = RabbitMQ-host", "RABBIT_HOST = 127.0.0.1", 1)
	text = strings.Replace(text, "RABBIT_PORT = 5672", "RABBIT_PORT = "+strconv.Itoa(rabbit.Port), 1)
	text = strings.Replace(text, "QUEUE = build-queue", "QUEUE = "+testenv.UniqueName(t)+"\nSTATE_DIR = state", 1)
	text = strings.Replace(text, "PACKER_ADMIN_AUTH = ", "# PACKER_ADMIN_AUTH = ", 1)
	for _, sub := range []string{"templates", "log", "build", "profiles", "state", "rally-log"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	writeFile(t, filepath.Join(dir, "template-map.json"), `{"DEFAULT": ["`+filepath.Join(dir, "templates", "default.json")+`"]}`)
	writeFile(t, filepath.Join(dir, "templates", "default.json"), testenv.OpenStackTemplate)
	writeFile(t, filepath.Join(dir, "source-images.json"), `{"sl7x-x86_64": "00000000-0000-0000-0000-000000000000"}`)
	writeFile(t, filepath.Join(dir, "packer-auth.sh"), "export OS_AUTH_URL=http://127.0.0.1:1/v3\n")
	cfg := filepath.Join(dir, "config.ini")
	writeFile(t, cfg, text)

	cmd := exec.Command(bin, "builder", "--config", cfg)
	cmd.Env = append(os.Environ(), "OS_CLOUD=", "OS_AUTH_URL=")
	var out testenv.LogBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
	}()
	want := []string{"PROMOTION IS OFF", "RALLY_CODE_FOLDER", "not used", "builder started"}
	deadline := time.Now().Add(90 * time.Second)
	for {
		s := out.String()
		missing := ""
		for _, w := range want {
			if !strings.Contains(s, w) {
				missing = w
			}
		}
		if missing == "" {
			if i, j := strings.Index(s, "PROMOTION IS OFF"), strings.Index(s, "builder started"); i > j {
				t.Errorf("the warning comes after the start:\n%s", s)
			}
			t.Logf("builder start:\n%s", s)
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the builder's start output does not say %q:\n%s", missing, s)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
