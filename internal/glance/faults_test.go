package glance

import (
	"fmt"
	"testing"

	"github.com/gophercloud/gophercloud/v2/openstack/image/v2/images"
)

// outageBefore runs op on a new store with glance-api stopped just before step, as in a real
// outage, then starts it again. op must reach step and fail.
func (e *env) outageBefore(step string, op func(*GlanceStore) error) {
	e.t.Helper()
	s := e.store(defaults())
	stopped := false
	s.BeforeStep = func(at string) error {
		if at == step && !stopped {
			stopped = true
			return e.o.StopGlance()
		}
		return nil
	}
	err := op(s)
	if startErr := e.o.StartGlance(); startErr != nil {
		e.t.Fatal(startErr)
	}
	switch {
	case !stopped:
		e.t.Fatalf("step %s never reached (error: %v)", step, err)
	case err == nil:
		e.t.Fatalf("succeeded although glance stopped before %s", step)
	}
}

// TestPromotionConvergesAfterGlanceOutage stops glance-api just before each step, so that
// step's request fails as in a real outage, starts it again, and runs the promotion again (a
// new store, as after a restart of packuilon): it must converge to one current image with the
// name, the members and the visibility. The candidate comes as packer leaves it (the canonical
// name) or as the pipeline's marking stage leaves it (candidate-<name>).
func TestPromotionConvergesAfterGlanceOutage(t *testing.T) {
	for _, step := range []string{"mark", "properties", "members", "warehouse", "current", "sweep"} {
		for _, marked := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/marked=%v", step, marked), func(t *testing.T) {
				promoteThroughOutage(t, step, marked)
			})
		}
	}
}

func promoteThroughOutage(t *testing.T, step string, marked bool) {
	e := newEnv(t)
	k, name := key(t)
	ps := e.projectIDs(3)
	prev := e.upload(name, images.ImageVisibilityShared, map[string]string{PropKey: k, PropState: StateCurrent, "AQ_OS": "rocky"})
	e.share(prev, ps)
	cand := e.upload(name, images.ImageVisibilityPrivate, nil)
	c := Candidate{ImageID: cand, Key: k, Name: name, BuildID: "b1"}
	if marked {
		if err := e.store(defaults()).MarkCandidate(e.ctx, c); err != nil {
			t.Fatal(err)
		}
		if got := e.named(name); len(got) != 1 || got[0].ID != prev {
			t.Fatalf("after marking, %d images named %q, want only the current one", len(got), name)
		}
	}
	e.outageBefore(step, func(s *GlanceStore) error {
		_, err := s.Promote(e.ctx, c)
		return err
	})
	// Wherever it stopped, after the mark no two images carry the name.
	if got := e.named(name); len(got) > 1 && (marked || step != "mark") {
		t.Fatalf("after an outage before %s, %d images are named %q", step, len(got), name)
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
}

// TestRollbackConvergesAfterGlanceOutage stops glance-api in the middle of a rollback; the next
// rollback finishes that one (the same target) instead of stepping back once more.
func TestRollbackConvergesAfterGlanceOutage(t *testing.T) {
	for _, step := range []string{"members", "warehouse", "current"} {
		t.Run(step, func(t *testing.T) {
			e := newEnv(t)
			k, name := key(t)
			ids := e.promoteSeries(k, name, images.ImageVisibilityShared, 3)
			e.outageBefore(step, func(s *GlanceStore) error {
				_, err := s.Rollback(e.ctx, k)
				return err
			})
			res, err := e.store(defaults()).Rollback(e.ctx, k)
			if err != nil {
				t.Fatalf("second run: %v", err)
			}
			if res.CurrentID != ids[1] {
				t.Fatalf("resumed rollback made %s current, want %s (one step back)", res.CurrentID, ids[1])
			}
			e.checkPromoted(name, k, ids[1], ids[2])
		})
	}
}

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
