package glance

import (
	"strings"
	"testing"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/image/v2/images"

	"github.com/packuilon/packuilon/internal/testenv"
)

func TestRollbackRestoresPreviousImage(t *testing.T) {
	e := newEnv(t)
	k, name := key(t)
	ps := e.projectIDs(2)
	opts := defaults()
	opts.DeactivateWarehoused = true
	s := e.store(opts)
	a := e.upload(name, images.ImageVisibilityShared, nil)
	if _, err := s.Promote(e.ctx, Candidate{ImageID: a, Key: k, Name: name}); err != nil {
		t.Fatal(err)
	}
	e.share(a, ps[:1])
	b := e.upload(name, images.ImageVisibilityPrivate, nil)
	if _, err := s.Promote(e.ctx, Candidate{ImageID: b, Key: k, Name: name}); err != nil {
		t.Fatal(err)
	}
	if st := e.get(a).Status; st != images.ImageStatusDeactivated {
		t.Fatalf("warehoused image status %s, want deactivated (configured)", st)
	}
	e.share(b, ps[1:2]) // a project added after the promotion keeps access after the rollback
	res, err := s.Rollback(e.ctx, k)
	if err != nil {
		t.Fatal(err)
	}
	if res.CurrentID != a || res.WarehousedID != b {
		t.Fatalf("rollback made %s current and warehoused %s, want %s and %s", res.CurrentID, res.WarehousedID, a, b)
	}
	e.checkPromoted(name, k, a, b)
	if m := e.memberSet(a); len(m) != 2 {
		t.Fatalf("rolled back image has members %v, want both projects", m)
	}
}

func TestRollbackWithoutWarehousedImage(t *testing.T) {
	e := newEnv(t)
	k, _ := key(t)
	if _, err := e.store(defaults()).Rollback(e.ctx, k); err == nil || !strings.Contains(err.Error(), ErrNothingToRollBack.Error()) {
		t.Fatalf("rollback of an unknown key: %v, want %v", err, ErrNothingToRollBack)
	}
}

func TestRejectBrokenCandidate(t *testing.T) {
	for _, action := range []string{"mark", "delete"} {
		t.Run(action, func(t *testing.T) {
			e := newEnv(t)
			k, name := key(t)
			cand := e.upload(name, images.ImageVisibilityPublic, nil)
			opts := defaults()
			opts.BrokenAction = action
			s := e.store(opts)
			for range 2 { // the second run finds it done
				if err := s.Reject(e.ctx, Candidate{ImageID: cand, Key: k, Name: name, BuildID: "b7"}, "rally: boot failed"); err != nil {
					t.Fatal(err)
				}
			}
			if action == "delete" {
				if _, err := images.Get(e.ctx, e.admin, cand).Extract(); !gophercloud.ResponseCodeIs(err, 404) {
					t.Fatalf("broken candidate still there: %v", err)
				}
				return
			}
			img := e.get(cand)
			if !strings.HasPrefix(img.Name, "Broken-"+name+"-") || img.Visibility != images.ImageVisibilityPrivate || prop(img, PropState) != StateBroken {
				t.Fatalf("broken image: name %q visibility %s state %q", img.Name, img.Visibility, prop(img, PropState))
			}
			if _, err := s.Promote(e.ctx, Candidate{ImageID: cand, Key: k, Name: name}); err == nil {
				t.Fatal("a broken image was promoted")
			}
		})
	}
}

// TestRetention without a compute endpoint: old images are deactivated, never deleted (see
// TestRetentionAsksNova for the rest).
func TestRetention(t *testing.T) {
	e := newEnv(t)
	k, name := key(t)
	opts := defaults()
	opts.KeepWarehoused = 1
	s := e.store(opts)
	var ids []string
	var last *Result
	for range 3 { // after the third, two are warehoused; keep 1 → ids[0] retires
		ids = append(ids, e.upload(name, images.ImageVisibilityPrivate, nil))
		var err error
		if last, err = s.Promote(e.ctx, Candidate{ImageID: ids[len(ids)-1], Key: k, Name: name}); err != nil {
			t.Fatal(err)
		}
	}
	e.checkPromoted(name, k, ids[2], ids[1])
	if st := e.get(ids[1]).Status; st != images.ImageStatusActive {
		t.Fatalf("newest warehoused image is %s, want kept active", st)
	}
	if len(last.Deactivated) != 1 || last.Deactivated[0] != ids[0] || e.get(ids[0]).Status != images.ImageStatusDeactivated {
		t.Fatalf("deactivated %v, want [%s]", last.Deactivated, ids[0])
	}
}

// TestRollbackIgnoresAnotherProjectsImages: any project may put packuilon_* properties on its
// own images; rollback only steps back to an image of the current image's owner, as promotion
// only replaces images of the candidate's owner.
func TestRollbackIgnoresAnotherProjectsImages(t *testing.T) {
	e := newEnv(t)
	k, name := key(t)
	ids := e.promoteSeries(k, name, images.ImageVisibilityPrivate, 2)
	user2 := imageClient(t, e.ctx, e.o, e.o.User2)
	vis := images.ImageVisibilityPrivate
	for _, props := range []map[string]string{
		{PropKey: k, PropState: StateWarehoused, PropName: name},
		{PropKey: k, PropState: StateWarehoused, PropName: name, PropRollback: "true"},
	} {
		if _, err := testenv.UploadImage(e.ctx, user2, images.CreateOpts{Name: "forged", Visibility: &vis, Properties: props}); err != nil {
			t.Fatal(err)
		}
	}
	res, err := e.store(defaults()).Rollback(e.ctx, k)
	if err != nil {
		t.Fatal(err)
	}
	if res.CurrentID != ids[0] {
		t.Fatalf("rollback made %s current, want %s (the admin project's previous image)", res.CurrentID, ids[0])
	}
	e.checkPromoted(name, k, ids[0], ids[1])
}

func TestOneOwner(t *testing.T) {
	img := func(owner, state string) images.Image {
		return images.Image{ID: owner + "-" + state, Owner: owner, Properties: map[string]any{PropState: state}}
	}
	got, err := oneOwner("k", []images.Image{img("other", StateWarehoused), img("ours", StateCurrent), img("ours", StateWarehoused)})
	if err != nil || len(got) != 2 || got[0].Owner != "ours" || got[1].Owner != "ours" {
		t.Fatalf("with a current image: %v, %v; want the current image's project only", got, err)
	}
	if _, err := oneOwner("k", []images.Image{img("other", StateWarehoused), img("ours", StateWarehoused)}); err == nil || !strings.Contains(err.Error(), "cannot tell") {
		t.Fatalf("no current image, two projects: %v, want an error", err)
	}
	if got, err := oneOwner("k", []images.Image{img("ours", StateWarehoused), img("ours", StateWarehoused)}); err != nil || len(got) != 2 {
		t.Fatalf("no current image, one project: %v, %v", got, err)
	}
}
