package glance

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
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
// update), or no answer at all (connection refused or reset, a timeout, a truncated response).
// Other answers (400 bad request, 401, 403 refused by policy, 404, 413) and a TLS certificate
// that does not verify are permanent.
func Transient(err error) bool {
	if err == nil {
		return false
	}
	var code gophercloud.ErrUnexpectedResponseCode
	if errors.As(err, &code) {
		c := code.Actual
		return c >= 500 || c == 408 || c == 409 || c == 429
	}
	// A certificate Glance's or Keystone's TLS does not verify against (a wrong CA_FILE) is
	// bad configuration: retrying it only delays the error.
	var cv *tls.CertificateVerificationError
	if errors.As(err, &cv) {
		return false
	}
	var ue *url.Error
	var ne net.Error
	return errors.As(err, &ue) || errors.As(err, &ne) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNREFUSED)
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
