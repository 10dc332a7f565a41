package main

import (
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

var units = []string{"packuilon-builder.service", "packuilon-watch.service", "packuilon-watch-once.service", "packuilon-watch-once.timer"}

// installDeb installs the DEB on this machine (root only: `make test` runs as root in CI), checks
// the user, the directories and their owners, verifies and scores the installed units, runs
// check-config on the installed sample as the packuilon user and a read-only command on a store
// it may not read, then purges the package, and removes the user when the test created it.
func installDeb(t *testing.T, deb string) {
	if os.Geteuid() != 0 {
		t.Skip("installing a package needs root")
	}
	for _, tool := range []string{"dpkg", "setpriv", "systemd-analyze"} {
		requireTool(t, tool)
	}
	if exec.Command("dpkg-query", "-W", "packuilon").Run() == nil {
		t.Skip("packuilon is installed on this machine: not touching it")
	}
	if _, err := os.Stat("/etc/packer-utils"); err == nil {
		t.Skip("/etc/packer-utils exists on this machine: not touching it")
	}
	_, err := user.Lookup("packuilon")
	hadUser := err == nil
	t.Cleanup(func() {
		if out, err := exec.Command("dpkg", "--purge", "packuilon").CombinedOutput(); err != nil {
			t.Errorf("dpkg --purge: %v\n%s", err, out)
		}
		if !hadUser {
			exec.Command("userdel", "packuilon").Run()
			exec.Command("groupdel", "packuilon").Run()
		}
	})
	t.Log(run(t, "dpkg", "-i", deb))

	u, err := user.Lookup("packuilon")
	if err != nil || u.HomeDir != "/var/lib/packuilon" {
		t.Fatalf("packuilon user: %+v, %v", u, err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	for _, d := range []string{"/var/lib/packuilon", "/var/lib/packuilon/build", "/var/lib/packuilon/rally", "/var/log/packuilon", "/var/cache/packuilon", "/var/cache/packuilon/profiles"} {
		checkOwner(t, d, uid, gid, os.ModeDir|0o750)
	}
	for _, f := range []string{"/etc/packer-utils/config.ini", "/etc/packer-utils/packer-auth.sh", "/etc/packer-utils/admin-auth.sh"} {
		checkOwner(t, f, 0, gid, 0o640)
	}

	var paths []string
	for _, unit := range units {
		paths = append(paths, "/usr/lib/systemd/system/"+unit)
	}
	t.Log("systemd-analyze verify: ", run(t, "systemd-analyze", append([]string{"verify"}, paths...)...))
	for _, p := range paths[:3] {
		if e := exposure(t, p); e > maxExposure {
			t.Errorf("installed %s: exposure %.1f", filepath.Base(p), e)
		}
	}

	asPackuilon := func(args ...string) (string, error) {
		out, err := exec.Command("setpriv", append([]string{"--reuid=packuilon", "--regid=packuilon", "--clear-groups", "packuilon"}, args...)...).CombinedOutput()
		return string(out), err
	}
	if out, err := asPackuilon("check-config"); err != nil || out != "/etc/packer-utils/config.ini: ok\n" {
		t.Errorf("check-config of the installed sample: %v\n%s", err, out)
	}
	out := run(t, "/usr/bin/packuilon", "--version")
	if !strings.HasPrefix(out, "packuilon 0.0.0-") && !strings.HasPrefix(out, "packuilon v") {
		t.Errorf("--version: %s", out)
	}
	// The one-shot scan is a regular executable of its own (not a symlink), same version.
	if fi, err := os.Lstat("/usr/bin/packuilon-watch-once"); err != nil || !fi.Mode().IsRegular() || fi.Mode().Perm() != 0o755 {
		t.Errorf("/usr/bin/packuilon-watch-once: %v, %v (want a regular file, 0755)", fi, err)
	}
	if once := run(t, "/usr/bin/packuilon-watch-once", "--version"); once != out {
		t.Errorf("packuilon-watch-once --version: %q, packuilon --version: %q", once, out)
	}

	// A store root made (the old scripts ran as root): the daemon's user gets a clear error.
	dir, err := os.MkdirTemp("", "packuilon-rootstore-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	os.Chmod(dir, 0o755)
	cfg := filepath.Join(dir, "config.ini")
	if err := os.WriteFile(cfg, []byte("[rabbit2packer]\nSTATE_DB = "+dir+"/builds.db\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "builds.db"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err = asPackuilon("status", "--config", cfg)
	if err == nil || !strings.Contains(out, dir+"/builds.db is not readable by user packuilon (owner root") {
		t.Errorf("status on a root-owned store: %v\n%s", err, out)
	}

	t.Log(run(t, "dpkg", "--purge", "packuilon"))
	for _, gone := range []string{"/usr/bin/packuilon", "/usr/bin/packuilon-watch-once", "/var/lib/packuilon", "/etc/packer-utils/config.ini"} {
		if _, err := os.Lstat(gone); err == nil {
			t.Errorf("%s is still there after purge", gone)
		}
	}
}

// checkOwner fails the test unless path has the owner, group and mode given.
func checkOwner(t *testing.T, path string, uid, gid int, mode os.FileMode) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Error(err)
		return
	}
	st := fi.Sys().(*syscall.Stat_t)
	if int(st.Uid) != uid || int(st.Gid) != gid || fi.Mode() != mode {
		t.Errorf("%s: %d:%d %v, want %d:%d %v", path, st.Uid, st.Gid, fi.Mode(), uid, gid, mode)
	}
}
