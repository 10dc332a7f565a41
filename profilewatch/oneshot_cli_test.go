package profilewatch

import (
	"bytes"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/packuilon/packuilon/internal/testenv"
)

// The tests of packuilon-watch-once, the one-shot scan's own small binary: whatever it is
// given, it answers as `packuilon watch --once` does (same stdout, stderr, exit status).

// TestWatchOnceBinaryScans runs the same scans with packuilon-watch-once on one site and with
// `packuilon watch --once` on an identical one: same lines on stdout, exit 0, same messages.
func TestWatchOnceBinaryScans(t *testing.T) {
	rmq := testenv.SharedRabbit(t)
	small, full := newFixture(t, rmq, testenv.ProfileServerOptions{}), newFixture(t, rmq, testenv.ProfileServerOptions{})
	for _, f := range []*fixture{small, full} {
		f.put(tmpl(0, 1))
		f.put(tmpl(1, 1))
	}
	scan := func(f *fixture, extra ...string) string {
		t.Helper()
		bin, args := onceBinary(t), append([]string{"--config", f.cfgPath}, extra...)
		if f == full {
			bin, args = binary(t), append([]string{"watch", "--once"}, args...)
		}
		out, errOut, code := runBin(t, bin, args...)
		if code != 0 {
			t.Fatalf("%s %v: exit %d, stderr %s", filepath.Base(bin), args, code, errOut)
		}
		return out
	}
	for i, step := range []struct {
		change bool
		extra  []string
		want   string
	}{
		{false, nil, "published nothing"},
		{true, nil, "1 published"},
		{true, []string{"--once"}, "1 published"}, // `watch --once`'s flag is accepted
		{false, []string{"--publish-all"}, "2 published"},
	} {
		if step.change {
			small.put(tmpl(0, i+1))
			full.put(tmpl(0, i+1))
		}
		got, want := scan(small, step.extra...), scan(full, step.extra...)
		if got != want || !strings.HasPrefix(got, "packuilon watch: ") || !strings.Contains(got, step.want) {
			t.Errorf("step %d: packuilon-watch-once printed %q, packuilon watch --once %q (want %q)", i, got, want, step.want)
		}
		if a, b := keys(small.drain()), keys(full.drain()); a != b {
			t.Errorf("step %d: packuilon-watch-once published %s, packuilon watch --once %s", i, a, b)
		}
	}
}

