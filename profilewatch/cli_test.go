package profilewatch

import (
	"bytes"
	"context"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/packuilon/packuilon/internal/testenv"
)

// testVersion is stamped into the binaries the tests build, as the Makefile stamps git describe.
const testVersion = "v0.0.0-cli-test"

// builtCmd is one command of the module, built once for the package's subprocess tests.
type builtCmd struct {
	// packaged: built as scripts/package builds it (-trimpath, stripped, no cgo).
	packaged bool
	once     sync.Once
	path     string
	err      error
}

var (
	packuilonBin, watchOnceBin builtCmd
	// The benchmarks time the binaries as the packages ship them.
	packagedBin, packagedOnceBin = builtCmd{packaged: true}, builtCmd{packaged: true}
	binDirsMu                    sync.Mutex
	binDirs                      []string
)

// build builds cmd/<name> into a temporary directory, the first time only.
func (b *builtCmd) build(t testing.TB, name string) string {
	t.Helper()
	b.once.Do(func() {
		dir, err := os.MkdirTemp("", "packuilon-bin-")
		if err != nil {
			b.err = err
			return
		}
		binDirsMu.Lock()
		binDirs = append(binDirs, dir)
		binDirsMu.Unlock()
		goTool, err := exec.LookPath("go")
		if err != nil {
			goTool = "/usr/local/go/bin/go"
		}
		b.path = filepath.Join(dir, name)
		ldflags := "-X github.com/packuilon/packuilon/internal/version.stamp=" + testVersion
		args := []string{"build", "-ldflags", ldflags}
		if b.packaged {
			args = []string{"build", "-trimpath", "-ldflags", "-s -w " + ldflags}
		}
		cmd := exec.Command(goTool, append(args, "-o", b.path, "github.com/packuilon/packuilon/cmd/"+name)...)
		if b.packaged {
			cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		}
		out, err := cmd.CombinedOutput()
		if err != nil {
			b.err = errors.New("go build cmd/" + name + ": " + err.Error() + "\n" + string(out))
		}
	})
	if b.err != nil {
		t.Fatal(b.err)
	}
	return b.path
}

// binary builds cmd/packuilon once for the package's subprocess tests: a SIGKILL test needs a
// real process, and exit codes and output are what cron and cdp-listend see.
func binary(t testing.TB) string { return packuilonBin.build(t, "packuilon") }

// onceBinary builds cmd/packuilon-watch-once (the one-shot scan's own small binary) once.
func onceBinary(t testing.TB) string { return watchOnceBin.build(t, "packuilon-watch-once") }

func cleanBinary() {
	binDirsMu.Lock()
	defer binDirsMu.Unlock()
	for _, d := range binDirs {
		os.RemoveAll(d)
	}
}

// cli runs the packuilon binary and returns stdout, stderr and the exit code.
func cli(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	return runBin(t, binary(t), args...)
}

// runBin runs bin with args and returns stdout, stderr and the exit code.
func runBin(t *testing.T, bin string, args ...string) (string, string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return out.String(), errb.String(), code
}

func TestWatchOnceCommand(t *testing.T) {
	rmq := testenv.SharedRabbit(t)
	f := newFixture(t, rmq, testenv.ProfileServerOptions{})
	f.put(tmpl(0, 1))
	f.put(tmpl(1, 1))
	out, errOut, code := cli(t, "watch", "--once", "--config", f.cfgPath)
	if code != 0 || !strings.Contains(out, "published nothing") || len(f.drain()) != 0 {
		t.Fatalf("first run: exit %d, stdout %q, stderr %s", code, out, errOut)
	}
	f.put(tmpl(0, 2))
	if out, errOut, code = cli(t, "watch", "--once", "--config", f.cfgPath); code != 0 || !strings.Contains(out, "1 published") {
		t.Fatalf("second run: exit %d, stdout %q, stderr %s", code, out, errOut)
	}
	if got := keys(f.drain()); got != "pers0-sl7x-x86_64" {
		t.Errorf("published %s", got)
	}

	g := newFixture(t, rmq, testenv.ProfileServerOptions{})
	g.put(tmpl(0, 1))
	g.put(tmpl(1, 1))
	if out, errOut, code = cli(t, "watch", "--once", "--publish-all", "--config", g.cfgPath); code != 0 || !strings.Contains(out, "2 published") {
		t.Fatalf("--publish-all: exit %d, stdout %q, stderr %s", code, out, errOut)
	}
	if got := keys(g.drain()); got != "pers0-sl7x-x86_64,pers1-sl7x-x86_64" {
		t.Errorf("--publish-all published %s", got)
	}
}

