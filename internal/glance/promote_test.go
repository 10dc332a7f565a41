package glance

import (
	"errors"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2/openstack/image/v2/images"
)

// checkPromoted asserts the converged state: exactly one image carries name, it is cur, current
// and visible; prev (if any) is warehoused and hidden.
func (e *env) checkPromoted(name, k, cur, prev string) *images.Image {
	e.t.Helper()
	named := e.named(name)
	if len(named) != 1 || named[0].ID != cur {
		ids := []string{}
		for _, n := range named {
			ids = append(ids, n.ID)
		}
		e.t.Fatalf("images named %q = %v, want only %s", name, ids, cur)
	}
	c := e.get(cur)
	if prop(c, PropState) != StateCurrent || prop(c, PropKey) != k || c.Hidden || c.Status != images.ImageStatusActive {
		e.t.Fatalf("current image: state %q key %q hidden %v status %s", prop(c, PropState), prop(c, PropKey), c.Hidden, c.Status)
	}
	if prev != "" {
		p := e.get(prev)
		if prop(p, PropState) != StateWarehoused || !p.Hidden || p.Name == name {
			e.t.Fatalf("previous image: state %q hidden %v name %q", prop(p, PropState), p.Hidden, p.Name)
		}
	}
	return c
}

func TestPromoteFirstImage(t *testing.T) {
	e := newEnv(t)
	k, name := key(t)
	cand := e.upload(name, images.ImageVisibilityPrivate, map[string]string{"AQ_PERSONALITY": "nubes"})
	res, err := e.store(defaults()).Promote(e.ctx, Candidate{ImageID: cand, Key: k, Name: name, BuildID: "b1", ParentID: "src-1"})
	if err != nil {
		t.Fatal(err)
	}
	if res.WarehousedID != "" {
		t.Fatalf("warehoused %s on a first promotion", res.WarehousedID)
	}
	c := e.checkPromoted(name, k, cand, "")
	if prop(c, PropParent) != "src-1" || prop(c, PropBuildID) != "b1" {
		t.Fatalf("lineage: parent %q build %q", prop(c, PropParent), prop(c, PropBuildID))
	}
}

func TestPromoteCopiesMembers(t *testing.T) {
	for _, tc := range []struct {
		name    string
		members int
		status  string
	}{
		{"none", 0, "accepted"},
		{"one", 1, "accepted"},
		{"fifty across projects", 50, "accepted"},
		{"one left pending", 1, "pending"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			k, name := key(t)
			ps := e.projectIDs(tc.members)
			prev := e.upload(name, images.ImageVisibilityShared, map[string]string{PropKey: k, PropState: StateCurrent})
			e.share(prev, ps)
			cand := e.upload(name, images.ImageVisibilityPrivate, nil)
			opts := defaults()
			opts.MemberStatus = tc.status
			res, err := e.store(opts).Promote(e.ctx, Candidate{ImageID: cand, Key: k, Name: name})
			if err != nil {
				t.Fatal(err)
			}
			c := e.checkPromoted(name, k, cand, prev)
			if c.Visibility != images.ImageVisibilityShared {
				t.Fatalf("visibility %s, want shared", c.Visibility)
			}
			got := e.memberSet(cand)
			if len(got) != tc.members || res.Members != tc.members {
				t.Fatalf("candidate has %d members (result says %d), want %d", len(got), res.Members, tc.members)
			}
			for _, p := range ps {
				if got[p] != tc.status {
					t.Fatalf("member %s status %q, want %q", p, got[p], tc.status)
				}
			}
			// The warehoused image keeps its members: servers booted from it stay rebuildable.
			if n := len(e.memberSet(prev)); n != tc.members {
				t.Fatalf("previous image has %d members, want %d kept", n, tc.members)
			}
		})
	}
}

