package builder

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/packuilon/packuilon/internal/config"
	"github.com/packuilon/packuilon/internal/state"
	"github.com/packuilon/packuilon/internal/testenv"
)

// scaleTemplate is a packer null build that records, per image key (personality), when it
// started, a tick every 50 ms while it runs, and when it ended, with its shell's pid: the
// intervals show whether two builds of one key ever ran at once, even one whose builder was
// killed (its ticks stop when it really stops).
const scaleTemplate = `{
  "variables": { $METADATA },
  "builders": [ { "type": "null", "communicator": "none" } ],
  "provisioners": [ { "type": "shell-local", "inline": [
    "E=$PACKUILON_EVENTS; K={{user ` + "`AQ_PERSONALITY`" + `}}",
    "echo \"start $K $$ $(date +%s%N)\" >> $E",
    "i=0; while [ $i -lt ${PACKUILON_TICKS:-10} ]; do echo \"tick $K $$ $(date +%s%N)\" >> $E; sleep 0.05; i=$((i+1)); done",
    "echo \"end $K $$ $(date +%s%N)\" >> $E"
  ] } ]
}
`

// cluster is n builder processes ("hosts") sharing one PostgreSQL store and one queue; each
// has its own build and log directories, as separate hosts would.
type cluster struct {
	t        testing.TB
	bin      string
	cfg      *config.Config
	g        config.Global
	configs  []string
	events   string
	mu       sync.Mutex
	procs    []*exec.Cmd
	logFiles []string
	// tail is how many lines of each builder log a failure shows.
	tail int
}

// newCluster prepares n builders on a fresh database with LEASE_TIMEOUT lease; none runs yet.
func newCluster(t testing.TB, n int, lease string, ticks int) *cluster {
	t.Helper()
	needPacker(t)
	rmq := testenv.SharedRabbit(t)
	pg := testenv.SharedPostgres(t)
	c := &cluster{t: t, g: rmq.Global(testenv.UniqueName(t)), procs: make([]*exec.Cmd, n), tail: 25}
	path := copyTree(t)
	dir := filepath.Dir(path)
	c.events = filepath.Join(dir, "events")
	write := func(name, data string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("templates/scale.json", scaleTemplate)
	write("template-map.json", `{"DEFAULT": ["templates/scale.json"]}`)
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	base := strings.NewReplacer("QUEUE = build-queue", "QUEUE = "+c.g.Queue,
		"RABBIT_HOST = localhost", "RABBIT_HOST = 127.0.0.1",
		"RABBIT_PORT = 5672", fmt.Sprintf("RABBIT_PORT = %d\nLOG_LEVEL = %s", c.g.RabbitPort, logLevel()),
		"KEEP_LOGS = 3", fmt.Sprintf("KEEP_LOGS = 100\nSTATE_DB = %s\nSTATE_DB_PASSWORD_FILE = %s\nLEASE_TIMEOUT = %s",
			pg.NewDatabase(t), pg.PasswordFile, lease)).Replace(string(raw))
	for i := 0; i < n; i++ {
		host := strings.NewReplacer("LOG_DIR = log/", fmt.Sprintf("LOG_DIR = log-%d/", i),
			"BUILD_FILE_DIR = build/", fmt.Sprintf("BUILD_FILE_DIR = build-%d/", i)).Replace(base)
		name := fmt.Sprintf("config-%d.ini", i)
		write(name, host)
		c.configs = append(c.configs, filepath.Join(dir, name))
		c.logFiles = append(c.logFiles, filepath.Join(dir, fmt.Sprintf("builder-%d.log", i)))
	}
	if c.cfg, err = config.Load(c.configs[0]); err != nil {
		t.Fatal(err)
	}
	setAuth(t, c.cfg, "export PACKUILON_EVENTS="+c.events, fmt.Sprintf("export PACKUILON_TICKS=%d", ticks))
	c.bin = buildBinary(t)
	t.Cleanup(func() {
		if t.Failed() && os.Getenv("PACKUILON_STACKS") != "" {
			c.signalAll(syscall.SIGQUIT) // goroutine dumps into the builders' logs
		}
		c.stopAll()
		if t.Failed() {
			c.dump()
		}
	})
	return c
}

// start starts builder i (it must not be running).
func (c *cluster) start(i int) {
	c.t.Helper()
	out, err := os.OpenFile(c.logFiles[i], os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		c.t.Fatal(err)
	}
	defer out.Close()
	cmd := exec.Command(c.bin, "builder", "--config", c.configs[i])
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		c.t.Fatal(err)
	}
	c.mu.Lock()
	c.procs[i] = cmd
	c.mu.Unlock()
}

