package glance

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2"
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
	cl, err := Connect(ctx, creds)
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

// TestRetentionWithOwnerAccount: Nova lists other projects' servers only to admins. With an
// owner account, retention asks about its own project's servers: a private image no server
// uses is deleted; a shared one (another project may run it) is deactivated instead.
func TestRetentionWithOwnerAccount(t *testing.T) {
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
	s := ownerStore(t, ctx, o, opts)
	if s.c.Compute == nil {
		t.Fatalf("no compute endpoint: %v", s.c.ComputeErr)
	}
	user2 := imageClient(t, ctx, o, o.User2)
	for _, vis := range []images.ImageVisibility{images.ImageVisibilityPrivate, images.ImageVisibilityShared} {
		t.Run(string(vis), func(t *testing.T) {
			k, name := key(t)
			var ids []string
			var last *Result
			for range 3 { // the third promotion retires the first image
				v := vis
				id, err := testenv.UploadImage(ctx, user2, images.CreateOpts{Name: name, Visibility: &v})
				if err != nil {
					t.Fatal(err)
				}
				ids = append(ids, id)
				if last, err = s.Promote(ctx, Candidate{ImageID: id, Key: k, Name: name}); err != nil {
					t.Fatal(err)
				}
			}
			if len(last.Deferred) > 0 {
				t.Fatalf("retention failed with an owner account: %v", last.Deferred)
			}
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
