package glance

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack"
	"github.com/gophercloud/gophercloud/v2/openstack/identity/v3/tokens"
	"github.com/hashicorp/go-hclog"
)

// Clients are the authenticated service clients promotion uses.
type Clients struct {
	Image *gophercloud.ServiceClient
	// Compute is nil when the catalog has no compute endpoint (then retention cannot tell
	// whether a server uses an image); ComputeErr says why when the endpoint exists but failed.
	Compute    *gophercloud.ServiceClient
	ComputeErr error
	// Calls counts every HTTP request made, Keystone included.
	Calls *CallCounter
	// Admin is set when the token has the admin role: only then may Nova list every project's
	// servers (retention asks whether any server uses an image).
	Admin bool
}

// Connect authenticates and finds the image (and, if any, compute) endpoints in the catalog.
// Each retry of a transient error (a slow or restarting Keystone) is logged to log at warn level
// with the error, so an operator waiting sees why; nil logs nothing.
func Connect(ctx context.Context, c Credentials, log hclog.Logger) (*Clients, error) {
	counter := &CallCounter{}
	tlsConfig := c.TLS
	if c.CAFile != "" {
		pem, err := os.ReadFile(c.CAFile)
		if err != nil {
			return nil, fmt.Errorf("read CA file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("CA file %s holds no PEM certificate", c.CAFile)
		}
		if tlsConfig == nil {
			tlsConfig = &tls.Config{MinVersion: tls.VersionTLS12}
		} else {
			tlsConfig = tlsConfig.Clone()
		}
		tlsConfig.RootCAs = pool
	}
	base := http.DefaultTransport.(*http.Transport).Clone()
	// Member calls run MEMBER_CONCURRENCY (up to 64) at a time: with Go's default of 2 idle
	// connections per host, all but 2 would be closed after each request and dialled again.
	base.MaxIdleConnsPerHost = 64
	if tlsConfig != nil {
		base.TLSClientConfig = tlsConfig
	}
	if err := checkIdentityEndpoint(c.Auth.IdentityEndpoint); err != nil {
		return nil, fmt.Errorf("identity endpoint (OS_AUTH_URL, clouds.yaml auth_url) from %s: %w", c.Source, err)
	}
	pc, err := openstack.NewClient(c.Auth.IdentityEndpoint)
	if err != nil {
		return nil, fmt.Errorf("identity endpoint: %w", err)
	}
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = RequestTimeout
	}
	pc.HTTPClient = http.Client{Transport: &countingTransport{next: base, n: &counter.n}, Timeout: timeout}
	// Keystone's transient errors are retried like Glance's; a refusal (401) is final.
	if log == nil {
		log = hclog.NewNullLogger()
	}
	s := &GlanceStore{log: log.With("credentials", c.Source), retry: DefaultRetry}
	if err := s.do(ctx, "authenticate", func(ctx context.Context) error { return openstack.Authenticate(ctx, pc, c.Auth) }); err != nil {
		return nil, fmt.Errorf("authenticate (%s): %w", c.Source, err)
	}
	// Creating a service client asks the endpoint for its versions: a request like any other.
	if err := checkCatalogEndpoint(pc, "image", c.Endpoint); err != nil {
		return nil, err
	}
	var img *gophercloud.ServiceClient
	err = s.do(ctx, "image endpoint", func(context.Context) (err error) { img, err = openstack.NewImageV2(pc, c.Endpoint); return err })
	if err != nil {
		return nil, fmt.Errorf("image endpoint: %w", err)
	}
	cl := &Clients{Image: img, Calls: counter, Admin: hasAdminRole(pc)}
	// Only the catalog is consulted here: a missing compute service is normal on test clouds.
	if _, err := pc.EndpointLocator(gophercloud.EndpointOpts{Type: "compute", Region: c.Endpoint.Region, Availability: c.Endpoint.Availability}); err == nil {
		err := checkCatalogEndpoint(pc, "compute", c.Endpoint)
		if err != nil {
			cl.ComputeErr = err
			return cl, nil
		}
		err = s.do(ctx, "compute endpoint", func(context.Context) (err error) {
			cl.Compute, err = openstack.NewComputeV2(pc, c.Endpoint)
			return err
		})
		if err != nil {
			cl.Compute, cl.ComputeErr = nil, fmt.Errorf("compute endpoint: %w", err)
		}
	}
	return cl, nil
}