// TestWatchOnceAlias: cdp-listend runs its nch command without arguments; the binary installed
// as packuilon-watch-once is one scan.
func TestWatchOnceAlias(t *testing.T) {
	rmq := testenv.SharedRabbit(t)
	f := newFixture(t, rmq, testenv.ProfileServerOptions{})
	f.put(tmpl(0, 1))
	alias := filepath.Join(t.TempDir(), "packuilon-watch-once")
	if err := os.Symlink(binary(t), alias); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(alias, "--config", f.cfgPath).Output()
	if err != nil || !strings.Contains(string(out), "published nothing") {
		t.Fatalf("alias: %v, stdout %q", err, out)
	}
}

func TestWatchOnceFailsWithOneLine(t *testing.T) {
	rmq := testenv.SharedRabbit(t)
	f := newFixture(t, rmq, testenv.ProfileServerOptions{})
	f.srv.Close() // the index cannot be fetched
	_, errOut, code := cli(t, "watch", "--once", "--config", f.cfgPath)
	if code != 1 || !strings.HasPrefix(lastLine(errOut), "packuilon watch: scan failed: fetch index") {
		t.Errorf("last line %q is not the one clear line", lastLine(errOut))
	}
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

// TestLockContention: a second scan waits LOCK_TIMEOUT for the first, then gives up clearly.
func TestLockContention(t *testing.T) {
	rmq := testenv.SharedRabbit(t)
	f := newFixture(t, rmq, testenv.ProfileServerOptions{}, "LOCK_TIMEOUT = 1s")
	unlock, err := Lock(context.Background(), f.cacheDir, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.scan(ScanOptions{}); !errors.Is(err, ErrLocked) {
		t.Errorf("in-process scan: err = %v, want ErrLocked", err)
	}
	_, errOut, code := cli(t, "watch", "--once", "--config", f.cfgPath)
	if code == 0 || !strings.Contains(lastLine(errOut), "another scan is running") {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
	unlock()
	if _, err := f.scan(ScanOptions{}); err != nil {
		t.Errorf("after unlock: %v", err)
	}
}

// TestKillMidScan: a watcher killed with SIGKILL while it fetches leaves the old cache, so the
// next run publishes every change the killed one had not got confirmed.
func TestKillMidScan(t *testing.T) {
	rmq := testenv.SharedRabbit(t)
	f := newFixture(t, rmq, testenv.ProfileServerOptions{}, "FETCH_PARALLELISM = 1")
	const n = 10
	baseline := f.baselineThenChange(n)
	f.srv.SetDelay(300 * time.Millisecond) // ten fetches one at a time: the scan lasts 3 s
	cmd := exec.Command(binary(t), "watch", "--once", "--config", f.cfgPath)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for fetched := 0; fetched < 3; {
		time.Sleep(50 * time.Millisecond)
		fetched = 0
		for i := range n {
			fetched += f.srv.Fetches(tmpl(i, 2).FQDN())
		}
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	if f.cacheBytes() != baseline {
		t.Fatal("the killed scan changed the cache")
	}
	killed := f.drain()
	f.srv.SetDelay(0)
	_, errOut, code := cli(t, "watch", "--once", "--config", f.cfgPath)
	if code != 0 {
		t.Fatalf("next run: exit %d: %s", code, errOut)
	}
	got := append(killed, f.drain()...)
	seen := map[string]bool{}
	for _, r := range got {
		seen[r.ImageKey] = true
	}
	if len(seen) != n {
		t.Errorf("after the kill and a rerun %d of %d changes were published: %s", len(seen), n, keys(got))
	}
}

func TestBrokerStoppedDuringPublish(t *testing.T) {
	rmq := testenv.PrivateRabbit(t)
	f := newFixture(t, rmq, testenv.ProfileServerOptions{})
	baseline := f.baselineThenChange(2)
	s := f.scanner()
	s.afterConnect = func() {
		if err := rmq.StopApp(); err != nil {
			t.Error(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if _, err := s.Scan(ctx, ScanOptions{}); err == nil {
		t.Fatal("scan with the broker stopped mid-publish succeeded")
	}
	if f.cacheBytes() != baseline {
		t.Fatal("cache written although publishes were not confirmed")
	}
	// The new cache, written under a temporary name while the broker confirmed, is removed.
	if tmp, _ := filepath.Glob(filepath.Join(f.cacheDir, "."+CacheFile+".tmp*")); len(tmp) != 0 {
		t.Fatalf("unconfirmed scan left %v", tmp)
	}
	_, errOut, code := cli(t, "watch", "--once", "--config", f.cfgPath)
	if code == 0 || !strings.Contains(lastLine(errOut), "cache not updated") {
		t.Errorf("with the broker down: exit %d, stderr %q", code, errOut)
	}
	if f.cacheBytes() != baseline {
		t.Fatal("cache written by the run with the broker down")
	}
	if err := rmq.StartApp(); err != nil {
		t.Fatal(err)
	}
	f.drain() // whatever was confirmed before the stop
	f.mustScan(ScanOptions{})
	if got := keys(f.drain()); got != "pers0-sl7x-x86_64,pers1-sl7x-x86_64" {
		t.Errorf("after the broker came back published %q, want both changes", got)
	}
}

// TestDaemonSignals runs the daemon binary as systemd would (NOTIFY_SOCKET): READY once up,
// RELOADING and READY again on SIGHUP, STOPPING and exit 0 on SIGTERM.
func TestDaemonSignals(t *testing.T) {
	rmq := testenv.SharedRabbit(t)
	f := newFixture(t, rmq, testenv.ProfileServerOptions{}, "UDP_LISTEN = 127.0.0.1:0", "SCHEDULE = @every 1h")
	sock := filepath.Join(t.TempDir(), "notify")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sock, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	states := make(chan string, 16)
	go func() {
		buf := make([]byte, 256)
		for {
			n, err := conn.Read(buf)
			if err != nil {
				close(states)
				return
			}
			states <- string(buf[:n])
		}
	}()
	// expect reads the next state change; STATUS= lines (the last scan's outcome) come in
	// between and are skipped.
	expect := func(want string) {
		t.Helper()
		for {
			select {
			case got := <-states:
				if strings.HasPrefix(got, "STATUS=") {
					continue
				}
				if got != want {
					t.Fatalf("notify %q, want %q", got, want)
				}
				return
			case <-time.After(time.Minute):
				t.Fatalf("no %q from the daemon", want)
			}
		}
	}
	cmd := exec.Command(binary(t), "watch", "--config", f.cfgPath)
	cmd.Env = append(os.Environ(), "NOTIFY_SOCKET="+sock)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	expect("READY=1")
	cmd.Process.Signal(syscall.SIGHUP)
	expect("RELOADING=1")
	expect("READY=1")
	cmd.Process.Signal(syscall.SIGTERM)
	expect("STOPPING=1")
	if err := cmd.Wait(); err != nil {
		t.Errorf("daemon exit after SIGTERM: %v", err)
	}
}
