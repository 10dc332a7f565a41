package testenv

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// RequireEnv is the environment variable that turns "service not installed" from a skip into a failure.
const RequireEnv = "PACKUILON_REQUIRE_SERVICES"

var (
	stopMu  sync.Mutex
	stopFns []func()
)

// atExit registers fn to run when Main returns (in reverse order of registration).
func atExit(fn func()) {
	stopMu.Lock()
	defer stopMu.Unlock()
	stopFns = append(stopFns, fn)
}

// Main runs the tests and then stops every service this package started. The tests run with
// HOME set to a new, empty directory, so that no program they start (rally, packer, the
// OpenStack tools) reads or writes the caller's ~/.rally, ~/.packer.d or ~/.config; the Go
// tool's caches stay where they were.
func Main(m *testing.M) int {
	home, err := privateHome()
	if err != nil {
		fmt.Fprintln(os.Stderr, "testenv:", err)
		return 2
	}
	code := m.Run()
	StopAll()
	os.RemoveAll(home)
	return code
}

// privateHome points HOME at a new directory, after pinning the Go tool's cache, module and
// configuration locations that default to places under HOME.
func privateHome() (string, error) {
	oldHome, err := os.UserHomeDir()
	if err != nil {
		return "", err
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	config, err := os.UserConfigDir()
	if err != nil {
		return "", err
	}
	for k, v := range map[string]string{
		"GOPATH":  filepath.Join(oldHome, "go"),
		"GOCACHE": filepath.Join(cache, "go-build"),
		"GOENV":   filepath.Join(config, "go", "env"),
	} {
		if os.Getenv(k) == "" {
			os.Setenv(k, v)
		}
	}
	home, err := os.MkdirTemp("", "packuilon-home-")
	if err != nil {
		return "", err
	}
	return home, os.Setenv("HOME", home)
}

// StopAll stops every service started through this package, newest first.
func StopAll() {
	stopMu.Lock()
	fns := stopFns
	stopFns = nil
	stopMu.Unlock()
	for i := len(fns) - 1; i >= 0; i-- {
		fns[i]()
	}
}

// Need skips t when a program (a name on PATH or an absolute path) is missing, or fails it
// under make test (RequireEnv set), with advice.
func Need(t testing.TB, programs ...string) {
	t.Helper()
	for _, p := range programs {
		if _, err := exec.LookPath(p); err != nil {
			msg := fmt.Sprintf("%s is not installed (run make deps, or use make test)", p)
			if os.Getenv(RequireEnv) != "" {
				t.Fatal(msg)
			}
			t.Skip(msg)
		}
	}
}

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// WaitTCP waits until addr accepts connections, or timeout.
func WaitTCP(addr string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s did not open within %s: %w", addr, timeout, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

var unsafeChars = regexp.MustCompile(`[^A-Za-z0-9]+`)

// UniqueName is a name derived from the test's name and the time, usable as a queue, vhost or
// image name.
func UniqueName(t testing.TB) string {
	n := strings.Trim(unsafeChars.ReplaceAllString(strings.ToLower(t.Name()), "-"), "-")
	if len(n) > 40 {
		n = n[len(n)-40:]
	}
	return fmt.Sprintf("%s-%d", n, time.Now().UnixNano()%1_000_000_000)
}
