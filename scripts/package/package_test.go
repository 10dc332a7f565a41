package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func requireAll() bool { return os.Getenv("PACKUILON_REQUIRE_SERVICES") != "" }

// buildPackages runs what `make package` runs, into a temporary directory, from the top of
// the repository.
func buildPackages(t *testing.T) (deb, rpm string) {
	t.Helper()
	t.Chdir("../..")
	files, err := build("", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		switch filepath.Ext(f) {
		case ".deb":
			deb = f
		case ".rpm":
			rpm = f
		}
	}
	if deb == "" || rpm == "" {
		t.Fatalf("packages: %v", files)
	}
	return deb, rpm
}

// run runs a command (argv, no shell) and returns its combined output; a failure fails the test.
func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// TestPackages builds the packages and inspects the RPM with rpm (the files, the config files
// marked noreplace with their owners, the scriptlets); as root, it installs the DEB for real
// (TestInstallDeb).
func TestPackages(t *testing.T) {
	requireTool(t, "rpm")
	deb, rpmFile := buildPackages(t)
	list := run(t, "rpm", "-qpl", rpmFile)
	for _, f := range []string{"/usr/bin/packuilon", "/usr/bin/packuilon-watch-once", "/usr/lib/systemd/system/packuilon-builder.service",
		"/usr/lib/systemd/system/packuilon-watch-once.timer", "/usr/lib/sysusers.d/packuilon.conf", "/usr/lib/tmpfiles.d/packuilon.conf",
		"/usr/share/man/man1/packuilon-status.1.gz", "/usr/share/man/man1/packuilon-watch-once.1.gz", "/usr/share/bash-completion/completions/packuilon", "/usr/share/doc/packuilon/LICENSE",
		"/etc/packer-utils/rally/boot-and-delete.yaml", "/etc/sysconfig/packuilon"} {
		if !strings.Contains(list, f+"\n") {
			t.Errorf("rpm -qpl: no %s", f)
		}
	}
	flags := run(t, "rpm", "-qp", "--qf", `[%{FILEFLAGS:fflags} %{FILEMODES:perms} %{FILEUSERNAME}:%{FILEGROUPNAME} %{FILENAMES}\n]`, rpmFile)
	for _, want := range []string{"cn -rw-r----- root:packuilon /etc/packer-utils/config.ini", "cn -rw-r----- root:packuilon /etc/packer-utils/packer-auth.sh",
		"cn -rw-r--r-- root:root /etc/packer-utils/template-map.json", "cn -rw-r--r-- root:root /etc/packer-utils/rally.conf",
		// the one-shot scan is its own binary, no longer a symlink to packuilon
		" -rwxr-xr-x root:root /usr/bin/packuilon-watch-once", " -rwxr-xr-x root:root /usr/bin/packuilon"} {
		if !strings.Contains(flags, want+"\n") {
			t.Errorf("rpm file flags: no %q in\n%s", want, flags)
		}
	}
	scripts := run(t, "rpm", "-qp", "--scripts", rpmFile)
	for _, want := range []string{"preinstall scriptlet", "systemd-sysusers", "systemd-tmpfiles --create packuilon.conf", "preuninstall scriptlet", "systemctl disable --now"} {
		if !strings.Contains(scripts, want) {
			t.Errorf("rpm --scripts: no %q", want)
		}
	}
	t.Run("install deb", func(t *testing.T) { installDeb(t, deb) })
}
