package testenv

import (
	"io"
	"net"
	"sync"
	"testing"
)

// ObserveFromTarget shows each connection's bytes from the target, numbered by connection and
// in order, and a Cut from the observer (as a test cutting a broker once a reply passed) ends
// the connection after the chunk reached the client: the client reads it before the end.
func TestTCPProxyObserveFromTarget(t *testing.T) {
	p, err := StartTCPProxy(echoServer(t))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	var mu sync.Mutex
	seen := map[int]string{}
	p.ObserveFromTarget(func(conn int, b []byte) {
		mu.Lock()
		seen[conn] += string(b)
		cut := seen[conn] == "one two"
		mu.Unlock()
		if cut {
			p.Cut()
		}
	})
	first, err := net.Dial("tcp", p.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	if _, err := first.Write([]byte("one")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 3)
	if _, err := io.ReadFull(first, buf); err != nil {
		t.Fatal(err)
	}
	second, err := net.Dial("tcp", p.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer second.Close()
	if _, err := second.Write([]byte("one two")); err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(second) // the echo, then the end the cut made
	if string(got) != "one two" {
		t.Errorf("read %q (%v) through the proxy cut by its observer, want %q first", got, err, "one two")
	}
	mu.Lock()
	defer mu.Unlock()
	if seen[1] != "one" || seen[2] != "one two" {
		t.Errorf("observed %v, want connection 1 %q and 2 %q", seen, "one", "one two")
	}
}
