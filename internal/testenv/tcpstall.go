package testenv

import "io"

// Stall makes a silent network cut, as a link or a firewall that drops packets makes, not a
// service that went down: the connections through the proxy stay open, new ones are accepted,
// but no byte passes either way until Restore (or Close). A client's writes are buffered and
// succeed, its reads wait: nothing tells it the service is gone (the proxy's end still answers
// TCP, so even keepalive does not), and only its own deadline ends the wait. A chunk already
// read when Stall is called may still pass.
func (p *TCPProxy) Stall() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stalled == nil && !p.closed {
		p.stalled = make(chan struct{})
	}
}

// unstall ends a stall (p.mu held): the copies waiting go on.
func (p *TCPProxy) unstall() {
	if p.stalled != nil {
		close(p.stalled)
		p.stalled = nil
	}
}

// stallReader is one direction of a forwarded connection: what it reads waits, while the
// proxy is stalled, until the stall ends.
type stallReader struct {
	r io.Reader
	p *TCPProxy
}

func (s stallReader) Read(b []byte) (int, error) {
	n, err := s.r.Read(b)
	s.p.mu.Lock()
	gate := s.p.stalled
	s.p.mu.Unlock()
	if gate != nil {
		<-gate
	}
	return n, err
}
