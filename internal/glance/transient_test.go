package glance

import (
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2"

	"github.com/packuilon/packuilon/internal/testenv"
)

// Errors of real requests are classed transient only when another attempt may succeed: a
// refused or reset connection or a timeout (the service restarting, the network), not a request
// that cannot work as configured (a wrong CA_FILE, a typing error in OS_AUTH_URL).
func TestTransient(t *testing.T) {
	tlsSrv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
	t.Cleanup(tlsSrv.Close)
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/hang" {
			<-r.Context().Done()
		}
	}))
	t.Cleanup(plain.Close)
	// A port held without listening: connections are refused, and no other process can take it.
	closed, err := testenv.HoldPort()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(closed.Close)
	closedURL := "http://" + closed.Addr
	reset := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		conn, _, err := w.(http.Hijacker).Hijack()
		if err != nil {
			return
		}
		conn.(*net.TCPConn).SetLinger(0) //nolint:errcheck // a FIN is an error too
		conn.Close()
	}))
	t.Cleanup(reset.Close)
	// An HTTP/2 front end (a TLS-terminating proxy) that resets the stream when its backend dies.
	h2 := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		panic(http.ErrAbortHandler)
	}))
	h2.EnableHTTP2 = true
	h2.Config.ErrorLog = log.New(io.Discard, "", 0)
	h2.StartTLS()
	t.Cleanup(h2.Close)
	// A TLS front end that resets every connection before its handshake (restarting, overloaded).
	tlsReset := tcpServer(t, func(conn net.Conn) {
		conn.(*net.TCPConn).SetLinger(0) //nolint:errcheck // a FIN is an error too
	})
	// Answers another attempt gets again: a redirect loop, a Location that does not parse, a
	// service that does not speak HTTP (an SSH banner).
	loop := redirectLoop(t)
	badLocation := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Location", "http://[::1")
		w.WriteHeader(http.StatusFound)
	}))
	t.Cleanup(badLocation.Close)
	ssh := tcpServer(t, func(conn net.Conn) {
		conn.Write([]byte("SSH-2.0-OpenSSH_9.6\r\n")) //nolint:errcheck // the client reads what came
	})
	// A client that trusts the TLS server's certificate but asks for another host name.
	wrongName := tlsSrv.Client()
	wrongName.Transport.(*http.Transport).TLSClientConfig.ServerName = "keystone.example.org"

	get := func(c *http.Client, u string) error {
		resp, err := c.Get(u)
		if err == nil {
			resp.Body.Close()
			t.Fatalf("GET %s answered %s", u, resp.Status)
		}
		return err
	}
	for _, tc := range []struct {
		name string
		err  error
		want bool
	}{
		{"unknown authority", get(&http.Client{}, tlsSrv.URL), false},
		{"hostname mismatch", get(wrongName, tlsSrv.URL), false},
		{"https to plain http", get(&http.Client{}, "https://"+plain.Listener.Addr().String()), false},
		{"scheme typo", get(&http.Client{}, "htp://"+plain.Listener.Addr().String()+"/v3"), false},
		{"unparsable url", get(&http.Client{}, "http://"+plain.Listener.Addr().String()+"/%zz"), false},
		{"no host", get(&http.Client{}, "http:///v3"), false},
		{"port above 65535", get(&http.Client{}, "http://127.0.0.1:99999/v3"), false},
		{"port 0", get(&http.Client{}, "http://127.0.0.1:0/v3"), false},
		{"name not found", &net.DNSError{Err: "no such host", Name: "keystne.example.org", IsNotFound: true}, false},
		{"dns server failure", &net.DNSError{Err: "server misbehaving", Name: "keystone.example.org", IsTemporary: true}, true},
		{"dns timeout", &net.DNSError{Err: "i/o timeout", Name: "keystone.example.org", IsTimeout: true}, true},
		{"connection refused", get(&http.Client{}, closedURL), true},
		{"connection reset", get(&http.Client{}, reset.URL), true},
		{"timeout", get(&http.Client{Timeout: 50 * time.Millisecond}, plain.URL+"/hang"), true},
		{"http2 stream reset", get(h2.Client(), h2.URL), true},
		{"reset during TLS handshake", get(tlsSrv.Client(), "https://"+tlsReset), true},
		{"redirect loop", get(&http.Client{}, loop.URL), false},
		{"location that does not parse", get(&http.Client{}, badLocation.URL), false},
		{"not http", get(&http.Client{}, "http://"+ssh), false},
		{"502", gophercloud.ErrUnexpectedResponseCode{Actual: 502}, true},
		{"504", gophercloud.ErrUnexpectedResponseCode{Actual: 504}, true},
		{"503", gophercloud.ErrUnexpectedResponseCode{Actual: 503}, true},
		{"409", gophercloud.ErrUnexpectedResponseCode{Actual: 409}, true},
		{"401", gophercloud.ErrUnexpectedResponseCode{Actual: 401}, false},
		{"403", gophercloud.ErrUnexpectedResponseCode{Actual: 403}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Transient(tc.err); got != tc.want {
				t.Errorf("Transient(%v) = %v, want %v", tc.err, got, tc.want)
			}
		})
	}
}
