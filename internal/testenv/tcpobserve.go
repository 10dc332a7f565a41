package testenv

import "io"

// ObserveFromTarget has f called with each chunk of bytes the proxy copies from the target to
// a client, once the chunk is written to the client, with the number of the connection (1, 2,
// ... in the order the proxy took them; a connection's chunks come in order). A test can so
// follow a protocol's replies (a broker's confirms) and act once a given one has reached the
// client. It applies to the connections made after the call. f runs on the connection's copying
// goroutine, the connection waiting meanwhile: it must not block for long; it may call Cut.
func (p *TCPProxy) ObserveFromTarget(f func(conn int, b []byte)) {
	p.mu.Lock()
	p.observe = f
	p.mu.Unlock()
}

// observedWriter writes to w, then shows what was written to f.
type observedWriter struct {
	w    io.Writer
	conn int
	f    func(conn int, b []byte)
}

func (o observedWriter) Write(b []byte) (int, error) {
	n, err := o.w.Write(b)
	if n > 0 {
		o.f(o.conn, b[:n])
	}
	return n, err
}

// toClient is where a connection's bytes from the target go: c, through f when set.
func toClient(c io.Writer, conn int, f func(int, []byte)) io.Writer {
	if f == nil {
		return c
	}
	return observedWriter{w: c, conn: conn, f: f}
}
