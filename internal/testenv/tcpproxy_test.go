package testenv

import (
	"bufio"
	"errors"
	"io"
	"net"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// echoServer is a TCP service that sends back what it reads, until t ends; it returns its
// host:port. An accept that fails other than by the close (out of descriptors) is tried again.
func echoServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if errors.Is(err, net.ErrClosed) {
				return
			}
			if err != nil {
				time.Sleep(time.Millisecond)
				continue
			}
			go func() { io.Copy(c, c); c.Close() }()
		}
	}()
	return ln.Addr().String()
}

// TestTCPProxyCutAndRestore: through the proxy an echo service answers; cut, the open
// connection ends and new ones are refused for real while no other socket can take the port;
// restored, the same port forwards again; closed, the port is free.
func TestTCPProxyCutAndRestore(t *testing.T) {
	echo := echoServer(t)
	p, err := StartTCPProxy(echo)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	roundTrip := func() (net.Conn, error) {
		c, err := net.Dial("tcp", p.Addr)
		if err != nil {
			return nil, err
		}
		if _, err := c.Write([]byte("ping\n")); err != nil {
			c.Close()
			return nil, err
		}
		line, err := bufio.NewReader(c).ReadString('\n')
		if err == nil && line != "ping\n" {
			err = errors.New("echoed " + line)
		}
		if err != nil {
			c.Close()
			return nil, err
		}
		return c, nil
	}
	open, err := roundTrip()
	if err != nil {
		t.Fatalf("through the proxy: %v", err)
	}
	defer open.Close()
	p.Cut()
	if n, err := open.Read(make([]byte, 1)); err == nil {
		t.Errorf("the open connection survived the cut (read %d bytes)", n)
	}
	if _, err := net.Dial("tcp", p.Addr); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("dial while cut: %v, want connection refused", err)
	}
	if l, err := net.Listen("tcp", p.Addr); err == nil {
		l.Close()
		t.Fatal("another socket could take the port while the proxy was cut")
	}
	if err := p.Restore(); err != nil {
		t.Fatal(err)
	}
	c, err := roundTrip()
	if err != nil {
		t.Fatalf("after Restore: %v", err)
	}
	c.Close()
	p.Close()
	l, err := net.Listen("tcp", p.Addr)
	if err != nil {
		t.Fatalf("the port is still taken after Close: %v", err)
	}
	l.Close()
}

// emfileChild names the environment variable that makes the test binary, run again as a child,
// run TestTCPProxyOutOfDescriptors's process side.
const emfileChild = "PACKUILON_TCPPROXY_EMFILE_CHILD"

// TestTCPProxyOutOfDescriptors: a proxy whose process is out of file descriptors (RLIMIT_NOFILE,
// in a child process) cannot accept a waiting connection: it counts the errors (EMFILE), waits
// between attempts, and takes the connection and forwards it once descriptors are free.
func TestTCPProxyOutOfDescriptors(t *testing.T) {
	if os.Getenv(emfileChild) != "" {
		outOfDescriptors(t)
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestTCPProxyOutOfDescriptors$", "-test.v")
	cmd.Env = append(os.Environ(), emfileChild+"=1")
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	out, err := cmd.CombinedOutput()
	t.Logf("child:\n%s", out)
	if err != nil {
		t.Fatalf("child: %v", err)
	}
	if !strings.Contains(string(out), "forwarded after") {
		t.Fatal("the child did not run the test")
	}
}

// outOfDescriptors is the child's side: every descriptor is taken but the client's, so the
// proxy's accept fails until they are given back.
func outOfDescriptors(t *testing.T) {
	echo := echoServer(t)
	p, err := StartTCPProxy(echo)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	var limit syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &limit); err != nil {
		t.Fatal(err)
	}
	if limit.Max < 256 {
		t.Skipf("RLIMIT_NOFILE's hard limit is %d", limit.Max)
	}
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &syscall.Rlimit{Cur: 256, Max: limit.Max}); err != nil {
		t.Fatal(err)
	}
	var held []*os.File
	// The limit is raised first, in one step: closing the files one by one would let the proxy
	// take the first and the echo server's accept fail for want of the next.
	release := func() {
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &limit); err != nil {
			t.Error(err)
		}
		for _, f := range held {
			f.Close()
		}
		held = nil
	}
	defer release()
	for {
		f, err := os.Open(os.DevNull)
		if errors.Is(err, syscall.EMFILE) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, f)
	}
	// One descriptor for the client: none is left for the proxy to accept it with.
	held[len(held)-1].Close()
	held = held[:len(held)-1]
	c, err := net.Dial("tcp", p.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write([]byte("ping\n")); err != nil {
		t.Fatal(err)
	}
	for {
		if n, _ := p.AcceptErrors(); n >= 3 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	// A figure, not a check: how often the proxy tried in half a second out of descriptors.
	before, _ := p.AcceptErrors()
	time.Sleep(500 * time.Millisecond)
	after, last := p.AcceptErrors()
	t.Logf("%d failed accepts in 500 ms out of descriptors (%d before)", after-before, before)
	if !errors.Is(last, syscall.EMFILE) {
		t.Errorf("last accept error %v, want EMFILE", last)
	}
	release()
	c.SetDeadline(time.Now().Add(time.Minute)) //nolint:errcheck // a hang guard, not a check
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil || line != "ping\n" {
		n, e := p.AcceptErrors()
		p.mu.Lock()
		defer p.mu.Unlock()
		t.Fatalf("through the proxy once descriptors are free: %q, %v (%d accept errors, last %v; %d ends open)", line, err, n, e, len(p.conns))
	}
	n, _ := p.AcceptErrors()
	t.Logf("forwarded after %d failed accepts", n)
}
