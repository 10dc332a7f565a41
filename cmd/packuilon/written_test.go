package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/packuilon/packuilon/internal/testenv"
)

// TestLogHidesSecretBroughtIntoPath: ADMIN_AUTH_FILE's path is built from a %(name)s reference
// to a secret (RABBIT_PW). `packuilon promote`, run as the real binary against a Keystone that
// is down, logs each retry with the credentials' source (the auth file) and ends with an error
// naming it: its log and messages show the path as written, never the secret.
func TestLogHidesSecretBroughtIntoPath(t *testing.T) {
	const secret = "s3cret-rabbit-pw-4242"
	keystone, err := testenv.HoldPort() // Keystone down: connections refused, retried
	if err != nil {
		t.Fatal(err)
	}
	defer keystone.Close()
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, secret), 0o700); err != nil {
		t.Fatal(err)
	}
	openrc := "export OS_AUTH_URL=http://" + keystone.Addr + "/v3\nexport OS_IDENTITY_API_VERSION=3\n" +
		"export OS_USERNAME=admin\nexport OS_PASSWORD=admin-pw\nexport OS_PROJECT_NAME=admin\n" +
		"export OS_USER_DOMAIN_NAME=Default\nexport OS_PROJECT_DOMAIN_NAME=Default\n"
	if err := os.WriteFile(filepath.Join(dir, secret, "admin-auth.sh"), []byte(openrc), 0o600); err != nil {
		t.Fatal(err)
	}
	cfgPath := filepath.Join(dir, "config.ini")
	ini := "[DEFAULT]\nRABBIT_PW = " + secret + "\n" +
		"[global]\nSTATE_DIR = state/\nLOG_TARGET = stderr\n" +
		"[rabbit2packer]\nADMIN_AUTH_FILE = %(RABBIT_PW)s/admin-auth.sh\n"
	if err := os.WriteFile(cfgPath, []byte(ini), 0o600); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "packuilon")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "promote", "--config", cfgPath, "--image", "0b1e9e42-3e58-4b4b-8a8e-000000000001", "--key", "sl7.managed")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH")} // no OS_* nor JOURNAL_STREAM of the caller
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err == nil {
		t.Fatalf("promote succeeded with Keystone down:\n%s", stdout.String())
	}
	out := stdout.String() + stderr.String()
	t.Logf("output:\n%s", out)
	if strings.Contains(out, secret) {
		t.Errorf("the secret is in the command's log or messages")
	}
	written := "auth file " + filepath.Join(dir, "%(RABBIT_PW)s", "admin-auth.sh")
	if !strings.Contains(stderr.String(), "transient error; retrying") || !strings.Contains(stderr.String(), `credentials="`+written) {
		t.Errorf("no retry log line naming the auth file as written (%q)", written)
	}
	if !strings.Contains(stderr.String(), "packuilon promote: authenticate ("+written) {
		t.Errorf("the error does not name the auth file as written (%q)", written)
	}
}
