package builder

import (
	"net"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/packuilon/packuilon/internal/testenv"
)

// TestBinaryTalksToSystemd runs packuilon builder as systemd would (Type=notify): READY once
// it works, RELOADING then READY on SIGHUP, STOPPING on SIGTERM, and exit status 0.
func TestBinaryTalksToSystemd(t *testing.T) {
	rmq := testenv.SharedRabbit(t)
	g := rmq.Global(testenv.UniqueName(t))
	cfgPath, _ := treeForBroker(t, g)
	sock := filepath.Join(t.TempDir(), "notify.sock")
	l, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sock, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	var statuses []string
	// next reads the next state change; STATUS= lines (what the daemon is doing) come in
	// between whenever the text changes, and are kept aside.
	next := func(want string) {
		t.Helper()
		for {
			l.SetReadDeadline(time.Now().Add(time.Minute))
			buf := make([]byte, 256)
			n, err := l.Read(buf)
			if err == nil && strings.HasPrefix(string(buf[:n]), "STATUS=") {
				statuses = append(statuses, string(buf[:n]))
				continue
			}
			if err != nil || string(buf[:n]) != want {
				t.Fatalf("notification = %q (%v), want %q", buf[:n], err, want)
			}
			return
		}
	}
	cmd := exec.Command(buildBinary(t), "builder", "--config", cfgPath)
	cmd.Env = append(cmd.Environ(), "NOTIFY_SOCKET="+sock)
	cmd.Stdout, cmd.Stderr = testWriter{t}, testWriter{t}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	next("READY=1")
	cmd.Process.Signal(syscall.SIGHUP)
	next("RELOADING=1")
	next("READY=1")
	cmd.Process.Signal(syscall.SIGTERM)
	next("STOPPING=1")
	if err := cmd.Wait(); err != nil {
		t.Fatalf("exit after SIGTERM: %v", err)
	}
	if len(statuses) == 0 {
		t.Error("no STATUS= line")
	}
}
