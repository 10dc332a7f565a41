package glance

import (
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/go-hclog"

	"github.com/packuilon/packuilon/internal/testenv"
)

// logLines is an hclog output that keeps each line (testenv.LogBuffer) and signals the first.
type logLines struct {
	testenv.LogBuffer
	first chan struct{}
	once  sync.Once
}

func newLogLines() *logLines { return &logLines{first: make(chan struct{})} }

func (l *logLines) Write(p []byte) (int, error) {
	l.once.Do(func() { close(l.first) })
	return l.LogBuffer.Write(p)
}

// retries returns the retry lines logged.
func (l *logLines) retries() []string {
	var out []string
	for _, line := range strings.Split(l.String(), "\n") {
		if strings.Contains(line, "transient error; retrying") {
			out = append(out, line)
		}
	}
	return out
}

func (l *logLines) logger() hclog.Logger {
	return hclog.New(&hclog.LoggerOptions{Output: l, Level: hclog.Trace})
}

// withAuthURL is getenv with OS_AUTH_URL replaced.
func withAuthURL(getenv func(string) string, authURL string) func(string) string {
	return func(k string) string {
		if k == "OS_AUTH_URL" {
			return authURL
		}
		return getenv(k)
	}
}

// An OS_AUTH_URL that can never work (a typing error in the scheme, https to a plain HTTP
// Keystone) or holds user:password@ (the password in the URL) fails the first attempt: no retry
// is logged, no request reaches Keystone (whose answers would name the URL), and neither the
// error nor a log line carries the password, even when the URL does not parse.
func TestConnectBadAuthURLFailsAtOnce(t *testing.T) {
	e := newEnv(t)
	px := e.o.StartProxies(t)
	u, err := url.Parse(px.AuthURL)
	if err != nil {
		t.Fatal(err)
	}
	const secret = "s3cr%zzet"
	for _, tc := range []struct{ name, authURL, want string }{
		{"scheme typo", "htp://" + u.Host + u.Path, "unsupported protocol scheme"},
		{"https to plain http", "https://" + u.Host + u.Path, "HTTP response to HTTPS client"},
		{"no host", "http:///v3", "no Host"},
		{"port above 65535", "http://" + u.Hostname() + ":99999" + u.Path, "port 99999 is not a port"},
		{"port 0", "http://" + u.Hostname() + ":0" + u.Path, "port 0 is not a port"},
		{"password, parses", "http://admin:" + url.PathEscape(secret) + "@" + u.Host + u.Path, "OS_AUTH_URL"},
		{"password, does not parse", "http://admin:" + secret + "@" + u.Host + u.Path, "OS_AUTH_URL"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			px.Arm()
			px.Keystone.FailNth(1, testenv.Fail503) // an answer naming the URL, were it sent
			creds, err := LoadCredentials("", withAuthURL(px.Getenv(e.o.Admin), tc.authURL))
			if err != nil {
				t.Fatal(err)
			}
			lines := newLogLines()
			_, err = Connect(e.ctx, creds, lines.logger())
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("connect with a bad OS_AUTH_URL: got %v, want an error with %q; log:\n%s", err, tc.want, lines)
			}
			for _, s := range []string{secret, url.PathEscape(secret), "s3cr"} {
				if strings.Contains(err.Error(), s) || strings.Contains(lines.String(), s) {
					t.Fatalf("the password is in the error or the log:\nerror: %v\nlog:\n%s", err, lines)
				}
			}
			if r := lines.retries(); len(r) != 0 {
				t.Errorf("a permanent error was retried %d times: %q", len(r), r)
			}
			if n := px.Keystone.Count(); n != 0 {
				t.Errorf("%d requests reached Keystone: %v", n, px.Keystone.Requests())
			}
		})
	}
}

