package testenv

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"syscall"
	"time"
)

// TCPProxy is a real TCP proxy on a free loopback port in front of one service that does not
// speak HTTP (PostgreSQL): it copies bytes both ways. Cut makes an outage of the service as
// its clients see a service that went down: every connection through the proxy is closed,
// and new connections are refused for real (the kernel answers with a reset: "connection
// refused") until Restore. The port stays the proxy's all along: no other process can take it
// while the proxy is cut. Stall makes a silent cut instead (tcpstall.go).
type TCPProxy struct {
	// Addr is host:port (127.0.0.1:port).
	Addr string

	target string
	fd     int // the proxy's socket: bound from start to Close, listening unless cut
	wg     sync.WaitGroup

	closing chan struct{} // closed by Close: ends an accept's back-off at once

	mu     sync.Mutex
	ln     net.Listener // nil while cut
	closed bool
	conns  map[net.Conn]struct{}
	// stalled is closed when a Stall ends; nil while the proxy is not stalled.
	stalled chan struct{}
	// acceptErrs counts the accepts that failed other than by a cut or Close (out of file
	// descriptors: EMFILE, ENFILE), lastAcceptErr is the last of them.
	acceptErrs    int
	lastAcceptErr error
	// observe is ObserveFromTarget's function (nil: none); conns counts the connections taken.
	observe func(conn int, b []byte)
	nconns  int
}

// StartTCPProxy starts a proxy forwarding to target (host:port). The caller must Close it.
func StartTCPProxy(target string) (*TCPProxy, error) {
	fd, port, err := bindHeld()
	if err != nil {
		return nil, fmt.Errorf("tcp proxy: %w", err)
	}
	p := &TCPProxy{Addr: fmt.Sprintf("127.0.0.1:%d", port), target: target, fd: fd, conns: map[net.Conn]struct{}{},
		closing: make(chan struct{})}
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.listen(); err != nil {
		syscall.Close(fd)
		return nil, fmt.Errorf("tcp proxy: %w", err)
	}
	return p, nil
}

// bindHeld binds a free loopback port that only the returned socket can use: the port is
// picked by a first socket and bound by number by the second (both with SO_REUSEADDR, so
// nothing can take it in between); a socket bound by number keeps its port when a shutdown
// stops its listening, and without SO_REUSEADDR (cleared once bound) no other socket can bind
// the port while it does not listen.
func bindHeld() (fd, port int, err error) {
	loopback := [4]byte{127, 0, 0, 1}
	socket := func() (int, error) {
		s, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
		if err == nil {
			if err = syscall.SetsockoptInt(s, syscall.SOL_SOCKET, syscall.SO_REUSEADDR, 1); err != nil {
				syscall.Close(s)
			}
		}
		return s, err
	}
	picker, err := socket()
	if err != nil {
		return -1, 0, err
	}
	defer syscall.Close(picker)
	if err := syscall.Bind(picker, &syscall.SockaddrInet4{Addr: loopback}); err != nil {
		return -1, 0, err
	}
	sa, err := syscall.Getsockname(picker)
	if err != nil {
		return -1, 0, err
	}
	in4, ok := sa.(*syscall.SockaddrInet4)
	if !ok {
		return -1, 0, fmt.Errorf("unexpected address %T", sa)
	}
	if fd, err = socket(); err != nil {
		return -1, 0, err
	}
	err = syscall.Bind(fd, &syscall.SockaddrInet4{Port: in4.Port, Addr: loopback})
	if err == nil {
		err = syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_REUSEADDR, 0)
	}
	if err != nil {
		syscall.Close(fd)
		return -1, 0, err
	}
	return fd, in4.Port, nil
}

