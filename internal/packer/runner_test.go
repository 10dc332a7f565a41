package packer

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/packuilon/packuilon/internal/config"
	"github.com/packuilon/packuilon/internal/procgroup"
	"github.com/packuilon/packuilon/internal/testenv"
)

// TestMain runs the tests with a private HOME (testenv.Main): packer reads its plugins and
// configuration under HOME, and a leftover there must change nothing.
func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }

func needPacker(t *testing.T) {
	t.Helper()
	if _, err := os.Stat("/usr/bin/packer"); err != nil {
		if os.Getenv(testenv.RequireEnv) != "" {
			t.Fatal("packer is not installed (run make deps)")
		}
		t.Skip("packer is not installed (run make deps, or use make test)")
	}
}

// syncBuf is a log that tests may read while packer writes to it.
type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) { s.mu.Lock(); defer s.mu.Unlock(); return s.b.Write(p) }
func (s *syncBuf) String() string              { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

func template(t *testing.T, inline string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "t.json")
	doc := `{"builders": [{"type": "null", "communicator": "none"}],
		"provisioners": [{"type": "shell-local", "inline": [` + inline + `]}]}`
	if err := os.WriteFile(p, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestRunnerWithRealPacker runs the Debian packer with the null builder: the artifact id comes
// from the machine-readable output, packer's output lands in the log, the auth environment
// reaches packer, and a failure carries packer's error.
func TestRunnerWithRealPacker(t *testing.T) {
	needPacker(t)
	cases := []struct {
		name, inline, inLog, err string
		artifact                 string
	}{
		{"success", `"echo hello from $OS_TENANT_ID"`, "hello from project-1", "", "Null"},
		{"failure", `"echo failing", "exit 7"`, "failing", "exit status 1: ", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := &Runner{Path: "/usr/bin/packer", Env: []string{"OS_TENANT_ID=project-1"}, KillGrace: 10 * time.Second}
			var log syncBuf
			res, err := r.Build(context.Background(), Job{Template: template(t, c.inline)}, &log)
			if c.err != "" {
				if !errors.Is(err, ErrFailed) || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("err = %v, want ErrFailed with %q", err, c.err)
				}
			} else if err != nil {
				t.Fatalf("build: %v\n%s", err, log.String())
			}
			if res.ArtifactID != c.artifact {
				t.Errorf("artifact = %q, want %q", res.ArtifactID, c.artifact)
			}
			if !strings.Contains(log.String(), c.inLog) {
				t.Errorf("log lacks %q:\n%s", c.inLog, log.String())
			}
		})
	}
}

// TestRunnerCancelInterruptsPacker: cancelling sends SIGINT; packer stops its build and the
// error says it was interrupted.
func TestRunnerCancelInterruptsPacker(t *testing.T) {
	needPacker(t)
	r := &Runner{Path: "/usr/bin/packer", KillGrace: 3 * time.Second}
	ctx, cancel := context.WithCancel(context.Background())
	var log syncBuf
	done := make(chan error, 1)
	go func() {
		_, err := r.Build(ctx, Job{Template: template(t, `"echo started", "sleep 120"`)}, &log)
		done <- err
	}()
	deadline := time.Now().Add(time.Minute)
	for !strings.Contains(log.String(), "started") {
		if time.Now().After(deadline) {
			t.Fatalf("packer did not start:\n%s", log.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	err := <-done
	if err == nil || !strings.Contains(err.Error(), "interrupted") {
		t.Fatalf("err = %v, want interrupted", err)
	}
	if !strings.Contains(log.String(), "packer exited with status") {
		t.Errorf("log does not record packer's exit:\n%s", log.String())
	}
}

// TestTimeoutLeavesNoProcess runs packer with BUILD_TIMEOUT 3s and KILL_GRACE 2s under a
// provisioner that sleeps and leaves a background process that ignores SIGINT and SIGTERM.
// Packer 1.6.6's parent ignores SIGINT, so before the process group a timed-out build was
// recorded failed while the real packer ran on. Now, when Build returns, no process of the
// group is alive and the provisioner never finished its work.
func TestTimeoutLeavesNoProcess(t *testing.T) {
	needPacker(t)
	dir := t.TempDir()
	rec := filepath.Join(dir, "rec")
	var groups []procgroup.Group
	r := &Runner{Path: "/usr/bin/packer", KillGrace: 2 * time.Second, Group: func(g procgroup.Group) { groups = append(groups, g) }}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	var log syncBuf
	inline := `"sh -c 'trap \"\" INT TERM; echo stubborn $$ >> ` + rec + `; sleep 60' &", "echo shell $$ >> ` + rec + `", "sleep 30", "echo end >> ` + rec + `"`
	_, err := r.Build(ctx, Job{Template: template(t, inline)}, &log)
	if err == nil || !strings.Contains(err.Error(), "interrupted") {
		t.Fatalf("err = %v, want interrupted\n%s", err, log.String())
	}
	if len(groups) != 1 || groups[0].ID <= 1 || groups[0].BootID == "" || groups[0].StartTime == 0 {
		t.Fatalf("recorded groups = %+v, want one complete group", groups)
	}
	if pids, err := groups[0].Members(); err != nil || len(pids) != 0 {
		t.Errorf("processes of packer's group alive after Build returned: %v (%v)", pids, err)
	}
	data, _ := os.ReadFile(rec)
	fields := strings.Fields(string(data))
	if len(fields) < 4 {
		t.Fatalf("provisioner did not record its processes: %q\n%s", data, log.String())
	}
	for i := 0; i+1 < len(fields); i += 2 {
		pid, err := strconv.Atoi(fields[i+1])
		if err != nil {
			t.Fatalf("record %q: %v", data, err)
		}
		if syscall.Kill(pid, 0) == nil && !zombie(pid) {
			t.Errorf("%s process %d is alive after Build returned", fields[i], pid)
		}
	}
	if strings.Contains(string(data), "end") {
		t.Errorf("the provisioner finished its work after the timeout: %q", data)
	}
}

// zombie reports whether pid has exited and only waits to be reaped (its parent, here init,
// decides when).
func zombie(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return true
	}
	i := bytes.LastIndexByte(b, ')')
	return i > 0 && i+2 < len(b) && b[i+2] == 'Z'
}

// TestRunnerLogHidesReferencedPath: PACKER_PATH is built from a %(name)s reference to a
// secret; the build log (shown on the status page and in mails) names packer as written.
func TestRunnerLogHidesReferencedPath(t *testing.T) {
	needPacker(t)
	const secret = "s3cret-rabbit-pw-6161"
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, secret), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/usr/bin/packer", filepath.Join(dir, secret, "packer")); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "config.ini")
	ini := "[DEFAULT]\nRABBIT_PW = " + secret + "\n[rabbit2packer]\nPACKER_PATH = " + dir + "/%(RABBIT_PW)s/packer\n"
	if err := os.WriteFile(path, []byte(ini), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	r := &Runner{Path: cfg.Builder.PackerPath, KillGrace: 10 * time.Second}
	var log syncBuf
	if _, err := r.Build(context.Background(), Job{Template: template(t, `"echo built"`)}, &log); err != nil {
		t.Fatalf("build: %v\n%s", err, log.String())
	}
	if strings.Contains(log.String(), secret) || !strings.Contains(log.String(), filepath.Join(dir, "%(RABBIT_PW)s", "packer")+" build") {
		t.Errorf("the log does not name packer as written:\n%s", log.String())
	}
}