// A refused connection (Keystone restarting) is retried, each retry logged, until Keystone
// listens again; then Connect succeeds. The port is held (bound, not listening) throughout, so
// no other process can take it between the refusals and Keystone's return.
func TestConnectRetriesRefusedConnection(t *testing.T) {
	e := newEnv(t)
	held, err := testenv.HoldPort()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(held.Close)
	ks, err := url.Parse(e.o.AuthURL)
	if err != nil {
		t.Fatal(err)
	}
	creds, err := LoadCredentials("", withAuthURL(e.o.StartProxies(t).Getenv(e.o.Admin), "http://"+held.Addr+ks.Path))
	if err != nil {
		t.Fatal(err)
	}
	lines := newLogLines()
	done := make(chan error, 1)
	go func() {
		_, err := Connect(e.ctx, creds, lines.logger())
		done <- err
	}()
	// Keystone comes back at the old address once the first retry is logged.
	select {
	case <-lines.first:
	case err := <-done:
		t.Fatalf("connect ended before any retry: %v", err)
	}
	back, err := held.Listen()
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: httputil.NewSingleHostReverseProxy(&url.URL{Scheme: "http", Host: ks.Host})}
	go srv.Serve(back) //nolint:errcheck // ends with Close
	t.Cleanup(func() { srv.Close() })
	if err := <-done; err != nil {
		t.Fatalf("connect after Keystone came back: %v", err)
	}
	r := lines.retries()
	if len(r) == 0 {
		t.Fatal("no retry logged")
	}
	for _, line := range r {
		if !strings.Contains(line, "[WARN]") || !strings.Contains(line, "call=authenticate") || !strings.Contains(line, "connection refused") {
			t.Errorf("retry line without level, call or error: %q", line)
		}
	}
}

// The retry lines of Connect carry the error but never the password or the token.
func TestConnectRetryLinesHoldNoSecret(t *testing.T) {
	e := newEnv(t)
	px := e.o.StartProxies(t)
	px.Keystone.FailNth(1, testenv.Fail503) // the token request
	px.Glance.FailNth(1, testenv.Reset)     // the image endpoint's discovery, with the token
	creds, err := LoadCredentials("", px.Getenv(e.o.Admin))
	if err != nil {
		t.Fatal(err)
	}
	lines := newLogLines()
	cl, err := Connect(e.ctx, creds, lines.logger())
	if err != nil {
		t.Fatal(err)
	}
	r := lines.retries()
	if len(r) != 2 || !strings.Contains(r[0], "call=authenticate") || !strings.Contains(r[1], `call="image endpoint"`) {
		t.Fatalf("want one retry line for Keystone's 503 and one for Glance's reset, got %q", r)
	}
	token := cl.Image.Token()
	if token == "" {
		t.Fatal("no token after connecting")
	}
	for _, secret := range []string{e.o.Admin.Password, token} {
		if strings.Contains(lines.String(), secret) {
			t.Errorf("a secret is in the log:\n%s", lines)
		}
	}
}

// An endpoint in Keystone's catalog with user:password@ is refused before any request to it
// (the password would go to the service as basic authentication and into errors naming the
// URL); neither the error nor the log repeats the password.
func TestConnectRefusesCatalogEndpointWithPassword(t *testing.T) {
	e := newEnv(t)
	px := e.o.StartProxies(t)
	const secret = "cat-s3cret"
	px.Keystone.Rewrite(px.Glance.URL, strings.Replace(px.Glance.URL, "http://", "http://glance:"+secret+"@", 1))
	creds, err := LoadCredentials("", px.Getenv(e.o.Admin))
	if err != nil {
		t.Fatal(err)
	}
	lines := newLogLines()
	_, err = Connect(e.ctx, creds, lines.logger())
	if err == nil || !strings.Contains(err.Error(), "image endpoint") || !strings.Contains(err.Error(), "user:password@") {
		t.Fatalf("connect with a catalog endpoint holding a password: got %v; log:\n%s", err, lines)
	}
	if strings.Contains(err.Error(), secret) || strings.Contains(lines.String(), secret) {
		t.Fatalf("the password is in the error or the log:\nerror: %v\nlog:\n%s", err, lines)
	}
	if n := px.Glance.Count(); n != 0 {
		t.Errorf("%d requests reached Glance: %v", n, px.Glance.Requests())
	}
}
