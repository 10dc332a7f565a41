package glance

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/image/v2/images"
	"github.com/gophercloud/gophercloud/v2/openstack/image/v2/members"
	"github.com/hashicorp/go-hclog"

	"github.com/packuilon/packuilon/internal/config"
	"github.com/packuilon/packuilon/internal/testenv"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }

// env is one test's view of the shared Keystone + Glance.
type env struct {
	t     testing.TB
	o     *testenv.OpenStack
	ctx   context.Context
	admin *gophercloud.ServiceClient // image client of the admin project, for setup and checks
}

func newEnv(t testing.TB) *env {
	t.Helper()
	return newEnvOn(t, testenv.SharedOpenStack(t))
}

// newEnvOn is newEnv on another Keystone + Glance than the shared one.
func newEnvOn(t testing.TB, o *testenv.OpenStack) *env {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	t.Cleanup(cancel)
	return &env{t: t, o: o, ctx: ctx, admin: imageClient(t, ctx, o, o.Admin)}
}

func imageClient(t testing.TB, ctx context.Context, o *testenv.OpenStack, c testenv.Credential) *gophercloud.ServiceClient {
	t.Helper()
	img, err := o.ImageClient(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// defaults are the [promote] defaults, as config.Load gives them for an empty section.
func defaults() config.Promote {
	return config.Promote{
		Enabled: config.PromoteAuto, MemberStatus: config.MemberAccepted,
		WarehouseName: "warehoused-{name}-{date}", BrokenName: "Broken-{name}-{date}", DateFormat: "%Y-%m-%d-%H%M%S",
		BrokenAction: config.BrokenMark, KeepWarehoused: 3, MemberConcurrency: 8,
	}
}

// store connects the way packuilon does: through an openrc file written for the admin.
func (e *env) store(opts config.Promote) *GlanceStore {
	e.t.Helper()
	rc := filepath.Join(e.t.TempDir(), "admin-auth.sh")
	if err := e.o.WriteOpenRC(rc, e.o.Admin); err != nil {
		e.t.Fatal(err)
	}
	creds, err := LoadCredentials(rc, func(string) string { return "" })
	if err != nil {
		e.t.Fatal(err)
	}
	cl, err := Connect(e.ctx, creds, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	return NewGlanceStore(cl, opts, hclog.NewNullLogger())
}

// upload creates an active image of a few bytes with the given properties.
func (e *env) upload(name string, vis images.ImageVisibility, props map[string]string) string {
	e.t.Helper()
	id, err := testenv.UploadImage(e.ctx, e.admin, images.CreateOpts{Name: name, Visibility: &vis, Properties: props})
	if err != nil {
		e.t.Fatal(err)
	}
	return id
}

// promoteSeries uploads and promotes n images of key k one after the other, oldest first, and
// returns their ids: the last is current, the others warehoused.
func (e *env) promoteSeries(k, name string, vis images.ImageVisibility, n int) []string {
	e.t.Helper()
	return e.promoteSeriesWith(e.store(defaults()), k, name, vis, n)
}

// promoteSeriesWith is promoteSeries with store s.
func (e *env) promoteSeriesWith(s *GlanceStore, k, name string, vis images.ImageVisibility, n int) []string {
	e.t.Helper()
	var ids []string
	for range n {
		ids = append(ids, e.upload(name, vis, nil))
		if _, err := s.Promote(e.ctx, Candidate{ImageID: ids[len(ids)-1], Key: k, Name: name}); err != nil {
			e.t.Fatal(err)
		}
	}
	return ids
}

func (e *env) get(id string) *images.Image {
	e.t.Helper()
	img, err := images.Get(e.ctx, e.admin, id).Extract()
	if err != nil {
		e.t.Fatalf("get image %s: %v", id, err)
	}
	return img
}

// named lists the admin project's images with exactly this name (hidden ones too).
func (e *env) named(name string) []images.Image {
	e.t.Helper()
	var out []images.Image
	for _, hidden := range []bool{false, true} {
		pages, err := images.List(e.admin, images.ListOpts{Name: name, Hidden: hidden, Visibility: "all"}).AllPages(e.ctx)
		if err != nil {
			e.t.Fatal(err)
		}
		imgs, err := images.ExtractImages(pages)
		if err != nil {
			e.t.Fatal(err)
		}
		out = append(out, imgs...)
	}
	return out
}

func (e *env) memberSet(id string) map[string]string {
	e.t.Helper()
	pages, err := members.List(e.admin, id).AllPages(e.ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	ms, err := members.ExtractMembers(pages)
	if err != nil {
		e.t.Fatal(err)
	}
	out := map[string]string{}
	for _, m := range ms {
		out[m.MemberID] = m.Status
	}
	return out
}

var (
	projectsMu sync.Mutex
	projects   []string
)

// projectIDs returns n member projects (created once, shared by the tests of the package).
func (e *env) projectIDs(n int) []string {
	e.t.Helper()
	projectsMu.Lock()
	defer projectsMu.Unlock()
	if len(projects) < n {
		projects = append(projects, e.createProjects(n-len(projects))...)
	}
	return projects[:n]
}

// createProjects creates n new member projects.
func (e *env) createProjects(n int) []string {
	e.t.Helper()
	var ids []string
	for range n {
		id, err := e.o.CreateProject(e.ctx, fmt.Sprintf("consumer-%s", testenv.UniqueName(e.t)))
		if err != nil {
			e.t.Fatal(err)
		}
		ids = append(ids, id)
	}
	return ids
}

// share adds members to an image (status pending, as Glance creates them).
func (e *env) share(id string, projectIDs []string) {
	e.t.Helper()
	for _, p := range projectIDs {
		if _, err := members.Create(e.ctx, e.admin, id, p).Extract(); err != nil {
			e.t.Fatalf("share %s with %s: %v", id, p, err)
		}
	}
}

// key is a packuilon_key and canonical name unique to the test.
func key(t testing.TB) (string, string) {
	n := testenv.UniqueName(t)
	return n + ".managed", strings.ToUpper(n[:1]) + n[1:] + " AQ"
}
