package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/spf13/cobra"

	"github.com/packuilon/packuilon/internal/config"
	"github.com/packuilon/packuilon/internal/fsutil"
)

func init() { register(newReloadCmd) }

// verdictFile is the file in the unit's RuntimeDirectory= where a daemon writes the outcome of
// each reload, "<pid> <n> ok" or "<pid> <n> failed: <reason>", n counting its reloads.
const verdictFile = "reload"

// runtimeDir is the unit's RuntimeDirectory= (the first, when systemd lists several).
func runtimeDir() string {
	d, _, _ := strings.Cut(os.Getenv("RUNTIME_DIRECTORY"), ":")
	return d
}

// reloadVerdicts is a daemon's Reloaded callback: under a unit with RuntimeDirectory= it
// writes each reload's verdict for `packuilon reload` (the unit's ExecReload); nil otherwise.
func reloadVerdicts(log hclog.Logger) func(error) {
	dir := runtimeDir()
	if dir == "" {
		return nil
	}
	path := filepath.Join(dir, verdictFile)
	var mu sync.Mutex
	n := 0
	return func(err error) {
		mu.Lock()
		defer mu.Unlock()
		n++
		line := fmt.Sprintf("%d %d ok\n", os.Getpid(), n)
		if err != nil {
			// The reason may quote a path of the configuration: shown as written.
			line = fmt.Sprintf("%d %d failed: %s\n", os.Getpid(), n, strings.ReplaceAll(config.AsWritten(err.Error()), "\n", "; "))
		}
		if werr := fsutil.WriteFile(path, []byte(line), 0o640); werr != nil {
			log.Warn("cannot record the reload's outcome for systemctl reload", "error", werr)
		}
	}
}

// verdict is one line of the verdict file.
type verdict struct {
	pid, n int
	ok     bool
	why    string
}

func readVerdict(path string) verdict {
	data, err := os.ReadFile(path)
	if err != nil {
		return verdict{}
	}
	f := strings.SplitN(strings.TrimSpace(string(data)), " ", 3)
	if len(f) < 3 {
		return verdict{}
	}
	pid, _ := strconv.Atoi(f[0])
	n, _ := strconv.Atoi(f[1])
	return verdict{pid: pid, n: n, ok: f[2] == "ok", why: strings.TrimPrefix(f[2], "failed: ")}
}

func newReloadCmd(env *cmdEnv) *cobra.Command {
	var pid int
	var dir string
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:   "reload --pid PID",
		Short: "make a daemon reload its configuration and wait for its verdict (the units' ExecReload)",
		Long: `Send SIGHUP to the daemon PID and wait until it has tried the new configuration, so that
systemctl reload fails when the daemon refused it (and kept the running one). The daemon writes
its verdict into the unit's RuntimeDirectory= ($RUNTIME_DIRECTORY, or --dir).` +
			exitStatus("0  the daemon runs the new configuration", "1  the daemon refused it (the reason is on stderr), or gave no verdict within --timeout", exitUsage),
		Args:   cobra.NoArgs,
		Hidden: true,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if dir == "" {
				dir = runtimeDir()
			}
			if pid <= 0 || dir == "" {
				return usageError("need --pid and RUNTIME_DIRECTORY (or --dir)")
			}
			return exit(runReload(cmd.Context(), env, pid, filepath.Join(dir, verdictFile), timeout))
		},
	}
	cmd.Flags().IntVar(&pid, "pid", 0, "the daemon's process id ($MAINPID)")
	cmd.Flags().StringVar(&dir, "dir", "", "directory of the verdict file (default $RUNTIME_DIRECTORY)")
	cmd.Flags().DurationVar(&timeout, "timeout", 2*time.Minute, "how long to wait for the verdict")
	return cmd
}

// verdictPoll is how often the verdict file is read: a reload takes a few milliseconds to
// seconds, and the file is tiny.
const verdictPoll = 100 * time.Millisecond

func runReload(ctx context.Context, env *cmdEnv, pid int, path string, timeout time.Duration) int {
	base := 0
	if v := readVerdict(path); v.pid == pid {
		base = v.n
	}
	if err := syscall.Kill(pid, syscall.SIGHUP); err != nil {
		fmt.Fprintf(env.stderr, "packuilon reload: signal process %d: %v\n", pid, err)
		return 1
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	tick := time.NewTicker(verdictPoll)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			fmt.Fprintf(env.stderr, "packuilon reload: no verdict from process %d within %s\n", pid, timeout)
			return 1
		case <-tick.C:
		}
		v := readVerdict(path)
		if v.pid != pid || v.n <= base {
			continue
		}
		if !v.ok {
			fmt.Fprintf(env.stderr, "packuilon reload: the new configuration was refused, the running one is kept: %s\n", v.why)
			return 1
		}
		fmt.Fprintf(env.stdout, "packuilon reload: process %d runs the new configuration\n", pid)
		return 0
	}
}
