package testenv

import (
	"errors"
	"fmt"
	"net"
	"os"
	"sync"
	"syscall"
)

// HeldPort is a loopback TCP port that refuses connections (a real "connection refused": the
// kernel answers each SYN with a reset, as for a service being restarted) until Listen, yet
// stays reserved all along: the socket is bound as TCPProxy's (bindHeld), so no other process
// can take the port in between. Closing a listener and listening again later on the same
// port could lose the port to another process, and a test to chance.
type HeldPort struct {
	// Addr is host:port (127.0.0.1:port).
	Addr string

	mu sync.Mutex
	fd int // -1 once Listen or Close gave it up
}

// HoldPort binds a free loopback port without listening on it. The caller must Close it (after
// Listen too: Close is then a no-op).
func HoldPort() (*HeldPort, error) {
	fd, port, err := bindHeld()
	if err != nil {
		return nil, fmt.Errorf("hold a port: %w", err)
	}
	return &HeldPort{Addr: fmt.Sprintf("127.0.0.1:%d", port), fd: fd}, nil
}

// Listen starts listening on the held port, on the same socket, and returns the listener (the
// caller closes it). Connections are accepted from then on.
func (h *HeldPort) Listen() (net.Listener, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.fd < 0 {
		return nil, errors.New("held port: already listening or closed")
	}
	if err := syscall.Listen(h.fd, syscall.SOMAXCONN); err != nil {
		return nil, fmt.Errorf("held port %s: listen: %w", h.Addr, err)
	}
	f := os.NewFile(uintptr(h.fd), "held-port")
	h.fd = -1
	defer f.Close() // FileListener holds a duplicate
	ln, err := net.FileListener(f)
	if err != nil {
		return nil, fmt.Errorf("held port %s: %w", h.Addr, err)
	}
	return ln, nil
}

// Close gives the port up if Listen did not take it.
func (h *HeldPort) Close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.fd >= 0 {
		syscall.Close(h.fd)
		h.fd = -1
	}
}
