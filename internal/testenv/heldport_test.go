package testenv

import (
	"errors"
	"net"
	"syscall"
	"testing"
)

// A held port refuses connections, cannot be taken by another listener, and accepts
// connections on the same address once Listen is called.
func TestHeldPort(t *testing.T) {
	h, err := HoldPort()
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	if c, err := net.Dial("tcp", h.Addr); !errors.Is(err, syscall.ECONNREFUSED) {
		if c != nil {
			c.Close()
		}
		t.Fatalf("dial a held port: got %v, want connection refused", err)
	}
	if other, err := net.Listen("tcp", h.Addr); err == nil {
		other.Close()
		t.Fatal("another listener took the held port")
	}
	ln, err := h.Listen()
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	if ln.Addr().String() != h.Addr {
		t.Fatalf("listening on %s, want the held %s", ln.Addr(), h.Addr)
	}
	accepted := make(chan error, 1)
	go func() {
		c, err := ln.Accept()
		if err == nil {
			c.Close()
		}
		accepted <- err
	}()
	c, err := net.Dial("tcp", h.Addr)
	if err != nil {
		t.Fatalf("dial after Listen: %v", err)
	}
	c.Close()
	if err := <-accepted; err != nil {
		t.Fatalf("accept: %v", err)
	}
	if _, err := h.Listen(); err == nil {
		t.Error("a second Listen succeeded")
	}
}
