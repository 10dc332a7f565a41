package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2/openstack/image/v2/images"

	"github.com/packuilon/packuilon/internal/testenv"
)

// TestPromoteAndRollbackCommands runs packuilon promote twice and rollback once against a
// private Keystone + Glance, configured the old way: [rabbit2packer] ADMIN_AUTH_FILE.
func TestPromoteAndRollbackCommands(t *testing.T) {
	o := testenv.PrivateOpenStack(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	dir := t.TempDir()
	if err := o.WriteOpenRC(filepath.Join(dir, "admin-auth.sh"), o.Admin); err != nil {
		t.Fatal(err)
	}
	cfgPath := filepath.Join(dir, "config.ini")
	ini := "[global]\nSTATE_DIR = state/\n[rabbit2packer]\nADMIN_AUTH_FILE = admin-auth.sh\n[promote]\nKEEP_WAREHOUSED = 2\n"
	if err := os.WriteFile(cfgPath, []byte(ini), 0o644); err != nil {
		t.Fatal(err)
	}
	img, err := o.ImageClient(ctx, o.Admin)
	if err != nil {
		t.Fatal(err)
	}
	upload := func() string {
		id, err := testenv.UploadImage(ctx, img, images.CreateOpts{Name: "SL7 AQ"})
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	cmd := func(fn func(context.Context, *cmdEnv, []string) int, args ...string) string {
		var out, errOut bytes.Buffer
		if code := fn(ctx, &cmdEnv{stdout: &out, stderr: &errOut}, args); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errOut.String())
		}
		return out.String()
	}
	a, b := upload(), upload()
	cmd(cli("promote"), "--config", cfgPath, "--image", a, "--key", "sl7.managed")
	out := cmd(cli("promote"), "--config", cfgPath, "--image", b, "--key", "sl7.managed")
	if !strings.Contains(out, "warehoused: "+a) {
		t.Fatalf("second promotion did not warehouse the first image:\n%s", out)
	}
	out = cmd(cli("rollback"), "--config", cfgPath, "--key", "sl7.managed")
	if !strings.Contains(out, "current:    "+a+" (SL7 AQ)") || !strings.Contains(out, "warehoused: "+b) {
		t.Fatalf("rollback output:\n%s", out)
	}
}
