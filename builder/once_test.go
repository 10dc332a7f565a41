package builder

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/packuilon/packuilon/internal/config"
	"github.com/packuilon/packuilon/internal/state"
)

// TestBuildCommandOneShot runs packuilon build without a broker: a build, the same request
// again (skipped: same fingerprint), and forced (built again); each recorded in the store.
func TestBuildCommandOneShot(t *testing.T) {
	needPacker(t)
	cfgPath := copyTree(t)
	bin := buildBinary(t)
	cases := []struct {
		name  string
		args  []string
		state state.State
	}{
		{"first build", []string{"--personality", "oneshot"}, state.Succeeded},
		{"same inputs", []string{"--personality", "oneshot"}, state.Skipped},
		{"forced", []string{"--personality", "oneshot", "--force"}, state.Succeeded},
		{"forced again", []string{"--personality", "oneshot", "--force"}, state.Succeeded},
		{"and again", []string{"--personality", "oneshot", "--force"}, state.Succeeded},
		{"profile file", []string{"testdata/profile-domain-sl7.json"}, state.Succeeded},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			args := append([]string{"build", "--config", cfgPath, "--json"}, c.args...)
			out, err := exec.Command(bin, args...).Output()
			if err != nil {
				t.Fatalf("packuilon build: %v\n%s", err, out)
			}
			var rec state.Record
			if err := json.Unmarshal(out, &rec); err != nil {
				t.Fatalf("output is not a build record: %v\n%s", err, out)
			}
			if rec.State != c.state {
				t.Errorf("state = %s (%s), want %s", rec.State, rec.Message, c.state)
			}
		})
	}
	// KEEP_LOGS = 3 in the tree: 4 builds of oneshot leave the newest 3 logs and build files.
	root := filepath.Dir(cfgPath)
	for _, dir := range []string{"log", "build"} {
		files, _ := filepath.Glob(filepath.Join(root, dir, "oneshot-sl7x-x86_64.*"))
		if len(files) != 3 {
			t.Errorf("%s holds %d files of oneshot, want 3 (KEEP_LOGS): %v", dir, len(files), files)
		}
	}
	// The password in packer-auth.sh reaches packer's environment, never a log or the store.
	status, err := exec.Command(bin, "status", "--config", cfgPath, "--json").Output()
	if err != nil {
		t.Fatal(err)
	}
	logs, _ := filepath.Glob(filepath.Join(root, "log", "*"))
	for _, f := range append(logs, filepath.Join(root, "state", "builds.db")) {
		data, _ := os.ReadFile(f)
		if bytes.Contains(data, []byte("s3cr")) {
			t.Errorf("%s contains the password", f)
		}
	}
	if bytes.Contains(status, []byte("s3cr")) {
		t.Error("status output contains the password")
	}
}

// TestBuildTimeout: a packer run longer than BUILD_TIMEOUT is interrupted and the build fails
// at the packer stage saying so.
func TestBuildTimeout(t *testing.T) {
	needPacker(t)
	cfg, err := config.Load(copyTree(t))
	if err != nil {
		t.Fatal(err)
	}
	cfg.Builder.BuildTimeout, cfg.Builder.KillGrace = time.Second, 2*time.Second
	setAuth(t, cfg, "export PACKUILON_SLEEP=60")
	rec, err := BuildOnce(context.Background(), Options{Config: cfg, Log: hclog.NewNullLogger()}, request("slow", ""))
	if err != nil {
		t.Fatal(err)
	}
	if rec.State != state.Failed || rec.Stage != "packer" || !strings.Contains(rec.Message, "build timed out after 1s") {
		t.Fatalf("build = %s at %s: %q; want failed at packer, timed out", rec.State, rec.Stage, rec.Message)
	}
}

// TestBuildRefusesBesideTheDaemon: packuilon build and a builder daemon never share a store.
func TestBuildRefusesBesideTheDaemon(t *testing.T) {
	cfg, err := config.Load(copyTree(t))
	if err != nil {
		t.Fatal(err)
	}
	st := openStore(t, cfg)
	unlock, err := st.LockDaemon() // as a running daemon holds it
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	_, err = BuildOnce(context.Background(), Options{Config: cfg, Log: hclog.NewNullLogger()}, request("x", ""))
	if !errors.Is(err, state.ErrLocked) {
		t.Fatalf("err = %v, want ErrLocked", err)
	}
}
