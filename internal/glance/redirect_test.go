package glance

import (
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// loopServer is an HTTP server that redirects every request to itself, by an absolute URL (a
// relative one would make the client's error name no host), and counts the requests.
type loopServer struct {
	*httptest.Server
	requests atomic.Int64
}

func redirectLoop(t *testing.T) *loopServer {
	t.Helper()
	l := &loopServer{}
	l.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		l.requests.Add(1)
		http.Redirect(w, r, l.URL+r.URL.Path, http.StatusFound)
	}))
	t.Cleanup(l.Close)
	return l
}

// tcpServer serves every connection with handle, then closes it, until t ends. It returns its
// host:port.
func tcpServer(t *testing.T, handle func(net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			handle(c)
			c.Close()
		}
	}()
	return ln.Addr().String()
}

// An OS_AUTH_URL whose service redirects in a loop (a misconfigured front end) fails Connect at
// the first attempt: the client follows 10 redirects once, no retry is logged, and the error
// says why.
func TestConnectRedirectLoopFailsAtOnce(t *testing.T) {
	loop := redirectLoop(t)
	env := map[string]string{
		"OS_AUTH_URL": loop.URL + "/v3", "OS_USERNAME": "admin", "OS_PASSWORD": "secret",
		"OS_PROJECT_NAME": "admin", "OS_USER_DOMAIN_NAME": "Default", "OS_PROJECT_DOMAIN_NAME": "Default",
	}
	creds, err := LoadCredentials("", func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	lines := newLogLines()
	_, err = Connect(t.Context(), creds, lines.logger())
	if err == nil || !strings.Contains(err.Error(), "stopped after 10 redirects") {
		t.Fatalf("connect through a redirect loop: %v, want the client's redirect error", err)
	}
	if r := lines.retries(); len(r) != 0 {
		t.Errorf("a redirect loop was retried %d times: %q", len(r), r)
	}
	// The first request and the 9 redirects the client follows before it stops at the tenth.
	if n := loop.requests.Load(); n != 10 {
		t.Errorf("the loop served %d requests, want 10 (one attempt)", n)
	}
}