// listen starts listening on the proxy's socket and accepting (p.mu held). SO_REUSEADDR is
// set while it listens (a listening socket keeps its port from everyone anyway): the
// connections it accepts inherit it, so that after a cut their TIME_WAIT does not keep it
// from listening again on its port.
func (p *TCPProxy) listen() error {
	if err := syscall.SetsockoptInt(p.fd, syscall.SOL_SOCKET, syscall.SO_REUSEADDR, 1); err != nil {
		return err
	}
	if err := syscall.Listen(p.fd, syscall.SOMAXCONN); err != nil {
		return fmt.Errorf("listen on %s: %w", p.Addr, err)
	}
	dup, err := syscall.Dup(p.fd)
	if err != nil {
		return err
	}
	syscall.CloseOnExec(dup)
	f := os.NewFile(uintptr(dup), "tcp-proxy")
	defer f.Close() // FileListener holds a duplicate of its own
	ln, err := net.FileListener(f)
	if err != nil {
		return err
	}
	p.ln = ln
	p.wg.Add(1)
	go p.accept(ln)
	return nil
}

// Cut stops listening (new connections are refused) and closes every connection through the
// proxy, until Restore.
func (p *TCPProxy) Cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln == nil || p.closed {
		return
	}
	// On a listening socket, shutdown stops the listening (connections waiting to be accepted
	// are reset) and keeps the socket bound.
	syscall.Shutdown(p.fd, syscall.SHUT_RD) //nolint:errcheck // closing the listener stops accepting anyway
	// Not listening, the socket keeps the port from other sockets only without SO_REUSEADDR.
	syscall.SetsockoptInt(p.fd, syscall.SOL_SOCKET, syscall.SO_REUSEADDR, 0) //nolint:errcheck // best effort
	p.ln.Close()
	p.ln = nil
	for c := range p.conns {
		c.Close()
	}
}

// Restore ends a Stall, and listens again on the same port after a Cut: new connections are
// forwarded again.
func (p *TCPProxy) Restore() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.unstall()
	if p.ln != nil || p.closed {
		return nil
	}
	return p.listen()
}

// Close stops the proxy, closes every connection through it and gives the port up.
func (p *TCPProxy) Close() {
	p.mu.Lock()
	if !p.closed {
		p.closed = true
		p.unstall()
		close(p.closing)
		if p.ln != nil {
			p.ln.Close()
			p.ln = nil
		}
		for c := range p.conns {
			c.Close()
		}
		syscall.Close(p.fd)
	}
	p.mu.Unlock()
	p.wg.Wait()
}

// Accept's back-off after an error other than a cut or Close, as net/http's server does: 5 ms,
// doubling up to 1 s, until an accept succeeds.
const (
	acceptWaitFirst = 5 * time.Millisecond
	acceptWaitMax   = time.Second
)

// AcceptErrors is how many accepts failed other than by a cut or Close (the test process out of
// file descriptors: EMFILE), and the last such error. The proxy waits after each (5 ms, doubling
// up to 1 s) and accepts again: the connection waiting is taken once a descriptor is free.
func (p *TCPProxy) AcceptErrors() (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.acceptErrs, p.lastAcceptErr
}

func (p *TCPProxy) accept(ln net.Listener) {
	defer p.wg.Done()
	var wait time.Duration
	for {
		c, err := ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) || errors.Is(err, syscall.EINVAL) {
				return // cut or closed
			}
			// The connection that failed stays in the backlog, and an accept at once fails the
			// same way: without a wait the loop takes a core until a descriptor is free.
			p.mu.Lock()
			p.acceptErrs++
			p.lastAcceptErr = err
			p.mu.Unlock()
			wait = min(max(2*wait, acceptWaitFirst), acceptWaitMax)
			t := time.NewTimer(wait)
			select {
			case <-t.C:
			case <-p.closing:
				t.Stop()
				return
			}
			continue
		}
		wait = 0
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
	id, observe, ok := p.track(c, up)
	if !ok {
		c.Close()
		up.Close()
		return
	}
	done := make(chan struct{}, 2)
	pipe := func(dst io.Writer, src net.Conn) {
		io.Copy(dst, stallReader{src, p}) //nolint:errcheck // either side ending ends the connection
		done <- struct{}{}
	}
	go pipe(up, c)
	go pipe(toClient(c, id, observe), up)
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
// meanwhile (ok false), and returns its number and observer (ObserveFromTarget).
func (p *TCPProxy) track(c, up net.Conn) (id int, observe func(int, []byte), ok bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln == nil || p.closed {
		return 0, nil, false
	}
	p.conns[c], p.conns[up] = struct{}{}, struct{}{}
	p.nconns++
	return p.nconns, p.observe, true
}
