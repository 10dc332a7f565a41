package testenv

import (
	"errors"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// startHTTPServer starts python3's http.server on port as a service in dir.
func startHTTPServer(t *testing.T, dir string, port int) *service {
	t.Helper()
	Need(t, "python3")
	if err := os.MkdirAll(filepath.Join(dir, "log"), 0o700); err != nil {
		t.Fatal(err)
	}
	s, err := startService(dir, "http", nil, "python3", "-m", "http.server", "--bind", "127.0.0.1", strconv.Itoa(port))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.stop)
	return s
}

// TestCheckOwnsPortSeesAThief: a service whose port another process took before it bound it
// fails to start, while its readiness probe is answered by the other process; checkOwnsPort
// tells the two apart, so the OpenStack start tries new ports instead of handing tests a
// catalog whose endpoint has no Glance or Keystone behind it.
func TestCheckOwnsPortSeesAThief(t *testing.T) {
	thief, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer thief.Close()
	go http.Serve(thief, http.NotFoundHandler())
	port := thief.Addr().(*net.TCPAddr).Port

	s := startHTTPServer(t, t.TempDir(), port)
	if err := s.waitHTTP("http://"+thief.Addr().String()+"/", 30*time.Second); err != nil {
		t.Fatal(err)
	}
	if err := s.checkOwnsPort(port); !errors.Is(err, errPortTaken) {
		t.Fatalf("checkOwnsPort with the port held by the test process = %v, want errPortTaken", err)
	}

	free, err := FreePort()
	if err != nil {
		t.Fatal(err)
	}
	own := startHTTPServer(t, t.TempDir(), free)
	if err := own.waitHTTP("http://127.0.0.1:"+strconv.Itoa(free)+"/", 30*time.Second); err != nil {
		t.Fatal(err)
	}
	if err := own.checkOwnsPort(free); err != nil {
		t.Fatalf("checkOwnsPort of a server on its own port: %v", err)
	}
}

// A service whose port another process holds without speaking HTTP (a bare TCP listener, as a
// broker or a database would be) fails to bind and exits before its probe is answered:
// waitOwnHTTP tells that from a broken service too (errPortTaken), so the OpenStack start tries
// new ports; checkOwnsPort alone never ran, the probe having failed.
func TestWaitOwnHTTPSeesASilentThief(t *testing.T) {
	thief, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer thief.Close()
	go func() {
		for {
			c, err := thief.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	port := thief.Addr().(*net.TCPAddr).Port
	s := startHTTPServer(t, t.TempDir(), port)
	err = s.waitOwnHTTP("http://"+thief.Addr().String()+"/", port, 30*time.Second)
	if !errors.Is(err, errPortTaken) {
		t.Fatalf("waitOwnHTTP with the port held by a bare TCP listener = %v, want errPortTaken", err)
	}
	t.Log(err)

	free, err := FreePort()
	if err != nil {
		t.Fatal(err)
	}
	own := startHTTPServer(t, t.TempDir(), free)
	if err := own.waitOwnHTTP("http://127.0.0.1:"+strconv.Itoa(free)+"/", free, 30*time.Second); err != nil {
		t.Fatalf("waitOwnHTTP of a server on its own port: %v", err)
	}
}

// procNetAddr formats 127.0.0.1:port as the kernel prints a real listener's local address in
// /proc/net/tcp (the line found by the listener's socket inode, not by its address), in the
// host's byte order: a hard-coded little-endian form would miss every listener on a big-endian
// host, and ownsListener would then call every service's port taken.
func TestProcNetAddrMatchesTheKernel(t *testing.T) {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	f, err := ln.(*net.TCPListener).File()
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var st syscall.Stat_t
	if err := syscall.Fstat(int(f.Fd()), &st); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile("/proc/net/tcp")
	if err != nil {
		t.Fatal(err)
	}
	inode := strconv.FormatUint(st.Ino, 10)
	var local string
	for _, line := range strings.Split(string(data), "\n") {
		if f := strings.Fields(line); len(f) >= 10 && f[9] == inode {
			local = f[1]
		}
	}
	if local == "" {
		t.Fatalf("no line of /proc/net/tcp has the listener's inode %s", inode)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	if got := procNetAddr(net.IPv4(127, 0, 0, 1).To4(), port); got != local {
		t.Errorf("procNetAddr(127.0.0.1, %d) = %s, the kernel prints %s", port, got, local)
	}
	inodes, err := listeningInodes(port)
	if err != nil {
		t.Fatal(err)
	}
	if !inodes["socket:["+inode+"]"] {
		t.Errorf("listeningInodes(%d) = %v, misses the listener's socket:[%s]", port, inodes, inode)
	}
}

// A port held by an IPv6 wildcard listener that is not IPv6-only (Go's net.Listen("tcp",
// ":port")) is taken for 127.0.0.1 too: a service that exits for want of it failed to bind it
// (errPortTaken), though /proc/net/tcp has no line for that port.
func TestWaitOwnHTTPSeesADualStackThief(t *testing.T) {
	thief, err := net.Listen("tcp", "[::]:0")
	if err != nil {
		t.Skipf("no IPv6 wildcard listener here: %v", err)
	}
	defer thief.Close()
	port := thief.Addr().(*net.TCPAddr).Port
	if c, err := net.Dial("tcp4", "127.0.0.1:"+strconv.Itoa(port)); err != nil {
		t.Skipf("the IPv6 wildcard listener does not take IPv4 here: %v", err)
	} else {
		c.Close()
	}
	s := startHTTPServer(t, t.TempDir(), port)
	err = s.waitOwnHTTP("http://127.0.0.1:"+strconv.Itoa(port)+"/", port, 30*time.Second)
	if !errors.Is(err, errPortTaken) {
		t.Fatalf("waitOwnHTTP with the port held by an IPv6 wildcard listener = %v, want errPortTaken", err)
	}
	t.Log(err)
}