// checkIdentityEndpoint refuses an identity endpoint that does not parse, holds user info
// (user:password@, which would be sent as basic authentication and named by every error about a
// request to it) or names a port no connection can have (0, or above 65535). The error never
// repeats the URL nor, when it has an '@', a part of it.
func checkIdentityEndpoint(raw string) error {
	u, err := checkURL(raw)
	if err != nil {
		return err
	}
	if u.User != nil {
		return errors.New("holds user:password@: give the user and password as OS_USERNAME and OS_PASSWORD (clouds.yaml username and password)")
	}
	return nil
}

// checkURL parses raw and checks its port (see checkIdentityEndpoint).
func checkURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) && !strings.Contains(raw, "@") {
			return nil, fmt.Errorf("not a URL: %w", ue.Err)
		}
		return nil, errors.New("not a URL")
	}
	if !validPort(u.Port()) {
		return nil, fmt.Errorf("port %s is not a port (1 to 65535)", u.Port())
	}
	return u, nil
}

// validPort reports whether port (of url.URL.Port: digits, or "" for the scheme's default) is
// one a connection can be made to.
func validPort(port string) bool {
	if port == "" {
		return true
	}
	n, err := strconv.Atoi(port)
	return err == nil && n >= 1 && n <= 65535
}

// checkCatalogEndpoint refuses the catalog's endpoints of service type kind that gophercloud may
// ask (the type or its aliases, opts's interface, region and name) when one cannot be used: it
// does not parse, names an impossible port, or holds user:password@ (sent as basic
// authentication to the service and named by errors). It runs before any request to them; the
// error names the service, never the URL.
func checkCatalogEndpoint(pc *gophercloud.ProviderClient, kind string, opts gophercloud.EndpointOpts) error {
	r, ok := pc.GetAuthResult().(tokens.CreateResult)
	if !ok {
		return nil
	}
	catalog, err := r.ExtractServiceCatalog()
	if err != nil {
		return nil // gophercloud says so when it looks the endpoint up
	}
	opts.Type = kind
	opts.ApplyDefaults(kind)
	for _, entry := range catalog.Entries {
		if !slices.Contains(opts.Types(), entry.Type) || (opts.Name != "" && entry.Name != opts.Name) {
			continue
		}
		for _, ep := range entry.Endpoints {
			if gophercloud.Availability(ep.Interface) != opts.Availability ||
				(opts.Region != "" && ep.Region != opts.Region && ep.RegionID != opts.Region) {
				continue
			}
			u, err := checkURL(ep.URL)
			if err == nil && u.User != nil {
				err = errors.New("holds user:password@ (not shown); fix the endpoint in Keystone's catalog")
			}
			if err != nil {
				return fmt.Errorf("%s endpoint (%s, region %q) in the Keystone catalog: %w", kind, ep.Interface, ep.Region, err)
			}
		}
	}
	return nil
}

// hasAdminRole reports whether the token pc authenticated with has the admin role.
func hasAdminRole(pc *gophercloud.ProviderClient) bool {
	r, ok := pc.GetAuthResult().(tokens.CreateResult)
	if !ok {
		return false
	}
	roles, err := r.ExtractRoles()
	if err != nil {
		return false
	}
	for _, role := range roles {
		if role.Name == "admin" {
			return true
		}
	}
	return false
}

// CallCounter counts HTTP requests (for the benchmark and the promotion log).
type CallCounter struct{ n atomic.Int64 }

// Count is the number of requests so far.
func (c *CallCounter) Count() int64 { return c.n.Load() }

// countingTransport is an http.RoundTripper that counts requests.
type countingTransport struct {
	next http.RoundTripper
	n    *atomic.Int64
}

func (t *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	t.n.Add(1)
	return t.next.RoundTrip(r)
}