func TestPromoteCarriesVisibility(t *testing.T) {
	for _, vis := range []images.ImageVisibility{images.ImageVisibilityPublic, images.ImageVisibilityPrivate, images.ImageVisibilityShared, images.ImageVisibilityCommunity} {
		t.Run(string(vis), func(t *testing.T) {
			e := newEnv(t)
			k, name := key(t)
			prev := e.upload(name, vis, map[string]string{PropKey: k, PropState: StateCurrent, "os_distro": "rocky", "hw_firmware_type": "uefi", "site_note": "x"})
			// The candidate sets os_distro itself: its own value wins over the carried one.
			cand := e.upload(name, images.ImageVisibilityShared, map[string]string{"os_distro": "rhel"})
			opts := defaults()
			opts.CarryProperties = []string{"site_*"}
			if _, err := e.store(opts).Promote(e.ctx, Candidate{ImageID: cand, Key: k, Name: name}); err != nil {
				t.Fatal(err)
			}
			c := e.checkPromoted(name, k, cand, prev)
			if c.Visibility != vis {
				t.Fatalf("visibility %s, want %s", c.Visibility, vis)
			}
			if prop(c, "os_distro") != "rhel" || prop(c, "hw_firmware_type") != "uefi" || prop(c, "site_note") != "x" {
				t.Fatalf("properties: os_distro %q hw_firmware_type %q site_note %q", prop(c, "os_distro"), prop(c, "hw_firmware_type"), prop(c, "site_note"))
			}
		})
	}
}

func TestPromoteMigratesByExactNameOnly(t *testing.T) {
	e := newEnv(t)
	k, name := key(t)
	// What rename-old-images left: the current image has the name and no packuilon property.
	old := e.upload(name, images.ImageVisibilityPublic, map[string]string{"AQ_OS": "sl"})
	// Unrelated images whose names contain the name: the old script's substring match took
	// these for old versions.
	unrelated := []string{
		e.upload(name+" testing", images.ImageVisibilityPublic, nil),
		e.upload("my "+name, images.ImageVisibilityPrivate, nil),
	}
	// The image from before packuilon is older than the candidate; Glance stamps whole seconds,
	// and an unmarked image of the same second is taken for a sibling candidate, not the old one.
	time.Sleep(1100 * time.Millisecond)
	cand := e.upload(name, images.ImageVisibilityPrivate, nil)
	res, err := e.store(defaults()).Promote(e.ctx, Candidate{ImageID: cand, Key: k, Name: name})
	if err != nil {
		t.Fatal(err)
	}
	if res.WarehousedID != old {
		t.Fatalf("warehoused %q, want the old image %s", res.WarehousedID, old)
	}
	c := e.checkPromoted(name, k, cand, old)
	if c.Visibility != images.ImageVisibilityPublic || prop(c, "AQ_OS") != "sl" {
		t.Fatalf("candidate did not take over visibility (%s) and AQ_OS (%q)", c.Visibility, prop(c, "AQ_OS"))
	}
	for _, id := range unrelated {
		u := e.get(id)
		if u.Hidden || prop(u, PropKey) != "" || prop(u, PropState) != "" {
			t.Fatalf("unrelated image %s (%s) was touched", id, u.Name)
		}
	}
}

