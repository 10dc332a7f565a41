package testenv

import (
	"bufio"
	"errors"
	"net"
	"os"
	"testing"
	"time"
)

// TestTCPProxyStall: stalled, the proxy keeps an open connection and accepts new ones, but
// passes nothing either way (the client's write succeeds, its read waits until its own
// deadline); restored, what was held arrives and the connections work again.
func TestTCPProxyStall(t *testing.T) {
	upper, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer upper.Close()
	go func() { // answers each line with "ok <line>"
		for {
			c, err := upper.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				for sc := bufio.NewScanner(c); sc.Scan(); {
					if _, err := c.Write([]byte("ok " + sc.Text() + "\n")); err != nil {
						return
					}
				}
			}()
		}
	}()
	p, err := StartTCPProxy(upper.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	ask := func(c net.Conn, r *bufio.Reader, line string, wait time.Duration) (string, error) {
		if _, err := c.Write([]byte(line + "\n")); err != nil {
			return "", err
		}
		c.SetReadDeadline(time.Now().Add(wait))
		return r.ReadString('\n')
	}
	open, err := net.Dial("tcp", p.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer open.Close()
	r := bufio.NewReader(open)
	if got, err := ask(open, r, "one", time.Minute); got != "ok one\n" {
		t.Fatalf("through the proxy: %q, %v", got, err)
	}
	p.Stall()
	// The wait only bounds how long the test looks: a stalled proxy must pass nothing at all.
	if got, err := ask(open, r, "two", 300*time.Millisecond); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("stalled, the open connection answered %q, %v", got, err)
	}
	fresh, err := net.Dial("tcp", p.Addr)
	if err != nil {
		t.Fatalf("stalled, a new connection is not accepted: %v", err)
	}
	defer fresh.Close()
	fr := bufio.NewReader(fresh)
	if got, err := ask(fresh, fr, "three", 300*time.Millisecond); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("stalled, a new connection answered %q, %v", got, err)
	}
	if err := p.Restore(); err != nil {
		t.Fatal(err)
	}
	open.SetReadDeadline(time.Now().Add(time.Minute))
	if got, err := r.ReadString('\n'); got != "ok two\n" {
		t.Errorf("restored, the held line: %q, %v", got, err)
	}
	fresh.SetReadDeadline(time.Now().Add(time.Minute))
	if got, err := fr.ReadString('\n'); got != "ok three\n" {
		t.Errorf("restored, the new connection's held line: %q, %v", got, err)
	}
	if got, err := ask(open, r, "four", time.Minute); got != "ok four\n" {
		t.Errorf("restored: %q, %v", got, err)
	}
}