// kill SIGKILLs builder i and returns its owner id prefix ("host/pid/") and when it died.
func (c *cluster) kill(i int) (string, time.Time) {
	c.mu.Lock()
	cmd := c.procs[i]
	c.procs[i] = nil
	c.mu.Unlock()
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	host, _ := os.Hostname()
	return fmt.Sprintf("%s/%d/", strings.ReplaceAll(host, "/", "_"), cmd.Process.Pid), time.Now()
}

// running reports whether builder i runs.
func (c *cluster) running(i int) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.procs[i] != nil
}

// signalAll sends sig to every running builder and waits for it to exit.
func (c *cluster) signalAll(sig syscall.Signal) {
	c.mu.Lock()
	procs := c.procs
	c.procs = make([]*exec.Cmd, len(procs))
	c.mu.Unlock()
	for _, cmd := range procs {
		if cmd != nil {
			cmd.Process.Signal(sig)
			cmd.Wait()
		}
	}
}

// stopAll stops every running builder with SIGTERM.
func (c *cluster) stopAll() {
	c.mu.Lock()
	procs := c.procs
	c.procs = make([]*exec.Cmd, len(procs))
	c.mu.Unlock()
	for _, cmd := range procs {
		if cmd != nil {
			cmd.Process.Signal(syscall.SIGTERM)
		}
	}
	for _, cmd := range procs {
		if cmd != nil {
			cmd.Wait()
		}
	}
}

// store opens the shared store as the CLI would.
func (c *cluster) store() *state.Store {
	c.t.Helper()
	st, err := state.Open(c.cfg.Builder.StateDB, state.WithPasswordFile(c.cfg.Builder.StateDBPasswordFile))
	if err != nil {
		c.t.Fatal(err)
	}
	c.t.Cleanup(func() { st.Close() })
	return st
}

// run is one null build as its events show it: from start to its last sign of life.
type run struct {
	key        string
	pid        string
	start, end time.Time
	ended      bool
}

// runs reads the events file into runs per key, ordered by start.
func (c *cluster) runs() map[string][]run {
	c.t.Helper()
	f, err := os.Open(c.events)
	if err != nil {
		c.t.Fatal(err)
	}
	defer f.Close()
	byPid := map[string]*run{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		if len(fs) != 4 {
			c.t.Fatalf("bad event line %q", sc.Text())
		}
		ns, _ := strconv.ParseInt(fs[3], 10, 64)
		at := time.Unix(0, ns)
		id := fs[1] + "/" + fs[2]
		r := byPid[id]
		if r == nil {
			r = &run{key: fs[1], pid: fs[2], start: at}
			byPid[id] = r
		}
		if at.After(r.end) {
			r.end = at
		}
		r.ended = r.ended || fs[0] == "end"
	}
	out := map[string][]run{}
	for _, r := range byPid {
		out[r.key] = append(out[r.key], *r)
	}
	for _, rs := range out {
		sort.Slice(rs, func(i, j int) bool { return rs[i].start.Before(rs[j].start) })
	}
	return out
}

// dump logs the builders' logs' tails and the builds that did not end, for a failed test.
func (c *cluster) dump() {
	for _, p := range c.logFiles {
		data, _ := os.ReadFile(p)
		lines := strings.Split(string(data), "\n")
		c.t.Logf("== %s (last lines)\n%s", filepath.Base(p), strings.Join(lines[max(0, len(lines)-c.tail):], "\n"))
	}
	st, err := state.Open(c.cfg.Builder.StateDB, state.WithPasswordFile(c.cfg.Builder.StateDBPasswordFile))
	if err != nil {
		return
	}
	defer st.Close()
	recs, _ := st.List(context.Background(), state.Filter{Limit: 10000})
	for _, r := range recs {
		if !r.State.Terminal() {
			j, _ := st.Journal(context.Background(), r.ID)
			c.t.Logf("not ended: %s %s %s at %q: %+v", r.ID, r.ImageKey, r.State, r.Stage, j)
		}
	}
	held, _ := st.Leases(context.Background())
	c.t.Logf("leases: %+v", held)
}

// logLevel is the builders' LOG_LEVEL: debug with PACKUILON_STACKS set (investigating a failure).
func logLevel() string {
	if os.Getenv("PACKUILON_STACKS") != "" {
		return "trace"
	}
	return "info"
}

// indexOf returns the index of the running builder whose owner id is owner.
func (c *cluster) indexOf(owner state.Owner) int {
	c.t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, cmd := range c.procs {
		if cmd != nil && strings.Contains(string(owner), fmt.Sprintf("/%d/", cmd.Process.Pid)) {
			return i
		}
	}
	c.t.Fatalf("no running builder is %s", owner)
	return -1
}

// pid returns the process id of running builder i.
func (c *cluster) pid(i int) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.procs[i].Process.Pid
}
