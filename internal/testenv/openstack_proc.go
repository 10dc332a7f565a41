package testenv

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/packuilon/packuilon/internal/procgroup"
)

// lookPath finds a program, preferring /usr/bin: the Debian OpenStack tools need the system
// python, and a pyenv shim earlier in PATH would shadow it for anything we exec by name.
func lookPath(p string) (string, error) {
	if filepath.IsAbs(p) {
		_, err := os.Stat(p)
		return p, err
	}
	for _, dir := range []string{"/usr/bin", "/usr/sbin"} {
		if _, err := os.Stat(filepath.Join(dir, p)); err == nil {
			return filepath.Join(dir, p), nil
		}
	}
	return exec.LookPath(p)
}

// service is one long-running child process in its own process group (its id is the
// leader's pid). The leader is not reaped before stop (see waitExited).
type service struct {
	name string
	cmd  *exec.Cmd
	// exited is closed once the leader has exited (not reaped yet).
	exited chan struct{}
	// group is the service's process group, described while its leader ran.
	group    procgroup.Group
	out      *os.File
	stopOnce sync.Once
}

// startService starts argv with env added, output appended to log/<name>.out.
func startService(dir, name string, env []string, argv ...string) (*service, error) {
	bin, err := lookPath(argv[0])
	if err != nil {
		return nil, err
	}
	out, err := os.OpenFile(filepath.Join(dir, "log", name+".out"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, argv[1:]...)
	cmd.Env = append(append(systemPathEnv(), "HOME="+filepath.Join(dir, "home")), env...)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = out, out
	// Pdeathsig: a test binary killed by its timeout (os.Exit, no cleanup) must not leave
	// Keystone and Glance running on the shared machine. Go does not end its OS threads while
	// the process lives, so the signal only comes when the test process is gone.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	if err := cmd.Start(); err != nil {
		out.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	s := &service{name: name, cmd: cmd, exited: make(chan struct{}), out: out}
	// The leader is not reaped before stop, so its /proc entry is there to describe even if
	// it exited at once.
	if s.group, err = procgroup.Describe(cmd.Process.Pid); err != nil {
		procgroup.Signal(cmd.Process.Pid, syscall.SIGKILL) //nolint:errcheck // not reaped: the group is still ours
		cmd.Wait()                                         //nolint:errcheck // it failed to start
		out.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	go func() { waitExited(cmd.Process.Pid); close(s.exited) }() //nolint:errcheck // ECHILD: nothing to wait for
	return s, nil
}

// stop ends the service's whole process group, even when its leader has exited already (its
// workers may still run): SIGTERM, then SIGKILL after a grace period (stopGroup). It may be
// called more than once. Once it returns, exited is closed (StartGlance reads a stopped
// Glance by it): the leader is reaped, so waitExited has returned or returns at once (ECHILD).
func (s *service) stop() {
	s.stopOnce.Do(func() {
		s.stopGroup(10 * time.Second)
		<-s.exited
		s.out.Close()
	})
}

// waitHTTP polls url until it answers with a status below 500, the process exits, or timeout.
func (s *service) waitHTTP(url string, timeout time.Duration) error {
	client := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(timeout)
	for {
		resp, err := client.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode < 500 {
				return nil
			}
			err = fmt.Errorf("status %s", resp.Status)
		}
		select {
		case <-s.exited:
			return fmt.Errorf("%s exited before answering on %s", s.name, url)
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s did not answer on %s within %s: %w", s.name, url, timeout, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// systemPathEnv is the environment with /usr/bin first in PATH (see lookPath).
func systemPathEnv() []string {
	env := []string{"PATH=/usr/bin:/usr/sbin:/bin:/sbin:" + os.Getenv("PATH")}
	for _, kv := range os.Environ() {
		if len(kv) >= 5 && kv[:5] == "PATH=" {
			continue
		}
		// OS_* from the caller's shell would confuse the tools about which cloud to use (and
		// OS_KEYSTONE_CONFIG_* would point Keystone at another configuration); the caller's HOME
		// would let oslo.config find files in ~/.keystone, ~/.glance or ~/.rally.
		if strings.HasPrefix(kv, "OS_") || strings.HasPrefix(kv, "HOME=") {
			continue
		}
		env = append(env, kv)
	}
	return env
}

// runTool runs a one-shot tool (keystone-manage, glance-manage, sqlite3) with its output in
// log/tools.out, and returns the tail of that output in the error.
func runTool(ctx context.Context, dir string, argv ...string) error {
	bin, err := lookPath(argv[0])
	if err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, bin, argv[1:]...)
	cmd.Env = append(systemPathEnv(), "HOME="+filepath.Join(dir, "home"))
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if f, ferr := os.OpenFile(filepath.Join(dir, "log", "tools.out"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600); ferr == nil {
		fmt.Fprintf(f, "$ %v\n%s\n", argv, out)
		f.Close()
	}
	if err != nil {
		if len(out) > 2000 {
			out = out[len(out)-2000:]
		}
		return fmt.Errorf("%s: %w: %s", toolName(argv), err, out)
	}
	return nil
}

// toolName names a tool run for an error: the program and its first argument that is neither
// a flag nor a path nor a flag's value ("keystone-manage bootstrap"), never the whole argv
// (which may hold a password).
func toolName(argv []string) string {
	for i := 1; i < len(argv); i++ {
		a := argv[i]
		switch {
		case strings.HasPrefix(a, "--"):
			i++ // its value
		case strings.HasPrefix(a, "/") || strings.HasPrefix(a, "-"):
		default:
			return argv[0] + " " + a
		}
	}
	return argv[0]
}
