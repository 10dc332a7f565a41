package testenv

import (
	"bytes"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strconv"
	"sync"
	"time"
)

// Fault is what a Proxy does to a request instead of (or after) forwarding it.
type Fault int

// The faults a Proxy injects.
const (
	// Forward is no fault.
	Forward Fault = iota
	// Fail503 answers 503 Service Unavailable without forwarding.
	Fail503
	// Reset closes the client's connection with a TCP reset without forwarding.
	Reset
	// ResetAfter forwards the request (the service applies it) and then resets the client's
	// connection instead of answering: the client cannot tell whether the change happened.
	ResetAfter
	// Hang holds the request, unforwarded, until the client gives up (its timeout) or the proxy
	// closes.
	Hang
	// Fail401 answers 401 Unauthorized without forwarding, as a service does to an expired or
	// revoked token: the client authenticates again.
	Fail401
)

// String names the fault for test names.
func (f Fault) String() string {
	return [...]string{"forward", "503", "reset", "reset-after", "hang", "401"}[f]
}

// Proxy is a real HTTP proxy on a free loopback port in front of one service. It forwards every
// request unless told, by the request's number (1 for the first request after Arm), to fail it
// or to stop forwarding from it on. It keeps the method and path of every request it saw.
type Proxy struct {
	// URL is the proxy's base URL (http://127.0.0.1:port).
	URL string

	srv     *http.Server
	rp      *httputil.ReverseProxy
	target  string
	rewrite [][2][]byte
	closing chan struct{}

	mu      sync.Mutex
	n       int
	at      map[int]Fault
	from    int // 0: none; else every request from this number on gets fromF
	fromF   Fault
	seen    []string
	stopped bool
}

// StartProxy starts a proxy forwarding to target (a base URL such as o.GlanceURL). The caller
// must Close it.
func StartProxy(target string) (*Proxy, error) {
	u, err := url.Parse(target)
	if err != nil {
		return nil, fmt.Errorf("proxy target: %w", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &Proxy{URL: "http://" + ln.Addr().String(), target: u.Scheme + "://" + u.Host, at: map[int]Fault{}, closing: make(chan struct{})}
	p.rp = &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(&url.URL{Scheme: u.Scheme, Host: u.Host})
			r.Out.Host = u.Host
			r.Out.Header.Del("Accept-Encoding") // bodies are rewritten as plain text
		},
		ModifyResponse: p.modify,
		// A client giving up on a held or slow request is part of the tests, not news.
		ErrorLog: log.New(io.Discard, "", 0),
	}
	p.srv = &http.Server{Handler: http.HandlerFunc(p.serve), ReadHeaderTimeout: time.Minute}
	go p.srv.Serve(ln) //nolint:errcheck // ends with Close
	return p, nil
}

// Close stops the proxy; held requests are released.
func (p *Proxy) Close() {
	p.mu.Lock()
	if !p.stopped {
		p.stopped = true
		close(p.closing)
	}
	p.mu.Unlock()
	p.srv.Close()
}

// Rewrite makes the proxy replace old with new in every response body (Keystone's catalog
// names the services' own URLs; rewritten, clients reach them through proxies).
func (p *Proxy) Rewrite(old, new string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.rewrite = append(p.rewrite, [2][]byte{[]byte(old), []byte(new)})
}

// Arm clears the faults and the request log and numbers requests from 1 again.
func (p *Proxy) Arm() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.n, p.at, p.from, p.seen = 0, map[int]Fault{}, 0, nil
}

// FailNth makes the nth request (counted since Arm) meet fault f; the others are forwarded.
func (p *Proxy) FailNth(n int, f Fault) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.at[n] = f
}

// StopFrom makes every request from the nth (counted since Arm) on meet f (Reset: the service
// looks down) until Resume.
func (p *Proxy) StopFrom(n int, f Fault) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.from, p.fromF = n, f
}

// Stop stops forwarding at once: every request is reset until Resume.
func (p *Proxy) Stop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.from, p.fromF = max(p.n+1, 1), Reset
}

// Resume forwards every request again (faults set with FailNth stay).
func (p *Proxy) Resume() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.from = 0
}

// Requests returns "METHOD /path" of each request since Arm, in order of arrival.
func (p *Proxy) Requests() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.seen...)
}

// Count is the number of requests since Arm.
func (p *Proxy) Count() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.n
}

func (p *Proxy) next(r *http.Request) Fault {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.n++
	p.seen = append(p.seen, r.Method+" "+r.URL.Path)
	if f, ok := p.at[p.n]; ok {
		return f
	}
	if p.from > 0 && p.n >= p.from {
		return p.fromF
	}
	return Forward
}

func (p *Proxy) serve(w http.ResponseWriter, r *http.Request) {
	switch p.next(r) {
	case Fail503:
		io.Copy(io.Discard, r.Body) //nolint:errcheck // the body is dropped
		http.Error(w, "injected fault: service unavailable", http.StatusServiceUnavailable)
	case Fail401:
		io.Copy(io.Discard, r.Body) //nolint:errcheck // the body is dropped
		http.Error(w, "injected fault: the token is not valid", http.StatusUnauthorized)
	case Reset:
		reset(w)
	case Hang:
		select {
		case <-r.Context().Done():
		case <-p.closing:
		}
		reset(w)
	case ResetAfter:
		rec := &discard{header: http.Header{}}
		p.rp.ServeHTTP(rec, r) // the service applies the request; its answer is dropped
		reset(w)
	default:
		p.rp.ServeHTTP(w, r)
	}
}

// modify rewrites response bodies (see Rewrite).
func (p *Proxy) modify(resp *http.Response) error {
	p.mu.Lock()
	rw := p.rewrite
	p.mu.Unlock()
	if len(rw) == 0 || resp.Body == nil {
		return nil
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return err
	}
	for _, r := range rw {
		body = bytes.ReplaceAll(body, r[0], r[1])
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	resp.Header.Set("Content-Length", strconv.Itoa(len(body)))
	return nil
}

// reset closes the client's connection with a TCP RST.
func reset(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler)
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		tc.SetLinger(0) //nolint:errcheck // best effort: a FIN is a fault too
	}
	conn.Close()
}

// discard is a ResponseWriter that keeps nothing.
type discard struct{ header http.Header }

func (d *discard) Header() http.Header         { return d.header }
func (d *discard) Write(b []byte) (int, error) { return len(b), nil }
func (d *discard) WriteHeader(int)             {}
