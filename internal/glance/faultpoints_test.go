package glance

import (
	"fmt"
	"slices"
	"testing"

	"github.com/gophercloud/gophercloud/v2/openstack/image/v2/images"

	"github.com/packuilon/packuilon/internal/testenv"
)

// These tests put real proxies in front of Keystone and Glance, enumerate every request an
// operation makes, and inject a fault at each one in turn: a 503, a reset before forwarding, a
// reset after forwarding (the change applied, the answer lost), a request held past the client's
// timeout, and an outage from that request on. A single fault must be absorbed by the retries;
// after an outage the operation fails and is recovered the way packuilon recovers (the next
// attempt, `retry`, or the next build). Then DESIGN.md property 4 must hold on Glance's own
// state. Each test logs "FAULT POINTS <operation>: N tried, M held the invariant".

var allFaults = []testenv.Fault{testenv.Fail503, testenv.Reset, testenv.ResetAfter, testenv.Hang}

// sharedCurrent uploads the current image of a new key: shared with member, AQ_OS set.
func (r *faultRig) sharedCurrent(member string) (k, name, cur string) {
	r.t.Helper()
	k, name = key(r.t)
	cur = r.upload(name, images.ImageVisibilityShared, map[string]string{PropKey: k, PropState: StateCurrent, PropName: name, "AQ_OS": "rocky"})
	r.share(cur, []string{member})
	return k, name, cur
}

// candidate uploads a build's image as packer leaves it (the canonical name) and marks it.
func (r *faultRig) candidate(k, name, build string) Candidate {
	r.t.Helper()
	c := Candidate{ImageID: r.upload(name, images.ImageVisibilityPrivate, nil), Key: k, Name: name, BuildID: build}
	if err := r.recoverer(nil).MarkCandidate(r.ctx, c); err != nil {
		r.t.Fatal(err)
	}
	return c
}

// single checks that a single fault was absorbed by the retries.
func (ty *tally) single(fp faultPoint, err error) {
	ty.t.Helper()
	if !fp.outage && err != nil {
		ty.t.Errorf("%s, fault %s: a single transient fault was not absorbed: %v", ty.op, fp, err)
	}
}

func TestFaultPointsPromotion(t *testing.T) {
	r := newFaultRig(t)
	member := r.projectIDs(1)[0]
	promote := func(c Candidate) func(*GlanceStore) error {
		return func(s *GlanceStore) error { _, err := s.Promote(r.ctx, c); return err }
	}
	k, name, _ := r.sharedCurrent(member)
	ph := r.count(nil, promote(r.candidate(k, name, "b1")))
	t.Logf("a promotion: connecting makes %d Keystone and %d Glance requests, the operation %d: %v", ph.connectK, ph.connectG, ph.opG, ph.reqs)
	ty := &tally{t: t, op: "promotion"}
	// Connecting meets every fault; the promotion's own requests all but the reset before
	// forwarding (its effect is the 503's: nothing applied; its classification is tested by the
	// connect points and by every outage, which resets).
	pts := slices.DeleteFunc(ph.points(true, allFaults...), func(fp faultPoint) bool {
		return !fp.connect && !fp.outage && fp.fault == testenv.Reset
	})
	for _, fp := range pts {
		recoveries := []string{"none"}
		if fp.outage {
			recoveries = []string{"retry", "next build"}
		}
		for _, rec := range recoveries {
			k, name, prev := r.sharedCurrent(member)
			c := r.candidate(k, name, "b1")
			reached, err := r.run(&fp, nil, promote(c))
			ty.single(fp, err)
			tested := []string{c.ImageID}
			var recErr error
			if err != nil {
				switch rec {
				case "retry", "none":
					recErr = promote(c)(r.recoverer(nil))
				case "next build":
					c2 := r.candidate(k, name, "b2")
					tested = append(tested, c2.ImageID)
					recErr = promote(c2)(r.recoverer(nil))
				}
			}
			inv := r.holds(want{key: k, name: name, tested: tested, prev: prev, vis: images.ImageVisibilityShared, members: []string{member}})
			if recErr != nil {
				inv = fmt.Errorf("recovery (%s) failed: %w", rec, recErr)
			}
			ty.record(fp, reached, err, inv)
		}
	}
	ty.report()
}

func TestFaultPointsMarking(t *testing.T) {
	r := newFaultRig(t)
	member := r.projectIDs(1)[0]
	mark := func(c Candidate) func(*GlanceStore) error {
		return func(s *GlanceStore) error { return s.MarkCandidate(r.ctx, c) }
	}
	fresh := func() (Candidate, string) {
		k, name, cur := r.sharedCurrent(member)
		return Candidate{ImageID: r.upload(name, images.ImageVisibilityPrivate, nil), Key: k, Name: name, BuildID: "b1"}, cur
	}
	c, _ := fresh()
	ph := r.count(nil, mark(c))
	t.Logf("marking: connecting makes %d Keystone and %d Glance requests, the operation %d: %v", ph.connectK, ph.connectG, ph.opG, ph.reqs)
	ty := &tally{t: t, op: "marking"}
	for _, fp := range ph.points(false, someFaults...) {
		c, cur := fresh()
		reached, err := r.run(&fp, nil, mark(c))
		ty.single(fp, err)
		var inv error
		if err != nil { // the next attempt (the resumed build) marks again
			inv = mark(c)(r.recoverer(nil))
		}
		if inv == nil { // after marking, only the current image has the name
			inv = r.holds(want{key: c.Key, name: c.Name, tested: []string{cur}, vis: images.ImageVisibilityShared, members: []string{member}})
		}
		if inv == nil { // and the build goes on to its promotion
			if _, err := r.recoverer(nil).Promote(r.ctx, c); err != nil {
				inv = err
			} else {
				inv = r.holds(want{key: c.Key, name: c.Name, tested: []string{c.ImageID}, prev: cur, vis: images.ImageVisibilityShared, members: []string{member}})
			}
		}
		ty.record(fp, reached, err, inv)
	}
	ty.report()
}

func TestFaultPointsRejection(t *testing.T) {
	r := newFaultRig(t)
	member := r.projectIDs(1)[0]
	reject := func(c Candidate) func(*GlanceStore) error {
		return func(s *GlanceStore) error { return s.Reject(r.ctx, c, "smoke test: boot failed") }
	}
	k, name, _ := r.sharedCurrent(member)
	ph := r.count(nil, reject(r.candidate(k, name, "b1")))
	t.Logf("rejection: connecting makes %d Keystone and %d Glance requests, the operation %d: %v", ph.connectK, ph.connectG, ph.opG, ph.reqs)
	ty := &tally{t: t, op: "rejection"}
	for _, fp := range ph.points(false, someFaults...) {
		k, name, cur := r.sharedCurrent(member)
		c := r.candidate(k, name, "b1")
		reached, err := r.run(&fp, nil, reject(c))
		ty.single(fp, err)
		var inv error
		if err != nil {
			inv = reject(c)(r.recoverer(nil))
		}
		if inv == nil {
			inv = r.holds(want{key: k, name: name, tested: []string{cur}, vis: images.ImageVisibilityShared, members: []string{member}})
		}
		if img := r.get(c.ImageID); inv == nil && (prop(img, PropState) != StateBroken || img.Visibility != images.ImageVisibilityPrivate) {
			inv = fmt.Errorf("rejected candidate: state %q visibility %s", prop(img, PropState), img.Visibility)
		}
		ty.record(fp, reached, err, inv)
	}
	ty.report()
}