// TestWatchOnceBinaryUnusableConfig: a configuration the scan cannot use is exit 1 with the same
// stderr as packuilon watch --once; with LOG_TARGET = syslog that is one line, and the failure
// reaches syslog under the watcher's tag.
func TestWatchOnceBinaryUnusableConfig(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.ini")
	_, small, code := runBin(t, onceBinary(t), "--config", missing)
	_, full, fullCode := cli(t, "watch", "--once", "--config", missing)
	if code != 1 || fullCode != 1 || small != full || !strings.Contains(small, missing+": cannot read") {
		t.Errorf("missing config: exit %d (packuilon watch --once: %d), stderr %q, want %q", code, fullCode, small, full)
	}

	sock := filepath.Join(dir, "syslog.sock")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sock, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	cfg := filepath.Join(dir, "config.ini") // no PROFILE_INFO_URL: nothing to scan
	ini := "[global]\nLOG_TARGET = syslog\nSYSLOG_SOCKET = " + sock + "\n[cdb2rabbit]\nCACHE_DIR = " + filepath.Join(dir, "cache") + "\n"
	if err := os.WriteFile(cfg, []byte(ini), 0o600); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := runBin(t, onceBinary(t), "--config", cfg)
	if code != 1 || out != "" || errOut != "packuilon watch: PROFILE_INFO_URL is not set\n" {
		t.Errorf("unusable config: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	buf := make([]byte, 8192)
	for {
		n, err := conn.Read(buf)
		if err != nil {
			t.Fatalf("no error line in syslog: %v", err)
		}
		if got := string(buf[:n]); strings.HasPrefix(got, "<27>") && strings.Contains(got, "packuilon-watch[") && strings.Contains(got, "PROFILE_INFO_URL") {
			break
		}
	}
}

// TestWatchOnceBinaryCommandLine: --version is packuilon's, --help is on stdout, a usage error
// is exit 2, and without arguments it reads the default configuration, as cdp-listend runs it.
func TestWatchOnceBinaryCommandLine(t *testing.T) {
	bin := onceBinary(t)
	out, _, code := runBin(t, bin, "--version")
	full, _, _ := cli(t, "--version")
	if code != 0 || out != full || out != "packuilon "+testVersion+"\n" {
		t.Errorf("--version: exit %d, %q; packuilon --version: %q", code, out, full)
	}
	if out, _, code = runBin(t, bin, "--help"); code != 0 || !strings.HasPrefix(out, "Usage: packuilon-watch-once ") || !strings.Contains(out, "--publish-all") || !strings.Contains(out, "Exit status:") {
		t.Errorf("--help: exit %d, %q", code, out)
	}
	for _, args := range [][]string{{"--bogus"}, {"scan"}} {
		if _, errOut, code := runBin(t, bin, args...); code != 2 || !strings.HasSuffix(errOut, "Run 'packuilon-watch-once --help' for usage.\n") {
			t.Errorf("%v: exit %d, stderr %q", args, code, errOut)
		}
	}

	const def = "/etc/packer-utils/config.ini"
	if _, err := os.Stat(def); err == nil {
		t.Skip(def + " exists on this machine: not scanning it")
	}
	_, errOut, code := runBin(t, bin)
	if code != 1 || !strings.Contains(errOut, def+": cannot read") {
		t.Errorf("no arguments: exit %d, stderr %q (want the default %s)", code, errOut, def)
	}
}

// TestWatchOnceBinarySIGTERM: SIGTERM while the index downloads cancels the scan, as it does
// `packuilon watch --once`: exit 1, the same one line, nothing published, no cache written.
func TestWatchOnceBinarySIGTERM(t *testing.T) {
	rmq := testenv.SharedRabbit(t)
	var lines []string
	for _, argv := range [][]string{{onceBinary(t)}, {binary(t), "watch", "--once"}} {
		f := newFixture(t, rmq, testenv.ProfileServerOptions{})
		f.put(tmpl(0, 1))
		f.srv.SetIndexDelay(time.Minute) // the server waits for the client, or a minute
		cmd := exec.Command(argv[0], append(argv[1:], "--config", f.cfgPath)...)
		var errb bytes.Buffer
		cmd.Stderr = &errb
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		for deadline := time.Now().Add(time.Minute); f.srv.IndexHits() == 0; time.Sleep(10 * time.Millisecond) {
			if time.Now().After(deadline) {
				cmd.Process.Kill()
				t.Fatalf("%s never fetched the index", filepath.Base(argv[0]))
			}
		}
		cmd.Process.Signal(syscall.SIGTERM)
		err := cmd.Wait()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 1 {
			t.Fatalf("%s after SIGTERM: %v (want exit 1), stderr %s", filepath.Base(argv[0]), err, errb.String())
		}
		if n := len(f.drain()); n != 0 {
			t.Errorf("%s published %d after SIGTERM", filepath.Base(argv[0]), n)
		}
		if f.cacheBytes() != "" {
			t.Errorf("%s wrote a cache", filepath.Base(argv[0]))
		}
		lines = append(lines, strings.ReplaceAll(lastLine(errb.String()), f.srv.IndexURL(), "INDEX"))
	}
	if lines[0] != lines[1] || !strings.HasPrefix(lines[0], "packuilon watch: scan failed: fetch index") || !strings.Contains(lines[0], "terminated") {
		t.Errorf("last stderr line: packuilon-watch-once %q, packuilon watch --once %q", lines[0], lines[1])
	}
}
