package testenv

import (
	"errors"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
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
