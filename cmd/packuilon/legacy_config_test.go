package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2/openstack/image/v2/images"

	"github.com/packuilon/packuilon/internal/testenv"
)

// TestOriginalConfigINIAgainstRealGlance takes the config.ini of the last release of the old
// scripts as it is (internal/config/testdata/original-config.ini, only /etc/packer-utils and
// the Rally log directory moved into a temporary directory), with the admin openrc of a real
// Keystone at [rabbit2packer] PACKER_ADMIN_AUTH: check-config passes and notes the key that is
// not used, and `packuilon promote` promotes with those credentials. Without PACKER_ADMIN_AUTH,
// check-config says loudly that promotion is off.
func TestOriginalConfigINIAgainstRealGlance(t *testing.T) {
	o := testenv.PrivateOpenStack(t)
	t.Setenv("OS_CLOUD", "")
	t.Setenv("OS_AUTH_URL", "")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	dir := t.TempDir()
	text := writeOriginalTree(t, dir)
	for _, name := range []string{"packer-auth.sh", "admin-auth.sh"} {
		if err := o.WriteOpenRC(filepath.Join(dir, name), o.Admin); err != nil {
			t.Fatal(err)
		}
	}
	cfgPath := filepath.Join(dir, "config.ini")
	// The build store's directory: the one key the old file does not have (its default is
	// /var/lib/packuilon).
	if err := os.WriteFile(cfgPath, []byte(strings.Replace(text, "[global]\n", "[global]\nSTATE_DIR = state/\n", 1)), 0o600); err != nil {
		t.Fatal(err)
	}

	code, out, errOut := runLine(t, "check-config", "--config", cfgPath)
	if code != 0 {
		t.Fatalf("check-config of the original file: exit %d\n%s%s", code, out, errOut)
	}
	if !strings.Contains(out, "[rally-image-testing] RALLY_CODE_FOLDER: not used") || strings.Contains(out, "PROMOTION IS OFF") {
		t.Errorf("check-config notes:\n%s", out)
	}

	img, err := o.ImageClient(ctx, o.Admin)
	if err != nil {
		t.Fatal(err)
	}
	id, err := testenv.UploadImage(ctx, img, images.CreateOpts{Name: "candidate"})
	if err != nil {
		t.Fatal(err)
	}
	code, out, errOut = runLine(t, "promote", "--config", cfgPath, "--image", id, "--key", "sl7.managed")
	if code != 0 {
		t.Fatalf("promote with [rabbit2packer] PACKER_ADMIN_AUTH: exit %d\n%s%s", code, out, errOut)
	}

	without := strings.Replace(string(mustRead(t, cfgPath)), "PACKER_ADMIN_AUTH =", "# PACKER_ADMIN_AUTH =", 1)
	if err := os.WriteFile(cfgPath, []byte(without), 0o600); err != nil {
		t.Fatal(err)
	}
	_, out, _ = runLine(t, "check-config", "--config", cfgPath)
	if !strings.Contains(out, "[promote] ENABLED: PROMOTION IS OFF") {
		t.Errorf("without admin credentials check-config does not say promotion is off:\n%s", out)
	}
}

// writeOriginalTree writes under dir the files internal/config/testdata/original-config.ini
// names (with /etc/packer-utils and the Rally log directory moved to dir), but for the two
// openrc files, and returns that configuration's text.
func writeOriginalTree(t *testing.T, dir string) string {
	t.Helper()
	original, err := os.ReadFile(filepath.Join("..", "..", "internal", "config", "testdata", "original-config.ini"))
	if err != nil {
		t.Fatal(err)
	}
	text := strings.ReplaceAll(string(original), "/etc/packer-utils", dir)
	text = strings.ReplaceAll(text, "/var/log/image-testing-rally", filepath.Join(dir, "rally-log"))
	files := map[string]string{
		"template-map.json":      `{"DEFAULT": ["` + filepath.Join(dir, "templates", "default.json") + `"]}`,
		"templates/default.json": testenv.OpenStackTemplate,
		"source-images.json":     `{"sl7x-x86_64": "00000000-0000-0000-0000-000000000000"}`,
	}
	for _, sub := range []string{"templates", "log", "build", "profiles", "image-testing-rally/tasks", "rally-log"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return text
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestCheckConfigDefaultSection: the original file with the broker and IMAGES_CONFIG moved to
// a [DEFAULT] section, as configparser allowed, passes check-config (IMAGES_CONFIG's default
// names no file); a typo in [DEFAULT] is one problem
// line that names [DEFAULT].
func TestCheckConfigDefaultSection(t *testing.T) {
	dir := t.TempDir()
	text := writeOriginalTree(t, dir)
	writeAuthFiles(t, dir, "Rc-secret-5")
	defaults := "[DEFAULT]\nLOG_DIR = " + filepath.Join(dir, "log") + "\nSTATE_DIR = state/\n"
	for _, key := range []string{"RABBIT_HOST", "RABBIT_USER", "RABBIT_PW", "IMAGES_CONFIG"} {
		i := strings.Index(text, key+" = ")
		line := text[i : i+strings.IndexByte(text[i:], '\n')+1]
		text = strings.Replace(text, line, "", 1)
		defaults += line
	}
	cfgPath := filepath.Join(dir, "config.ini")
	if err := os.WriteFile(cfgPath, []byte(defaults+"\n"+text), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runLine(t, "check-config", "--config", cfgPath)
	if code != 0 || strings.Contains(out, "DEFAULT") {
		t.Fatalf("check-config with [DEFAULT]: exit %d\n%s%s", code, out, errOut)
	}

	typo := strings.Replace(defaults, "RABBIT_USER", "RABIT_USER", 1)
	if err := os.WriteFile(cfgPath, []byte(typo+"\n"+text), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, errOut = runLine(t, "check-config", "--config", cfgPath)
	want := cfgPath + ": [DEFAULT] RABIT_USER: unknown key (no section reads it); did you mean RABBIT_USER?\n1 problem(s) in " + cfgPath + "\n"
	if code != 1 || errOut != want {
		t.Errorf("check-config with a typo in [DEFAULT]: exit %d\n%s", code, errOut)
	}
}
