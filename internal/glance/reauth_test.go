package glance

import (
	"strings"
	"testing"

	"github.com/gophercloud/gophercloud/v2/openstack/image/v2/images"

	"github.com/packuilon/packuilon/internal/testenv"
)

// A token Glance no longer takes (expired in a long-lived builder) is renewed; when Keystone
// answers that renewal with a 503 (one fault), the request is retried like any other transient
// error, not failed: gophercloud's ErrUnableToReauthenticate does not unwrap to the 503.
func TestReauthenticationRetried(t *testing.T) {
	e := newEnv(t)
	px := e.o.StartProxies(t)
	creds, err := LoadCredentials("", px.Getenv(e.o.Admin))
	if err != nil {
		t.Fatal(err)
	}
	cl, err := Connect(e.ctx, creds, nil)
	if err != nil {
		t.Fatal(err)
	}
	lines := newLogLines()
	s := NewGlanceStore(cl, defaults(), lines.logger())
	id := e.upload("reauth-"+testenv.UniqueName(t), images.ImageVisibilityPrivate, nil)
	px.Arm()
	px.Glance.FailNth(1, testenv.Fail401)   // the token has expired
	px.Keystone.FailNth(1, testenv.Fail503) // and Keystone is restarting when it is renewed
	img, err := s.Get(e.ctx, id)
	if err != nil {
		t.Fatalf("get image after a 401 and a failed renewal: %v", err)
	}
	if img.ID != id {
		t.Fatalf("got image %s, want %s", img.ID, id)
	}
	if r := lines.retries(); len(r) != 1 || !strings.Contains(r[0], "re-authenticate") {
		t.Errorf("want one retry line for the failed renewal, got %q", r)
	}
	if n := px.Glance.Count(); n != 2 {
		t.Errorf("Glance saw %d requests, want the one refused and its retry: %v", n, px.Glance.Requests())
	}
}
