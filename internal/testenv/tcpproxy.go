package testenv

import (
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
)

// TCPProxy is a real TCP proxy on a free loopback port in front of one service that does not
// speak HTTP (PostgreSQL): it copies bytes both ways. Cut makes an outage of the service as
// its clients see it, as a load balancer in front of a service that went down does: every
// connection through the proxy is closed, and each new one is closed as soon as it is
// accepted, until Restore. The port stays the proxy's all along.
type TCPProxy struct {
	// Addr is host:port (127.0.0.1:port).
	Addr string

	ln     net.Listener
	target string
	wg     sync.WaitGroup

	mu      sync.Mutex
	cut     bool
	closed  bool
	conns   map[net.Conn]struct{}
	refused int
}

// StartTCPProxy starts a proxy forwarding to target (host:port). The caller must Close it.
func StartTCPProxy(target string) (*TCPProxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("tcp proxy: %w", err)
	}
	p := &TCPProxy{Addr: ln.Addr().String(), ln: ln, target: target, conns: map[net.Conn]struct{}{}}
	p.wg.Add(1)
	go p.accept()
	return p, nil
}

// Cut closes every connection through the proxy, and every new one until Restore.
func (p *TCPProxy) Cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cut = true
	for c := range p.conns {
		c.Close()
	}
}

// Restore forwards new connections again.
func (p *TCPProxy) Restore() {
	p.mu.Lock()
	p.cut = false
	p.mu.Unlock()
}

// Refused is how many connections were closed on arrival while the proxy was cut.
func (p *TCPProxy) Refused() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.refused
}

// Close stops the proxy and closes every connection through it.
func (p *TCPProxy) Close() {
	p.mu.Lock()
	p.closed = true
	for c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
	p.ln.Close()
	p.wg.Wait()
}

func (p *TCPProxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		p.mu.Lock()
		if p.cut || p.closed {
			p.refused++
			p.mu.Unlock()
			c.Close()
			continue
		}
		p.mu.Unlock()
		p.wg.Add(1)
		go p.forward(c)
	}
}

// forward copies c to a new connection to the target and back until either side ends.
func (p *TCPProxy) forward(c net.Conn) {
	defer p.wg.Done()
	up, err := net.Dial("tcp", p.target)
	if err != nil {
		c.Close()
		return
	}
	if !p.track(c, up) {
		c.Close()
		up.Close()
		return
	}
	done := make(chan struct{}, 2)
	pipe := func(dst, src net.Conn) {
		io.Copy(dst, src) //nolint:errcheck // either side ending ends the connection
		done <- struct{}{}
	}
	go pipe(up, c)
	go pipe(c, up)
	<-done
	c.Close()
	up.Close()
	<-done
	p.mu.Lock()
	delete(p.conns, c)
	delete(p.conns, up)
	p.mu.Unlock()
}

// track records both ends of a forwarded connection, unless the proxy was cut or closed
// meanwhile.
func (p *TCPProxy) track(c, up net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cut || p.closed {
		return false
	}
	p.conns[c], p.conns[up] = struct{}{}, struct{}{}
	return true
}
