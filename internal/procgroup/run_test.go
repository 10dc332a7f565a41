package procgroup

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// stuck, the leader of a group, leaves a member of it that SIGKILL cannot end: it mounts a FUSE
// file system (in a mount namespace of its own) served by a child outside the group, which
// answers the kernel's INIT, then reads the member's request and never answers it. The member
// waits for that answer in uninterruptible sleep (state D once killed), as a process blocked on
// a hung NFS server or disk does, until the server dies and the kernel aborts the connection.
// The leader writes the server's pid to argv[2] and exits once the member is stuck, or exits
// with an error as soon as the server is gone before that.
//
// The server lives only as long as the test: it waits on the lifeline (fd argv[3], a pipe whose
// write end only the test holds) as well as on /dev/fuse, and exits when it reads the lifeline's
// end of file: when the test closes it, or the test process dies in any way (a failure, a
// timeout's panic, a kill). Exit status 77: FUSE is not available here.
const stuck = `import ctypes, errno, os, select, struct, sys
mnt, pidfile, life = sys.argv[1], sys.argv[2], int(sys.argv[3])
try:
    fd = os.open("/dev/fuse", os.O_RDWR)
except OSError as e:
    sys.stderr.write("/dev/fuse: %s\n" % e.strerror)
    sys.exit(77)
libc = ctypes.CDLL(None, use_errno=True)
opts = ("fd=%d,rootmode=40000,user_id=0,group_id=0" % fd).encode()
if libc.mount(b"packuilon-test", mnt.encode(), b"fuse", 0, opts) != 0:
    e = ctypes.get_errno()
    sys.stderr.write("mount: %s\n" % os.strerror(e))
    sys.exit(77 if e in (errno.EPERM, errno.EACCES, errno.ENODEV) else 1)
r, w = os.pipe()
server = os.fork()
if server == 0:
    try:
        os.setpgid(0, 0)
        os.close(r)
        def request():
            while True:
                ready = select.select([fd, life], [], [])[0]
                if life in ready:
                    os._exit(0)
                if fd in ready:
                    return os.read(fd, 1 << 20)
        buf = request()
        _, _, unique = struct.unpack_from("<IIQ", buf)
        _, minor = struct.unpack_from("<II", buf, 40)
        out = struct.pack("<IIIIHHIIHHI28x", 7, minor, 0, 0, 0, 0, 4096, 1, 0, 0, 0)
        os.write(fd, struct.pack("<IiQ", 16 + len(out), 0, unique) + out)
        request()
        os.write(w, b"x")
        os.read(life, 1)
    finally:
        os._exit(0)
with open(pidfile, "w") as f:
    f.write(str(server))
os.close(w)
os.close(fd)
if os.fork() == 0:
    os.close(r)
    os.close(life)
    os.stat(os.path.join(mnt, "x"))
    os._exit(0)
os.close(life)
if os.read(r, 1) != b"x":
    sys.exit("the FUSE server ended before the member was stuck")
`