func TestPromoteSkipsProtectedProperty(t *testing.T) {
	e := newEnv(t)
	k, name := key(t)
	protected := "x_protected_aq_cluster"
	prev := e.upload(name, images.ImageVisibilityPrivate, map[string]string{PropKey: k, PropState: StateCurrent, "AQ_ARCHETYPE": "cloud"})
	// Only the property writer role may set it: the admin has that role in the service project.
	writer := e.o.Admin
	writer.Project = "service"
	svc := imageClient(t, e.ctx, e.o, writer)
	if _, err := images.Update(e.ctx, svc, prev, images.UpdateOpts{images.UpdateImageProperty{Op: images.AddOp, Name: protected, Value: "c1"}}).Extract(); err != nil {
		t.Fatalf("set protected property as the writer role: %v", err)
	}
	cand := e.upload(name, images.ImageVisibilityPrivate, nil)
	opts := defaults()
	opts.CarryProperties = []string{protected}
	res, err := e.store(opts).Promote(e.ctx, Candidate{ImageID: cand, Key: k, Name: name})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.SkippedProperties) != 1 || res.SkippedProperties[0] != protected {
		t.Fatalf("skipped properties %v, want [%s]", res.SkippedProperties, protected)
	}
	c := e.checkPromoted(name, k, cand, prev)
	if prop(c, "AQ_ARCHETYPE") != "cloud" || prop(c, protected) != "" {
		t.Fatalf("AQ_ARCHETYPE %q (want carried), %s %q (want skipped)", prop(c, "AQ_ARCHETYPE"), protected, prop(c, protected))
	}
}

// TestPromoteMigratesPastLeftoverCandidates: an earlier build of the key that was marked and then
// rejected (broken) or abandoned (still a candidate) does not end the migration from
// rename-old-images: the old unmanaged image with the name is still the one replaced, so only
// one image carries the name afterwards.
func TestPromoteMigratesPastLeftoverCandidates(t *testing.T) {
	e := newEnv(t)
	k, name := key(t)
	old := e.upload(name, images.ImageVisibilityPublic, map[string]string{"AQ_OS": "sl"})
	time.Sleep(1100 * time.Millisecond) // Glance stamps whole seconds; see TestPromoteMigratesByExactNameOnly
	s := e.store(defaults())
	broken := e.upload(name, images.ImageVisibilityPrivate, nil)
	if err := s.MarkCandidate(e.ctx, Candidate{ImageID: broken, Key: k, Name: name, BuildID: "b1"}); err != nil {
		t.Fatal(err)
	}
	if err := s.Reject(e.ctx, Candidate{ImageID: broken, Key: k, Name: name, BuildID: "b1"}, "smoke failed"); err != nil {
		t.Fatal(err)
	}
	abandoned := e.upload(name, images.ImageVisibilityPrivate, nil)
	if err := s.MarkCandidate(e.ctx, Candidate{ImageID: abandoned, Key: k, Name: name, BuildID: "b2"}); err != nil {
		t.Fatal(err)
	}
	cand := e.upload(name, images.ImageVisibilityPrivate, nil)
	if err := s.MarkCandidate(e.ctx, Candidate{ImageID: cand, Key: k, Name: name, BuildID: "b3"}); err != nil {
		t.Fatal(err)
	}
	res, err := s.Promote(e.ctx, Candidate{ImageID: cand, Key: k, Name: name, BuildID: "b3"})
	if err != nil {
		t.Fatal(err)
	}
	if res.WarehousedID != old {
		t.Fatalf("warehoused %q, want the old image %s", res.WarehousedID, old)
	}
	if c := e.checkPromoted(name, k, cand, old); c.Visibility != images.ImageVisibilityPublic {
		t.Fatalf("visibility %s, want the old image's public", c.Visibility)
	}
}

// TestMarkCandidateOfAnotherKey: marking never takes over another key's candidate (a wrong image
// id in a build record), as promotion would not promote it.
func TestMarkCandidateOfAnotherKey(t *testing.T) {
	e := newEnv(t)
	k, name := key(t)
	other := e.upload(name, images.ImageVisibilityPrivate, map[string]string{PropKey: k + ".other", PropState: StateCandidate})
	if err := e.store(defaults()).MarkCandidate(e.ctx, Candidate{ImageID: other, Key: k, Name: name}); !errors.Is(err, ErrNotPromotable) {
		t.Fatalf("marking another key's candidate: %v, want %v", err, ErrNotPromotable)
	}
	if img := e.get(other); prop(img, PropKey) != k+".other" || img.Name != name {
		t.Fatalf("another key's candidate was changed: key %q name %q", prop(img, PropKey), img.Name)
	}
}
