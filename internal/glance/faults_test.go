package glance

import (
	"testing"

	"github.com/gophercloud/gophercloud/v2/openstack/image/v2/images"
)

// TestPromoteSweepsSecondCurrent: two images of a key marked current (left by a crash or a race)
// end as one current image, the new one.
func TestPromoteSweepsSecondCurrent(t *testing.T) {
	e := newEnv(t)
	k, name := key(t)
	older := e.upload(name+" old", images.ImageVisibilityPrivate, map[string]string{PropKey: k, PropState: StateCurrent})
	newer := e.upload(name, images.ImageVisibilityPrivate, map[string]string{PropKey: k, PropState: StateCurrent})
	cand := e.upload(name, images.ImageVisibilityPrivate, nil)
	if _, err := e.store(defaults()).Promote(e.ctx, Candidate{ImageID: cand, Key: k, Name: name}); err != nil {
		t.Fatal(err)
	}
	e.checkPromoted(name, k, cand, newer)
	if o := e.get(older); prop(o, PropState) != StateWarehoused || !o.Hidden {
		t.Fatalf("second current image: state %q hidden %v, want warehoused", prop(o, PropState), o.Hidden)
	}
}
