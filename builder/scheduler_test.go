package builder

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/packuilon/packuilon/internal/state"
	"github.com/packuilon/packuilon/internal/testenv"
)

// TestRequestsDuringABuildCoalesce sends 100 requests for a key while its build runs: they
// collapse into one pending build with the newest content, so at most 2 builds run and the
// other 99 end superseded.
func TestRequestsDuringABuildCoalesce(t *testing.T) {
	needPacker(t)
	rmq := testenv.SharedRabbit(t)
	g := rmq.Global(testenv.UniqueName(t))
	cfg := loadTree(t, g)
	setAuth(t, cfg, "export PACKUILON_SLEEP=3")
	startDaemon(t, cfg, nil)
	st := openStore(t, cfg)
	first := request("nubesvms", "sha256:first")
	publish(t, g, mustJSON(t, first))
	waitFor(t, 2*time.Minute, "the first build to run packer", func() bool {
		recs := builds(t, st, first.ImageKey)
		return len(recs) == 1 && recs[0].State == state.Building
	})
	var bodies [][]byte
	for i := 1; i <= 100; i++ {
		bodies = append(bodies, mustJSON(t, request("nubesvms", fmt.Sprintf("sha256:%03d", i))))
	}
	publish(t, g, bodies...)
	waitFor(t, 3*time.Minute, "all requests to end", func() bool {
		recs := builds(t, st, first.ImageKey)
		return len(recs) == 101 && allDone(recs)
	})
	recs := builds(t, st, first.ImageKey)
	counts := countStates(recs)
	if counts[state.Succeeded] != 2 || counts[state.Superseded] != 99 {
		t.Fatalf("states = %v, want 2 succeeded and 99 superseded", counts)
	}
	started := 0
	for _, r := range recs {
		if r.Attempt > 0 {
			started++
		}
	}
	if started > 2 {
		t.Errorf("%d builds started, want at most 2", started)
	}
	if newest := recs[0]; newest.State != state.Succeeded || newest.Request.ProfileDigest != "sha256:100" {
		t.Errorf("newest build = %s with %s, want the last request built", newest.State, newest.Request.ProfileDigest)
	}
}

// TestThreadCountAndOneBuildPerKey runs 3 keys, two requests each, with THREAD_COUNT=2. The
// template's shell step records which builds are active each time one starts: never more
// than 2 packer builds, never 2 for one key.
func TestThreadCountAndOneBuildPerKey(t *testing.T) {
	needPacker(t)
	rmq := testenv.SharedRabbit(t)
	g := rmq.Global(testenv.UniqueName(t))
	cfg := loadTree(t, g)
	marks := t.TempDir()
	setAuth(t, cfg, "export PACKUILON_SLEEP=2", "export PACKUILON_MARKDIR="+marks)
	if cfg.Builder.ThreadCount != 2 {
		t.Fatalf("THREAD_COUNT = %d, the tree should say 2", cfg.Builder.ThreadCount)
	}
	procs := &procWatch{}
	startDaemon(t, cfg, procs.started)
	stopWatch := procs.watch()
	st := openStore(t, cfg)
	keys := []string{"alpha", "beta", "gamma"}
	for round := 0; round < 2; round++ {
		var bodies [][]byte
		for _, k := range keys {
			bodies = append(bodies, mustJSON(t, request(k, fmt.Sprintf("sha256:%s%d", k, round))))
		}
		publish(t, g, bodies...)
		if round == 0 {
			waitFor(t, 2*time.Minute, "two builds running", func() bool {
				n := 0
				for _, r := range builds(t, st, "") {
					if r.State == state.Building {
						n++
					}
				}
				return n == 2
			})
		}
	}
	waitFor(t, 5*time.Minute, "all builds to end", func() bool {
		recs := builds(t, st, "")
		return len(recs) == 6 && allDone(recs)
	})
	// gamma's first request waits for a thread, so the second normally supersedes it.
	c := countStates(builds(t, st, ""))
	if c[state.Succeeded]+c[state.Superseded] != 6 || c[state.Succeeded] < 5 {
		t.Fatalf("states = %v, want 5 or 6 succeeded, the rest superseded", c)
	}
	switch most := stopWatch(); {
	case most > 2:
		t.Errorf("%d packer processes alive at once, THREAD_COUNT is 2", most)
	case most == 0:
		t.Error("no packer process was ever seen alive; the process count proves nothing")
	}
	snaps, err := os.ReadFile(filepath.Join(marks, "snapshots"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(snaps)), "\n")
	if len(lines) != c[state.Succeeded] {
		t.Fatalf("%d packer builds recorded, want %d:\n%s", len(lines), c[state.Succeeded], snaps)
	}
	sawTwo := false
	for _, l := range lines {
		active := strings.Fields(l)
		if len(active) > 2 {
			t.Errorf("%d builds active at once (%s), THREAD_COUNT is 2", len(active), l)
		}
		sawTwo = sawTwo || len(active) == 2
		seen := map[string]bool{}
		for _, a := range active {
			key := strings.SplitN(a, ".", 2)[0]
			if seen[key] {
				t.Errorf("two builds of %s at once: %s", key, l)
			}
			seen[key] = true
		}
	}
	if !sawTwo {
		t.Errorf("never 2 builds at once; the test did not exercise the limit:\n%s", snaps)
	}
}

// procWatch counts live packer processes started by the daemon, by scanning /proc.
type procWatch struct {
	mu   sync.Mutex
	pids []int
}

func (p *procWatch) started(pid int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.pids = append(p.pids, pid)
}

// watch samples until stopped and returns the most processes seen alive at once.
func (p *procWatch) watch() (stop func() int) {
	done, result := make(chan struct{}), make(chan int)
	go func() {
		most := 0
		for {
			select {
			case <-done:
				result <- most
				return
			case <-time.After(20 * time.Millisecond):
			}
			p.mu.Lock()
			alive := 0
			for _, pid := range p.pids {
				// a process that exited but was not waited for yet is a zombie: not running
				if stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid)); err == nil && !bytes.Contains(stat, []byte(") Z ")) {
					alive++
				}
			}
			p.mu.Unlock()
			most = max(most, alive)
		}
	}()
	return func() int { close(done); return <-result }
}
