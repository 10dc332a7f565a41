package glance

import (
	"fmt"
	"strings"
	"testing"

	"github.com/gophercloud/gophercloud/v2/openstack/image/v2/images"

	"github.com/packuilon/packuilon/internal/testenv"
)

// Marking, rejection, rollback and retention are enumerated with the faults that differ in
// effect from one another (a change lost after it applied, a hung request) and an outage at
// every request; the promotion with all of them (a 503 and a reset before forwarding differ
// only in how the client sees them).
var someFaults = []testenv.Fault{testenv.ResetAfter, testenv.Hang}

func TestFaultPointsRollback(t *testing.T) {
	r := newFaultRig(t)
	member := r.projectIDs(1)[0]
	// fresh: a key with an older image (warehoused) and a current one shared with member.
	fresh := func() (k, name string, ids []string) {
		k, name = key(t)
		ids = r.promoteSeriesWith(r.direct, k, name, images.ImageVisibilityShared, 2)
		r.share(ids[1], []string{member})
		return k, name, ids
	}
	rollback := func(k string) func(*GlanceStore) error {
		return func(s *GlanceStore) error { _, err := s.Rollback(r.ctx, k); return err }
	}
	k, _, _ := fresh()
	ph := r.count(nil, rollback(k))
	t.Logf("a rollback: connecting makes %d Keystone and %d Glance requests, the operation %d: %v", ph.connectK, ph.connectG, ph.opG, ph.reqs)
	ty := &tally{t: t, op: "rollback"}
	for _, fp := range ph.points(false, someFaults...) {
		k, name, ids := fresh()
		reached, err := r.run(&fp, nil, rollback(k))
		ty.single(fp, err)
		var inv error
		if err != nil { // run again: it finishes this rollback, not one step further
			inv = rollback(k)(r.recoverer(nil))
		}
		if inv == nil {
			inv = r.holds(want{key: k, name: name, tested: ids[:1], prev: ids[1], vis: images.ImageVisibilityShared, members: []string{member}})
		}
		ty.record(fp, reached, err, inv)
	}
	ty.report()
}

func TestFaultPointsRetention(t *testing.T) {
	r := newFaultRig(t)
	member := r.projectIDs(1)[0]
	keep1 := func(s *GlanceStore) { s.opts.KeepWarehoused = 1 }
	// fresh: three promotions of a key (two warehoused, kept by the default of 3), the current
	// one shared with member, and a marked candidate whose promotion retires the two oldest.
	fresh := func() (ids []string, c Candidate) {
		k, name := key(t)
		ids = r.promoteSeriesWith(r.direct, k, name, images.ImageVisibilityShared, 3)
		r.share(ids[2], []string{member})
		return ids, r.candidate(k, name, "b4")
	}
	promote := func(c Candidate) func(*GlanceStore) error {
		return func(s *GlanceStore) error {
			res, err := s.Promote(r.ctx, c)
			if err == nil && len(res.Deferred) > 0 {
				return fmt.Errorf("deferred: %v", res.Deferred)
			}
			return err
		}
	}
	_, c := fresh()
	ph := r.count(keep1, promote(c))
	t.Logf("a promotion with retention: connecting makes %d Keystone and %d Glance requests, the operation %d: %v", ph.connectK, ph.connectG, ph.opG, ph.reqs)
	// Retention's requests are the promotion's last (the old images' deactivations); the
	// promotion's own are enumerated by TestFaultPointsPromotion.
	n := 0
	for _, req := range ph.reqs {
		if strings.HasSuffix(req, "/actions/deactivate") {
			n++
		}
	}
	if n == 0 {
		t.Fatalf("the promotion retired nothing: %v", ph.reqs)
	}
	ty := &tally{t: t, op: "retention"}
	for _, fp := range ph.pointsFrom(false, ph.opG-n+1, someFaults...) {
		ids, c := fresh()
		reached, err := r.run(&fp, keep1, promote(c))
		ty.single(fp, err)
		var inv error
		if err != nil { // the next promotion (here: of the same build, resumed) does it again
			inv = promote(c)(r.recoverer(keep1))
		}
		if inv == nil {
			inv = r.holds(want{key: c.Key, name: c.Name, tested: []string{c.ImageID}, prev: ids[2], vis: images.ImageVisibilityShared, members: []string{member}})
		}
		for _, old := range ids[:2] { // no compute endpoint here: retired by deactivation
			if st := r.get(old).Status; inv == nil && st != images.ImageStatusDeactivated {
				inv = fmt.Errorf("image %s beyond KEEP_WAREHOUSED is %s, want deactivated", old, st)
			}
		}
		ty.record(fp, reached, err, inv)
	}
	ty.report()
}
