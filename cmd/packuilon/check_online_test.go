package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/packuilon/packuilon/internal/testenv"
)

// TestCheckConfigOnlineRetry: `check-config --online` against real services, Keystone answering
// 503 once (restarting) to packer's account: the retry is a log line on stderr, naming the check,
// without the password; stdout keeps one result line per check.
func TestCheckConfigOnlineRetry(t *testing.T) {
	rabbit := testenv.SharedRabbit(t)
	o := testenv.SharedOpenStack(t)
	px := o.StartProxies(t)
	dir := t.TempDir()
	cfg, err := testenv.WriteSite(dir, testenv.SiteOptions{
		Rabbit: rabbit, Queue: testenv.UniqueName(t), Profiles: testenv.NewProfileServer(t, testenv.ProfileServerOptions{}),
		OpenStack: o, Promote: "true", Template: `{"builders": [{"type": "null", "communicator": "none"}]}`,
		SourceImages: map[string]string{"sl7x-x86_64": "0b1e9e42-3e58-4b4b-8a8e-000000000001"},
	})
	if err != nil {
		t.Fatal(err)
	}
	// Packer's auth file is in a directory whose name the configuration writes through a
	// reference (which might bring in a secret): results and log lines show it as written.
	const secretDir = "s3cret-dir-77"
	data, err := os.ReadFile(filepath.Join(dir, "packer-auth.sh"))
	if err == nil {
		err = os.Mkdir(filepath.Join(dir, secretDir), 0o700)
	}
	if err == nil {
		err = os.WriteFile(filepath.Join(dir, secretDir, "packer-auth.sh"), []byte(strings.ReplaceAll(string(data), o.AuthURL, px.AuthURL)), 0o600)
	}
	if err == nil {
		data, err = os.ReadFile(cfg)
	}
	if err == nil {
		err = os.WriteFile(cfg, []byte(strings.Replace(string(data), "PACKER_AUTH_FILE = packer-auth.sh\n",
			"PACKER_AUTH_DIR = "+secretDir+"\nPACKER_AUTH_FILE = %(PACKER_AUTH_DIR)s/packer-auth.sh\n", 1)), 0o600)
	}
	if err != nil {
		t.Fatal(err)
	}
	px.Arm()
	px.Keystone.FailNth(1, testenv.Fail503)
	_, out, errOut := runLine(t, "check-config", "--online", "--config", cfg)
	checks := 0
	for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		switch {
		case strings.HasPrefix(line, "OK   "), strings.HasPrefix(line, "FAIL "), strings.HasPrefix(line, "SKIP "):
			checks++
		case strings.HasPrefix(line, "note: "), line == cfg+": ok":
		default:
			t.Errorf("stdout line is not a result: %q", line)
		}
	}
	if !strings.Contains(out, "OK   keystone+glance for packer") {
		t.Errorf("packer's account is not OK after the retry:\n%s", out)
	}
	if !strings.Contains(errOut, "transient error; retrying") || !strings.Contains(errOut, "keystone+glance for packer") {
		t.Errorf("no retry line on stderr:\n%s", errOut)
	}
	if strings.Contains(out+errOut, o.Admin.Password) {
		t.Errorf("the output contains the password:\n%s\n%s", out, errOut)
	}
	if strings.Contains(out+errOut, secretDir) || !strings.Contains(errOut, "%(PACKER_AUTH_DIR)s/packer-auth.sh") {
		t.Errorf("the auth file's path is not shown as written:\n%s\n%s", out, errOut)
	}
	t.Logf("%d result lines; stderr:\n%s", checks, errOut)
}
