package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/packuilon/packuilon/internal/state"
)

// cli returns a function that runs `packuilon name args...`, as the tests of the commands call them.
func cli(name string) func(context.Context, *cmdEnv, []string) int {
	return func(ctx context.Context, env *cmdEnv, args []string) int {
		return execute(ctx, env, append([]string{name}, args...))
	}
}

// runLine runs one command line and returns its exit status, stdout and stderr.
func runLine(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := execute(context.Background(), &cmdEnv{stdout: &out, stderr: &errOut}, args)
	return code, out.String(), errOut.String()
}

// TestCLIManners checks the conventions operators expect: help on stdout with exit 0, --version,
// "did you mean", flags after positionals, exit codes in each command's help, usage errors exit 2.
func TestCLIManners(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		code    int
		stdout  string // substring expected on stdout
		stderr  string // substring expected on stderr
		noStdio bool   // nothing at all on stdout
	}{
		{"root help", []string{"--help"}, 0, "Available Commands:", "", false},
		{"command help", []string{"status", "--help"}, 0, "Exit status:", "", false},
		{"help command", []string{"help", "status"}, 0, "--limit int", "", false},
		{"short help", []string{"show", "-h"}, 0, "2  usage error, or no such build", "", false},
		{"version flag", []string{"--version"}, 0, "packuilon ", "", false},
		{"version command", []string{"version"}, 0, "packuilon ", "", false},
		{"did you mean", []string{"statsu"}, 2, "", "Did you mean this?\n\tstatus", true},
		{"unknown flag", []string{"status", "--bogus"}, 2, "", "unknown flag: --bogus", true},
		{"missing argument", []string{"show"}, 2, "", "accepts 1 arg(s)", true},
		{"required flag", []string{"promote", "--key", "k"}, 2, "", `required flag(s) "image" not set`, true},
		{"completion", []string{"completion", "bash"}, 0, "bash completion", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runLine(t, tc.args...)
			if code != tc.code || !strings.Contains(out, tc.stdout) || !strings.Contains(errOut, tc.stderr) || (tc.noStdio && out != "") {
				t.Fatalf("%v: exit %d (want %d)\nstdout:\n%s\nstderr:\n%s", tc.args, code, tc.code, out, errOut)
			}
		})
	}
	// Every command documents its exit statuses.
	for _, c := range newRoot(&cmdEnv{}).Commands() {
		if c.Name() != "help" && c.Name() != "completion" && !strings.Contains(c.Long, "Exit status:") {
			t.Errorf("%s: no exit statuses in its help", c.Name())
		}
	}
}

// TestReadOnlyCommandsDoNotWrite runs status and show against a missing store and an existing one:
// the missing one is reported (not created), the existing one's directory is unchanged after,
// and --config works before the command name and flags after the positional argument.
func TestReadOnlyCommandsDoNotWrite(t *testing.T) {
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "config.ini")
	if err := os.WriteFile(cfgPath, []byte("[global]\nLOG_TARGET = syslog\n[rabbit2packer]\nSTATE_DB = state/builds.db\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := runLine(t, "--config", cfgPath, "status")
	if code != 1 || !strings.Contains(errOut, "no build store at "+filepath.Join(dir, "state", "builds.db")) {
		t.Fatalf("status without a store: exit %d: %s", code, errOut)
	}
	if _, err := os.Stat(filepath.Join(dir, "state")); !os.IsNotExist(err) {
		t.Fatalf("status created the store's directory: %v", err)
	}
	st, err := state.Open(filepath.Join(dir, "state", "builds.db"))
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	before := listDir(t, filepath.Join(dir, "state"))
	if code, out, errOut := runLine(t, "status", "--json", "--config", cfgPath); code != 0 || strings.TrimSpace(out) != "[]" {
		t.Fatalf("status: exit %d: %s%s", code, out, errOut)
	}
	if code, _, errOut := runLine(t, "show", "no-such-build", "--config", cfgPath, "--json"); code != 2 || !strings.Contains(errOut, "no such build") {
		t.Fatalf("show: exit %d: %s", code, errOut)
	}
	if after := listDir(t, filepath.Join(dir, "state")); !reflect.DeepEqual(before, after) {
		t.Fatalf("read-only commands changed the store's directory: %v -> %v", before, after)
	}
}

func listDir(t *testing.T, dir string) map[string]string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]string{}
	for _, e := range ents {
		fi, err := e.Info()
		if err != nil {
			t.Fatal(err)
		}
		m[e.Name()] = fi.ModTime().String() + " " + fi.Mode().String()
	}
	return m
}
