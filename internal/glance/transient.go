package glance

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"time"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/image/v2/images"

	"github.com/packuilon/packuilon/internal/retry"
)

// DefaultRetry bounds the retries of one Glance or Keystone request (or one step's read and
// write): 6 attempts, waits of 0.25, 0.5, 1, 2 and 4 s, so a step gives up after about 8 s plus
// the requests' own time (each bounded by RequestTimeout).
var DefaultRetry = retry.Policy{Attempts: 6, Initial: 250 * time.Millisecond, Max: 4 * time.Second}

// RequestTimeout bounds one HTTP request to Keystone, Glance or Nova: a request that hangs is
// abandoned after it and counts as a transient error.
const RequestTimeout = 60 * time.Second

// Transient reports whether err is worth retrying: a 5xx answer, 408, 429, 409 (a concurrent
// update), the same from Keystone renewing an expired token, or no answer where a later attempt
// may get one: a request the HTTP client could not complete (connection refused, reset or
// closed, an HTTP/2 stream reset or GOAWAY, a timeout), a response body cut short, a temporary
// DNS failure. Everything else is permanent: the other
// answers (400 bad request, 401, 403 refused by policy, 404, 413) and requests that cannot succeed
// as configured, whatever the retries: a malformed URL or one of an unsupported scheme (an
// OS_AUTH_URL of "htp://..." or a port above 65535), a host name DNS does not know, a TLS certificate that does not
// verify (a wrong CA_FILE), a TLS handshake the server refuses, https to a plain HTTP server,
// and answers another attempt gets again: a redirect loop, a Location that does not parse, a
// port that does not speak HTTP.
func Transient(err error) bool {
	if err == nil {
		return false
	}
	// A 401 (an expired token) whose renewal failed is as transient as the renewal's error:
	// gophercloud's error does not unwrap to it.
	var reauth *gophercloud.ErrUnableToReauthenticate
	if errors.As(err, &reauth) {
		return Transient(reauth.ErrReauth)
	}
	var code gophercloud.ErrUnexpectedResponseCode
	if errors.As(err, &code) {
		c := code.Actual
		return c >= 500 || c == 408 || c == 409 || c == 429
	}
	if misconfigured(err) {
		return false
	}
	var dns *net.DNSError
	if errors.As(err, &dns) {
		// Not found is a typing error in the host name; a DNS server that does not answer
		// (or cannot be reached) may answer later.
		return dns.IsTimeout || dns.IsTemporary
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return true
	}
	// Every failure of the HTTP client to get an answer comes as a *url.Error, and net/http's
	// (HTTP/1 and HTTP/2) are mostly unexported: a URL that can never work is permanent, and so
	// is an answer that will not change (a redirect loop, a bad Location, not HTTP at all).
	var ue *url.Error
	if errors.As(err, &ue) {
		return requestable(ue.URL) && !badAnswer(ue.Err)
	}
	// A failed read of an answer's body: reset or cut short. The service (or the network to
	// it) may be back for the next attempt.
	var op *net.OpError
	return errors.As(err, &op) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.ECONNABORTED) || errors.Is(err, syscall.EPIPE)
}

// badAnswers are the texts of net/http's (unexported) errors for answers that another attempt
// gets again: redirects that go round in a loop (or past 10 hops, the client's limit), a
// Location header that does not parse, a service on the port that does not speak HTTP (an
// OS_AUTH_URL naming the SSH or AMQP port). Retrying them only delays the error by about 8 s.
var badAnswers = []string{
	"stopped after 10 redirects",
	"failed to parse Location header",
	"malformed HTTP response",
}

// badAnswer reports whether err, a *url.Error's Err, is one of badAnswers.
func badAnswer(err error) bool {
	if err == nil {
		return false
	}
	msg := err.Error()
	for _, s := range badAnswers {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

// requestable reports whether the HTTP client can send a request to rawURL at all: it parses,
// its scheme is http or https, it names a host, and its port is one (1 to 65535).
func requestable(rawURL string) bool {
	u, err := url.Parse(rawURL)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" && validPort(u.Port())
}

// misconfigured reports whether err is TLS refusing the connection: a certificate that does not
// verify, an alert from either side (a handshake failure, a client certificate required), or a
// server that does not speak TLS. Retrying only delays the error.
func misconfigured(err error) bool {
	var cv *tls.CertificateVerificationError
	var ua x509.UnknownAuthorityError
	var he x509.HostnameError
	var ci x509.CertificateInvalidError
	var rh tls.RecordHeaderError
	if errors.As(err, &cv) || errors.As(err, &ua) || errors.As(err, &he) || errors.As(err, &ci) || errors.As(err, &rh) ||
		errors.Is(err, http.ErrSchemeMismatch) {
		return true
	}
	// crypto/tls reports alerts as a *net.OpError of these two operations.
	var op *net.OpError
	return errors.As(err, &op) && (op.Op == "local error" || op.Op == "remote error")
}

// do runs fn, retrying transient errors within the store's policy; a permanent error ends it at
// once. The error returned is fn's last, unwrapped.
func (s *GlanceStore) do(ctx context.Context, what string, fn func(ctx context.Context) error) error {
	p := s.retry
	p.OnRetry = func(attempt int, err error, wait time.Duration) {
		s.log.Warn("transient error; retrying", "call", what, "attempt", attempt, "wait", wait, "error", err)
	}
	return retry.Do(ctx, p, func(ctx context.Context) error {
		err := fn(ctx)
		if err != nil && !Transient(err) {
			return retry.Permanent(err)
		}
		return err
	})
}

// update applies the ops opsFor computes from the image's state, in one request (Glance applies
// a PATCH atomically). A retry reads the image again and computes the ops afresh: the failed
// request may have been applied (its answer lost), and a JSON patch is not idempotent (removing
// a property that is gone is a 409). img is the state to start from.
func (s *GlanceStore) update(ctx context.Context, img *images.Image, opsFor func(*images.Image) images.UpdateOpts) (*images.Image, error) {
	cur, fresh := img, true
	var out *images.Image
	err := s.do(ctx, "update image "+img.ID, func(ctx context.Context) error {
		if !fresh {
			got, err := images.Get(ctx, s.c.Image, img.ID).Extract()
			if err != nil {
				return err
			}
			cur = got
		}
		fresh = false
		ops := opsFor(cur)
		if len(ops) == 0 {
			out = cur
			return nil
		}
		got, err := images.Update(ctx, s.c.Image, img.ID, ops).Extract()
		if err != nil {
			return err
		}
		out = got
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("update image %s: %w", img.ID, err)
	}
	return out, nil
}
