package testenv

import (
	"net/url"
	"strings"
	"testing"
)

// Proxies are a Keystone proxy and a Glance proxy: a client given AuthURL reaches Keystone
// through the one, and, by the catalog the Keystone proxy rewrites, Glance through the other.
type Proxies struct {
	Keystone *Proxy
	Glance   *Proxy
	// AuthURL is the Keystone v3 URL through the proxy.
	AuthURL string
	o       *OpenStack
}

// StartProxies puts proxies in front of o's Keystone and Glance for one test (closed at cleanup).
func (o *OpenStack) StartProxies(t testing.TB) *Proxies {
	t.Helper()
	g, err := StartProxy(o.GlanceURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(g.Close)
	k, err := StartProxy(o.AuthURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(k.Close)
	ku, _ := url.Parse(o.AuthURL)
	k.Rewrite(o.GlanceURL, g.URL)
	k.Rewrite("http://"+ku.Host, k.URL)
	return &Proxies{Keystone: k, Glance: g, AuthURL: k.URL + ku.Path, o: o}
}

// Arm re-arms both proxies (see Proxy.Arm).
func (ps *Proxies) Arm() { ps.Keystone.Arm(); ps.Glance.Arm() }

// Env is OpenStack.Env for c with OS_AUTH_URL through the Keystone proxy.
func (ps *Proxies) Env(c Credential) []string {
	env := ps.o.Env(c)
	for i, kv := range env {
		if strings.HasPrefix(kv, "OS_AUTH_URL=") {
			env[i] = "OS_AUTH_URL=" + ps.AuthURL
		}
	}
	return env
}

// Getenv looks up a variable of Env(c), for code that takes a getenv function.
func (ps *Proxies) Getenv(c Credential) func(string) string {
	env := ps.Env(c)
	return func(k string) string {
		for _, kv := range env {
			if v, ok := strings.CutPrefix(kv, k+"="); ok {
				return v
			}
		}
		return ""
	}
}
