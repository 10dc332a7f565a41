package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// mdwe runs argv with the kernel's memory-deny-write-execute on (prctl PR_SET_MDWE, Linux 6.3;
// what the units' MemoryDenyWriteExecute=yes enforces through seccomp), through a few lines of
// Python: the Go runtime cannot prctl between fork and exec.
const mdwe = `import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
if libc.prctl(65, 1, 0, 0, 0) != 0:
    sys.exit("prctl PR_SET_MDWE: errno %d" % ctypes.get_errno())
os.execvp(sys.argv[1], sys.argv[1:])
`

// TestChildrenRunWithoutWriteExecute runs packer and rally (creating a Rally database) with
// write-and-execute memory denied, as the builder unit runs them: MemoryDenyWriteExecute=yes
// must not break them.
func TestChildrenRunWithoutWriteExecute(t *testing.T) {
	for _, tool := range []string{"python3", "packer", "rally"} {
		requireTool(t, tool)
	}
	dir := t.TempDir()
	conf := filepath.Join(dir, "rally.conf")
	if err := os.WriteFile(conf, []byte("[database]\nconnection = sqlite:///"+filepath.Join(dir, "rally.sqlite")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, argv := range [][]string{
		{"packer", "version"},
		{"rally", "--config-file", conf, "db", "create"},
		{"rally", "--config-file", conf, "deployment", "list"},
	} {
		cmd := exec.Command("python3", append([]string{"-c", mdwe}, argv...)...)
		cmd.Env = append(os.Environ(), "HOME="+dir)
		out, err := cmd.CombinedOutput()
		if strings.Contains(string(out), "prctl PR_SET_MDWE") {
			t.Skipf("this kernel has no PR_SET_MDWE: %s", out)
		}
		if err != nil {
			t.Errorf("%s with write-execute denied: %v\n%s", strings.Join(argv, " "), err, out)
		}
	}
}