// TestFinishReportsSurvivors: a process of the group still there after Finish's SIGKILL and
// wait (here one in uninterruptible sleep, for real) is reported, by group and pid, as
// ErrSurvived, not ignored. Whatever happens, nothing is left behind: the FUSE server exits
// with the test (the lifeline, see stuck), which ends the stuck member, and the cleanup waits
// until both are gone; the mount lives in the group's mount namespace only.
func TestFinishReportsSurvivors(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to mount a FUSE file system (the process SIGKILL cannot end)")
	}
	if _, err := os.Stat("/dev/fuse"); err != nil {
		t.Skipf("no FUSE: %v", err)
	}
	// Debian's python3 (a package, as the other test services), not one found on PATH.
	const python = "/usr/bin/python3"
	if _, err := os.Stat(python); err != nil {
		if os.Getenv("PACKUILON_REQUIRE_SERVICES") != "" { // testenv.RequireEnv (testenv imports this package)
			t.Fatal("python3 is not installed (run make deps)")
		}
		t.Skip("python3 is not installed")
	}
	dir := t.TempDir()
	mnt, pidfile := filepath.Join(dir, "mnt"), filepath.Join(dir, "server.pid")
	if err := os.Mkdir(mnt, 0o700); err != nil {
		t.Fatal(err)
	}
	lifeline, keep, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer lifeline.Close()
	// A file, not a pipe: the member and the server keep it open.
	stderr, err := os.Create(filepath.Join(dir, "stderr"))
	if err != nil {
		t.Fatal(err)
	}
	defer stderr.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	// Isolated (-I), without the site module (-S) and with the time zone given: python reads
	// nothing of the host's /etc but the loader's cache (no sitecustomize, passwd, nsswitch.conf
	// or localtime), and no variable of the caller.
	cmd := exec.CommandContext(ctx, python, "-I", "-S", "-c", stuck, mnt, pidfile, "3")
	cmd.Env = []string{"TZ=UTC0"}
	cmd.ExtraFiles = []*os.File{lifeline}
	cmd.Stderr = stderr
	h := Setup(cmd, time.Second)
	cmd.SysProcAttr.Unshareflags = syscall.CLONE_NEWNS // the mount is seen by the group only
	// The server, once known: its pid and start time (a pid is only that process while the
	// start time matches: never signal or wait for another one).
	server, serverStart := 0, uint64(0)
	serverAlive := func() bool {
		st, err := readStat(server)
		return server > 0 && err == nil && st.start == serverStart && st.state != 'Z' && st.state != 'X'
	}
	// Registered before the start, so it runs on every way out (after the deferred closes, before
	// TempDir's removal): the lifeline's end makes the server exit, which ends the stuck member.
	t.Cleanup(func() {
		keep.Close()
		h.Finish()
		if serverAlive() {
			syscall.Kill(server, syscall.SIGKILL) // the lifeline ends it; this only makes sure
		}
		if cmd.Process == nil {
			return
		}
		boot, err := BootID()
		if err != nil {
			t.Error(err)
			return
		}
		gone := func() bool {
			alive, err := (Group{ID: cmd.Process.Pid, BootID: boot}).Alive()
			return !serverAlive() && err == nil && !alive
		}
		for end := time.Now().Add(30 * time.Second); !gone(); time.Sleep(pollInterval) {
			if time.Now().After(end) {
				t.Errorf("the FUSE server %d or a process of group %d is still there 30s after the test", server, cmd.Process.Pid)
				return
			}
		}
	})
	err = cmd.Run()
	if b, rerr := os.ReadFile(pidfile); rerr == nil {
		if pid, aerr := strconv.Atoi(string(b)); aerr == nil {
			if st, serr := readStat(pid); serr == nil && st.pgrp == pid { // its own group, as stuck makes it
				server, serverStart = pid, st.start
			}
		}
	}
	if err != nil {
		msg, _ := os.ReadFile(stderr.Name())
		var exit *exec.ExitError
		switch {
		case errors.As(err, &exit) && exit.ExitCode() == 77:
			t.Skipf("no FUSE here: %s", msg)
		case cmd.Process == nil && (errors.Is(err, syscall.EPERM) || errors.Is(err, syscall.EINVAL)):
			t.Skipf("cannot make a mount namespace here: %v", err)
		}
		t.Fatalf("start a stuck process: %v: %s", err, msg)
	}
	if server <= 0 {
		t.Fatal("the leader did not write the FUSE server's pid")
	}
	boot, err := BootID()
	if err != nil {
		t.Fatal(err)
	}
	pgid := cmd.Process.Pid
	g := Group{ID: pgid, BootID: boot}
	pids, err := g.Members()
	if err != nil || len(pids) != 1 {
		t.Fatalf("want the one stuck member in the group, got %v (%v)", pids, err)
	}
	err = h.Finish()
	want := "process group " + strconv.Itoa(pgid) + ": pids [" + strconv.Itoa(pids[0]) + "] still there"
	if !errors.Is(err, ErrSurvived) || !strings.Contains(err.Error(), want) {
		t.Fatalf("Finish with a process SIGKILL cannot end: got %v, want ErrSurvived with %q", err, want)
	}
	if st, serr := readStat(pids[0]); serr != nil || st.state != 'D' {
		t.Errorf("the member is not in uninterruptible sleep after SIGKILL: %c (%v)", st.state, serr)
	}
	if again := h.Finish(); again != err {
		t.Errorf("a second Finish returned %v, want the first's error", again)
	}
}

// TestFinishGroupGone: a group whose processes all die on Finish's SIGKILL is no error.
func TestFinishGroupGone(t *testing.T) {
	cmd := exec.CommandContext(context.Background(), "/bin/sh", "-c", "sleep 60 & exit 0")
	h := Setup(cmd, time.Second)
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	if err := h.Finish(); err != nil {
		t.Fatalf("Finish: %v", err)
	}
	boot, err := BootID()
	if err != nil {
		t.Fatal(err)
	}
	if pids, _ := (Group{ID: cmd.Process.Pid, BootID: boot}).Members(); len(pids) != 0 {
		t.Errorf("members alive after Finish: %v", pids)
	}
}
