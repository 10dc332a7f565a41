package testenv

import (
	"bufio"
	"errors"
	"io"
	"net"
	"syscall"
	"testing"
)

// TestTCPProxyCutAndRestore: through the proxy an echo service answers; cut, the open
// connection ends and new ones are refused for real while no other socket can take the port;
// restored, the same port forwards again; closed, the port is free.
func TestTCPProxyCutAndRestore(t *testing.T) {
	echo, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer echo.Close()
	go func() {
		for {
			c, err := echo.Accept()
			if err != nil {
				return
			}
			go func() { io.Copy(c, c); c.Close() }()
		}
	}()
	p, err := StartTCPProxy(echo.Addr().String())
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
