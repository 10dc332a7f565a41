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
// a hung NFS server or disk does, until the server dies (its pid goes to argv[2]) and the kernel
// aborts the connection. The leader exits once the member is stuck.
const stuck = `import ctypes, os, struct, sys, time
mnt, pidfile = sys.argv[1], sys.argv[2]
fd = os.open("/dev/fuse", os.O_RDWR)
libc = ctypes.CDLL(None, use_errno=True)
opts = ("fd=%d,rootmode=40000,user_id=0,group_id=0" % fd).encode()
if libc.mount(b"packuilon-test", mnt.encode(), b"fuse", 0, opts) != 0:
    sys.exit("mount: " + os.strerror(ctypes.get_errno()))
r, w = os.pipe()
server = os.fork()
if server == 0:
    os.setpgid(0, 0)
    buf = os.read(fd, 1 << 20)
    _, _, unique = struct.unpack_from("<IIQ", buf)
    _, minor = struct.unpack_from("<II", buf, 40)
    out = struct.pack("<IIIIHHIIHHI28x", 7, minor, 0, 0, 0, 0, 4096, 1, 0, 0, 0)
    os.write(fd, struct.pack("<IiQ", 16 + len(out), 0, unique) + out)
    os.read(fd, 1 << 20)
    os.write(w, b"x")
    time.sleep(3600)
    os._exit(0)
os.close(fd)
if os.fork() == 0:
    os.stat(os.path.join(mnt, "x"))
    os._exit(0)
os.read(r, 1)
with open(pidfile, "w") as f:
    f.write(str(server))
`

// TestFinishReportsSurvivors: a process of the group still there after Finish's SIGKILL and
// wait (here one in uninterruptible sleep, for real) is reported, by group and pid, as
// ErrSurvived, not ignored.
func TestFinishReportsSurvivors(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to mount a FUSE file system (the process SIGKILL cannot end)")
	}
	if _, err := os.Stat("/dev/fuse"); err != nil {
		t.Skipf("no FUSE: %v", err)
	}
	dir := t.TempDir()
	mnt, pidfile := filepath.Join(dir, "mnt"), filepath.Join(dir, "server.pid")
	if err := os.Mkdir(mnt, 0o700); err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(context.Background(), "python3", "-c", stuck, mnt, pidfile)
	h := Setup(cmd, time.Second)
	cmd.SysProcAttr.Unshareflags = syscall.CLONE_NEWNS // the mount is seen by the group only
	// A file, not a pipe: the member and the server keep it open.
	stderr, err := os.Create(filepath.Join(dir, "stderr"))
	if err != nil {
		t.Fatal(err)
	}
	defer stderr.Close()
	cmd.Stderr = stderr
	if err := cmd.Run(); err != nil {
		msg, _ := os.ReadFile(stderr.Name())
		t.Fatalf("start a stuck process: %v: %s", err, msg)
	}
	pgid := cmd.Process.Pid
	b, err := os.ReadFile(pidfile)
	if err != nil {
		t.Fatal(err)
	}
	server, err := strconv.Atoi(string(b))
	if err != nil {
		t.Fatal(err)
	}
	// The server's death aborts the FUSE connection: the stuck member dies of its SIGKILL.
	t.Cleanup(func() { Signal(server, syscall.SIGKILL) })
	boot, err := BootID()
	if err != nil {
		t.Fatal(err)
	}
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
