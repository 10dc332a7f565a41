package glance

import (
	"testing"

	"github.com/gophercloud/gophercloud/v2/openstack/image/v2/images"
)

// TestPromotionConvergesAfterGlanceOutage stops glance-api just before each step, so that
// step's request fails as in a real outage, starts it again, and runs the promotion again (a
// new store, as after a restart of packuilon): it must converge to one current image with the
// name, the members and the visibility.
func TestPromotionConvergesAfterGlanceOutage(t *testing.T) {
	for _, step := range []string{"mark", "properties", "members", "warehouse", "current", "sweep"} {
		t.Run(step, func(t *testing.T) {
			e := newEnv(t)
			k, name := key(t)
			ps := e.projectIDs(3)
			prev := e.upload(name, images.ImageVisibilityShared, map[string]string{PropKey: k, PropState: StateCurrent, "AQ_OS": "rocky"})
			e.share(prev, ps)
			cand := e.upload(name, images.ImageVisibilityPrivate, nil)
			c := Candidate{ImageID: cand, Key: k, Name: name, BuildID: "b1"}
			s := e.store(defaults())
			stopped := false
			s.BeforeStep = func(at string) error {
				if at == step && !stopped {
					stopped = true
					return e.o.StopGlance()
				}
				return nil
			}
			_, err := s.Promote(e.ctx, c)
			if startErr := e.o.StartGlance(); startErr != nil {
				t.Fatal(startErr)
			}
			if err == nil {
				t.Fatalf("promotion succeeded although glance stopped before %s", step)
			}
			if _, err := e.store(defaults()).Promote(e.ctx, c); err != nil {
				t.Fatalf("second run: %v", err)
			}
			cur := e.checkPromoted(name, k, cand, prev)
			if cur.Visibility != images.ImageVisibilityShared || prop(cur, "AQ_OS") != "rocky" {
				t.Fatalf("visibility %s AQ_OS %q after resuming", cur.Visibility, prop(cur, "AQ_OS"))
			}
			if m := e.memberSet(cand); len(m) != len(ps) {
				t.Fatalf("members %v after resuming, want %d", m, len(ps))
			}
		})
	}
}
