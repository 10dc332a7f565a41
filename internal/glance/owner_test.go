package glance

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack"
	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/servers"
	"github.com/gophercloud/gophercloud/v2/openstack/image/v2/images"
	"github.com/hashicorp/go-hclog"

	"github.com/packuilon/packuilon/internal/config"
	"github.com/packuilon/packuilon/internal/testenv"
)

// ownerStore connects as user2, a plain member of project tenant2 (no admin role), the way
// packuilon does: through an openrc file.
func ownerStore(t *testing.T, ctx context.Context, o *testenv.OpenStack, opts config.Promote) *GlanceStore {
	t.Helper()
	rc := filepath.Join(t.TempDir(), "owner-auth.sh")
	if err := o.WriteOpenRC(rc, o.User2); err != nil {
		t.Fatal(err)
	}
	creds, err := LoadCredentials(rc, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	cl, err := Connect(ctx, creds, nil)
	if err != nil {
		t.Fatal(err)
	}
	if cl.Admin {
		t.Fatal("user2 is taken for an admin")
	}
	return NewGlanceStore(cl, opts, hclog.NewNullLogger())
}

// TestRefusedVisibilityStopsBeforeWarehousing: an owner account cannot make an image public
// (publicize_image); promoting over a public image must stop before the public image is
// warehoused, not give its name to a private image.
func TestRefusedVisibilityStopsBeforeWarehousing(t *testing.T) {
	e := newEnv(t)
	k, name := key(t)
	// The admin gives tenant2 a public image (Glance lets an admin set the owner).
	prev := e.upload(name, images.ImageVisibilityPublic, map[string]string{"owner": e.o.Tenant2ID, PropKey: k, PropState: StateCurrent})
	user2 := imageClient(t, e.ctx, e.o, e.o.User2)
	vis := images.ImageVisibilityPrivate
	cand, err := testenv.UploadImage(e.ctx, user2, images.CreateOpts{Name: name, Visibility: &vis})
	if err != nil {
		t.Fatal(err)
	}
	_, err = ownerStore(t, e.ctx, e.o, defaults()).Promote(e.ctx, Candidate{ImageID: cand, Key: k, Name: name})
	if !errors.Is(err, ErrVisibilityRefused) {
		t.Fatalf("promotion over a public image by an owner account: %v, want %v", err, ErrVisibilityRefused)
	}
	p := e.get(prev)
	if p.Name != name || prop(p, PropState) != StateCurrent || p.Hidden || p.Visibility != images.ImageVisibilityPublic {
		t.Fatalf("public image after the refused promotion: name %q state %q hidden %v visibility %s; want it untouched",
			p.Name, prop(p, PropState), p.Hidden, p.Visibility)
	}
	if c := e.get(cand); c.Name == name || prop(c, PropState) == StateCurrent {
		t.Fatalf("candidate took the name (%q, state %q)", c.Name, prop(c, PropState))
	}
}

// TestRetentionAsksNova runs retention against the Nova simulator registered in a private
// Keystone's catalog. Nova lists other projects' servers only to admins: with the admin
// account, an image a server of another project runs is kept and an unused one deleted; with an
// owner account, retention asks about its own project's servers, so a private image no server
// uses is deleted and a shared one (another project may run it) is deactivated instead.
func TestRetentionAsksNova(t *testing.T) {
	o := testenv.PrivateOpenStack(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	nova, err := testenv.StartNovaSim(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	defer nova.Stop()
	opts := defaults()
	opts.KeepWarehoused = 1
	user2 := imageClient(t, ctx, o, o.User2)
	admin := imageClient(t, ctx, o, o.Admin)
	// series uploads (as client) and promotes n images of a new key with s, calling before(i)
	// before the i-th promotion, and returns their ids and the last result.
	series := func(t *testing.T, s *GlanceStore, client *gophercloud.ServiceClient, vis images.ImageVisibility, n int, before func(i int, ids []string)) ([]string, *Result) {
		k, name := key(t)
		var ids []string
		var last *Result
		for i := range n {
			v := vis
			id, err := testenv.UploadImage(ctx, client, images.CreateOpts{Name: name, Visibility: &v})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, id)
			before(i, ids)
			if last, err = s.Promote(ctx, Candidate{ImageID: id, Key: k, Name: name}); err != nil {
				t.Fatal(err)
			}
			if len(last.Deferred) > 0 {
				t.Fatalf("retention failed: %v", last.Deferred)
			}
		}
		return ids, last
	}
	t.Run("admin", func(t *testing.T) {
		rc := filepath.Join(t.TempDir(), "admin-auth.sh")
		if err := o.WriteOpenRC(rc, o.Admin); err != nil {
			t.Fatal(err)
		}
		creds, err := LoadCredentials(rc, func(string) string { return "" })
		if err != nil {
			t.Fatal(err)
		}
		cl, err := Connect(ctx, creds, nil)
		if err != nil || !cl.Admin || cl.Compute == nil {
			t.Fatalf("admin connection: %v admin %v compute %v", err, cl != nil && cl.Admin, cl != nil && cl.Compute != nil)
		}
		s := NewGlanceStore(cl, opts, hclog.NewNullLogger())
		ids, last := series(t, s, admin, images.ImageVisibilityPublic, 4, func(i int, ids []string) {
			if i == 2 { // a server of another project runs the first image
				bootAs(t, ctx, o, o.User2, ids[0])
			}
		})
		if len(last.Deleted) != 1 || last.Deleted[0] != ids[1] {
			t.Fatalf("deleted %v, want only the unused %s", last.Deleted, ids[1])
		}
		if _, err := images.Get(ctx, admin, ids[0]).Extract(); err != nil {
			t.Fatalf("the image another project's server runs: %v, want kept", err)
		}
	})
	s := ownerStore(t, ctx, o, opts)
	if s.c.Compute == nil {
		t.Fatalf("no compute endpoint: %v", s.c.ComputeErr)
	}
	for _, vis := range []images.ImageVisibility{images.ImageVisibilityPrivate, images.ImageVisibilityShared} {
		t.Run("owner/"+string(vis), func(t *testing.T) {
			ids, last := series(t, s, user2, vis, 3, func(int, []string) {})
			img, err := images.Get(ctx, user2, ids[0]).Extract()
			switch {
			case vis == images.ImageVisibilityPrivate && !gophercloud.ResponseCodeIs(err, 404):
				t.Fatalf("private unused image: %v (deleted %v), want deleted", err, last.Deleted)
			case vis == images.ImageVisibilityShared && (err != nil || img.Status != images.ImageStatusDeactivated):
				t.Fatalf("shared image: %v %v, want deactivated, not deleted", img, err)
			}
		})
	}
}

// bootAs boots a server from image on the Nova simulator as c.
func bootAs(t *testing.T, ctx context.Context, o *testenv.OpenStack, c testenv.Credential, image string) {
	t.Helper()
	pc, err := o.Provider(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	cc, err := openstack.NewComputeV2(pc, gophercloud.EndpointOpts{Region: "RegionOne"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := servers.Create(ctx, cc, servers.CreateOpts{Name: "uses-" + image[:8], ImageRef: image, FlavorRef: "1"}, nil).Extract(); err != nil {
		t.Fatalf("boot a server from %s: %v", image, err)
	}
}
