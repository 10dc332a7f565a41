package builder

import (
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/packuilon/packuilon/internal/state"
	"github.com/packuilon/packuilon/internal/testenv"
)

// chaosTemplate's provisioner takes a per-key lock for its whole run (flock on a file of the
// key): a second run of the key that starts while the first still runs (or while a process
// the first left behind holds the lock) records an overlap. Every run records its start and
// end, with its shell's pid.
const chaosTemplate = `{
  "variables": { $METADATA },
  "builders": [ { "type": "null", "communicator": "none" } ],
  "provisioners": [ { "type": "shell-local", "inline": [
    "M=$PACKUILON_MARKDIR; P={{user ` + "`AQ_PERSONALITY`" + `}}",
    "exec 9>>\"$M/lock.$P\"",
    "flock -n 9 || echo \"$P $$\" >> \"$M/overlaps\"",
    "echo \"start $P $$\" >> \"$M/events\"",
    "sleep ${PACKUILON_SLEEP:-0}",
    "echo \"end $P $$\" >> \"$M/events\""
  ] } ]
}
`

// TestChaosKilledBuilder SIGKILLs the builder binary at random moments while packer runs and
// starts it again, many times, with requests for several keys queued: no two runs of one key
// ever overlap (the restarted builder waits for, then kills, what its predecessor's packer left
// running before it resumes the build), nothing is lost (every key's newest request ends
// built), and no process of any packer run outlives the test.
func TestChaosKilledBuilder(t *testing.T) {
	needPacker(t)
	if _, err := exec.LookPath("flock"); err != nil {
		t.Skip("flock (util-linux) is not installed")
	}
	rmq := testenv.SharedRabbit(t)
	g := rmq.Global(testenv.UniqueName(t))
	cfgPath, cfg := treeForBroker(t, g)
	tree := filepath.Dir(cfgPath)
	ini, err := os.ReadFile(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	ini = []byte(strings.Replace(string(ini), "KILL_GRACE = 10s", "KILL_GRACE = 2s", 1))
	if err := os.WriteFile(cfgPath, ini, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(tree, "templates", "managed.json"), []byte(chaosTemplate), 0o644); err != nil {
		t.Fatal(err)
	}
	marks := t.TempDir()
	setAuth(t, cfg, "export PACKUILON_SLEEP=3", "export PACKUILON_MARKDIR="+marks)
	bin := buildBinary(t)
	st := openStore(t, cfg)

	keys := []string{"k0", "k1", "k2", "k3", "k4"}
	newest := map[string]string{}
	var bodies [][]byte
	for i := range 12 {
		k := keys[i%len(keys)]
		digest := fmt.Sprintf("sha256:%s-%d", k, i)
		newest[request(k, "").ImageKey] = digest
		bodies = append(bodies, mustJSON(t, request(k, digest)))
	}
	builder := startBinary(t, bin, cfgPath)
	publish(t, g, bodies...)

	seed := time.Now().UnixNano()
	rng := rand.New(rand.NewPCG(uint64(seed), 0))
	t.Logf("chaos seed %d", seed)
	const kills = 10
	var orphans []int
	for i := range kills {
		waitFor(t, 2*time.Minute, "a packer run", func() bool { return len(treeProcs(t, tree)) > 0 })
		time.Sleep(time.Duration(rng.Int64N(int64(3 * time.Second))))
		if err := builder.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		builder.Wait()
		time.Sleep(time.Second) // what the killed builder left running, as measured in the issue
		orphans = append(orphans, len(treeProcs(t, tree)))
		t.Logf("kill %d: %d processes of packer runs alive 1s after the kill", i+1, orphans[i])
		builder = startBinary(t, bin, cfgPath)
	}
	waitFor(t, 5*time.Minute, "every build to end", func() bool { return allDone(builds(t, st, "")) })
	builder.Process.Signal(syscall.SIGTERM)
	builder.Wait()

	// Nothing lost: every key's newest request was built; nothing failed.
	for key, digest := range newest {
		ok := false
		for _, r := range builds(t, st, key) {
			if r.State == state.Failed {
				t.Errorf("build %s of %s failed: %s", r.ID, key, r.Message)
			}
			ok = ok || (r.Request.ProfileDigest == digest && r.State == state.Succeeded)
		}
		if !ok {
			t.Errorf("the newest request of %s (%s) was not built: %v", key, digest, countStates(builds(t, st, key)))
		}
	}
	// No overlap of two runs of one key.
	overlaps, _ := os.ReadFile(filepath.Join(marks, "overlaps"))
	events, _ := os.ReadFile(filepath.Join(marks, "events"))
	n := strings.Count(string(overlaps), "\n")
	if n > 0 {
		t.Errorf("%d runs started while another run of their key held its lock:\n%s", n, overlaps)
	}
	// No process outlives the test: neither packer nor any provisioner shell.
	left := treeProcs(t, tree)
	for _, f := range strings.Fields(string(events)) {
		if pid, err := strconv.Atoi(f); err == nil && alive(pid) {
			left = append(left, pid)
		}
	}
	if len(left) > 0 {
		t.Errorf("processes of packer runs alive after the builder stopped: %v", left)
	}
	t.Logf("chaos figures: %d kills, %d runs started, %d ended, %d overlaps, orphans 1s after each kill %v, processes left at the end %d",
		kills, strings.Count(string(events), "start "), strings.Count(string(events), "end "), n, orphans, len(left))
}

// treeProcs returns the live processes working in the tree (packer runs in the template's
// directory, and its plugins and provisioners inherit it).
func treeProcs(t *testing.T, tree string) []int {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		cwd, err := os.Readlink(filepath.Join("/proc", e.Name(), "cwd"))
		if err == nil && strings.HasPrefix(cwd, tree) && alive(pid) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// alive reports whether pid runs (a zombie waits only to be reaped by init).
func alive(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	i := strings.LastIndexByte(string(b), ')')
	return i > 0 && i+2 < len(b) && b[i+2] != 'Z'
}
