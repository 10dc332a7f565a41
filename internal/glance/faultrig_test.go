package glance

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2/openstack/image/v2/images"
	"github.com/hashicorp/go-hclog"

	"github.com/packuilon/packuilon/internal/retry"
	"github.com/packuilon/packuilon/internal/testenv"
)

// A faultPoint is one fault at one request of an operation, counted per proxy from 1.
type faultPoint struct {
	// connect: the fault is in connecting (authentication, endpoint discovery); else in the
	// operation proper, on a store connected before.
	connect bool
	proxy   string // "keystone" or "glance"
	n       int
	fault   testenv.Fault
	outage  bool // every request from n on fails (Reset) until the operation gave up
}

func (p faultPoint) String() string {
	phase := "op"
	if p.connect {
		phase = "connect"
	}
	if p.outage {
		return fmt.Sprintf("%s:%s#%d/outage", phase, p.proxy, p.n)
	}
	return fmt.Sprintf("%s:%s#%d/%s", phase, p.proxy, p.n, p.fault)
}

// faultRig runs operations through real proxies in front of the shared Keystone and Glance.
type faultRig struct {
	*env
	px *testenv.Proxies
	// direct reaches Keystone and Glance without the proxies: it sets up fixtures and runs the
	// recoveries (one token for all, as Keystone is slow to issue them on a loaded machine).
	direct *GlanceStore
	// via is connected through the proxies once; operations run on copies of it.
	via *GlanceStore
}

func newFaultRig(t *testing.T) *faultRig {
	e := newEnv(t)
	r := &faultRig{env: e, px: e.o.StartProxies(t), direct: e.store(defaults())}
	var err error
	if r.via, err = r.connect(e.ctx, nil); err != nil {
		t.Fatal(err)
	}
	return r
}

// tuned returns a copy of s with the default options tuned by tune (if not nil).
func tuned(s *GlanceStore, tune func(*GlanceStore)) *GlanceStore {
	c := *s
	c.opts = defaults()
	if tune != nil {
		tune(&c)
	}
	return &c
}

// recover returns the direct store with opts tuned by tune (nil: the defaults).
func (r *faultRig) recoverer(tune func(*GlanceStore)) *GlanceStore { return tuned(r.direct, tune) }

// connect opens a store the way packuilon does, with the admin's OS_* environment whose
// OS_AUTH_URL is the Keystone proxy (the catalog it returns names the Glance proxy). Requests
// time out after 4 s (a hung request costs that), and retries wait little.
func (r *faultRig) connect(ctx context.Context, p func(*GlanceStore)) (*GlanceStore, error) {
	creds, err := LoadCredentials("", r.px.Getenv(r.o.Admin))
	if err != nil {
		return nil, err
	}
	creds.Timeout = 4 * time.Second
	cl, err := Connect(ctx, creds, nil)
	if err != nil {
		return nil, err
	}
	s := NewGlanceStore(cl, defaults(), hclog.NewNullLogger())
	s.retry = retry.Policy{Attempts: 6, Initial: 20 * time.Millisecond, Max: 200 * time.Millisecond}
	if p != nil {
		p(s)
	}
	return s, nil
}

// run runs op through the proxies with the fault point armed (none if nil): a connect point
// connects anew with the fault armed; an operation point runs op on the rig's connected store.
// It reports whether the fault was reached and op's error. The proxies forward everything again
// when it returns.
func (r *faultRig) run(fp *faultPoint, tune func(*GlanceStore), op func(*GlanceStore) error) (reached bool, err error) {
	r.px.Arm()
	defer r.px.Arm()
	var px *testenv.Proxy
	if fp != nil {
		px = map[string]*testenv.Proxy{"keystone": r.px.Keystone, "glance": r.px.Glance}[fp.proxy]
		if fp.outage {
			px.StopFrom(fp.n, testenv.Reset)
		} else {
			px.FailNth(fp.n, fp.fault)
		}
	}
	s := tuned(r.via, tune)
	if fp != nil && fp.connect {
		s, err = r.connect(r.ctx, tune)
	}
	if err == nil {
		err = op(s)
	}
	return px == nil || px.Count() >= fp.n, err
}

// phases are the requests of connecting and of an operation, per proxy.
type phases struct {
	connectK, connectG int
	opG                int
	reqs               []string
}

// count connects and runs op without faults and counts the requests of each phase.
func (r *faultRig) count(tune func(*GlanceStore), op func(*GlanceStore) error) phases {
	r.t.Helper()
	r.px.Arm()
	s, err := r.connect(r.ctx, tune)
	if err != nil {
		r.t.Fatalf("connect without faults: %v", err)
	}
	ph := phases{connectK: r.px.Keystone.Count(), connectG: r.px.Glance.Count()}
	ph.reqs = append(r.px.Keystone.Requests(), r.px.Glance.Requests()...)
	r.px.Arm()
	if err := op(s); err != nil {
		r.t.Fatalf("without faults: %v", err)
	}
	if n := r.px.Keystone.Count(); n != 0 {
		r.t.Fatalf("the operation made %d Keystone requests after connecting", n)
	}
	ph.opG = r.px.Glance.Count()
	ph.reqs = append(ph.reqs, r.px.Glance.Requests()...)
	r.px.Arm()
	return ph
}

// points are the fault points of the operation (and of connecting, if withConnect): each request
// in turn meets each of modes, and an outage starting there.
func (ph phases) points(withConnect bool, modes ...testenv.Fault) []faultPoint {
	return ph.pointsFrom(withConnect, 1, modes...)
}

// pointsFrom is points for the operation's requests from the first-th on.
func (ph phases) pointsFrom(withConnect bool, first int, modes ...testenv.Fault) []faultPoint {
	var out []faultPoint
	add := func(connect bool, proxy string, n int) {
		for _, m := range modes {
			out = append(out, faultPoint{connect: connect, proxy: proxy, n: n, fault: m})
		}
		out = append(out, faultPoint{connect: connect, proxy: proxy, n: n, outage: true})
	}
	if withConnect {
		for n := 1; n <= ph.connectK; n++ {
			add(true, "keystone", n)
		}
		for n := 1; n <= ph.connectG; n++ {
			add(true, "glance", n)
		}
	}
	for n := first; n <= ph.opG; n++ {
		add(false, "glance", n)
	}
	return out
}

// want is the invariant of DESIGN.md property 4 for one key, checked on Glance's own state.
type want struct {
	key, name string
	tested    []string // images that passed their test; the current one must be one of them
	prev      string   // the image replaced: warehoused
	vis       images.ImageVisibility
	members   []string // member projects of the name holder (at least these)
}

// holds checks the invariant and returns what is wrong, or nil.
func (r *faultRig) holds(w want) error {
	named := r.named(w.name)
	if len(named) != 1 {
		ids := []string{}
		for _, n := range named {
			ids = append(ids, n.ID)
		}
		return fmt.Errorf("%d images carry the name %q: %v", len(named), w.name, ids)
	}
	cur := &named[0]
	var errs []error
	if !contains(w.tested, cur.ID) {
		errs = append(errs, fmt.Errorf("the name is on %s, not a tested image %v", cur.ID, w.tested))
	}
	if prop(cur, PropState) != StateCurrent || cur.Hidden || cur.Status != images.ImageStatusActive {
		errs = append(errs, fmt.Errorf("name holder %s: state %q hidden %v status %s", cur.ID, prop(cur, PropState), cur.Hidden, cur.Status))
	}
	if cur.Visibility != w.vis {
		errs = append(errs, fmt.Errorf("name holder %s is %s, want %s", cur.ID, cur.Visibility, w.vis))
	}
	got := r.memberSet(cur.ID)
	for _, m := range w.members {
		if _, ok := got[m]; !ok {
			errs = append(errs, fmt.Errorf("name holder %s lost member %s (has %v)", cur.ID, m, got))
		}
	}
	if w.prev != "" && w.prev != cur.ID {
		if p := r.get(w.prev); prop(p, PropState) != StateWarehoused || !p.Hidden {
			errs = append(errs, fmt.Errorf("previous image %s: state %q hidden %v, want warehoused", w.prev, prop(p, PropState), p.Hidden))
		}
	}
	// No candidate of a finished build is left shared.
	for _, hidden := range []bool{false, true} {
		pages, err := images.List(r.admin, listQuery{ListOpts: images.ListOpts{Hidden: hidden, Visibility: "all"}, props: map[string]string{PropKey: w.key}}).AllPages(r.ctx)
		if err != nil {
			return err
		}
		imgs, _ := images.ExtractImages(pages)
		for i := range imgs {
			img := &imgs[i]
			if !strings.HasPrefix(img.Name, "candidate-") && prop(img, PropState) != StateCandidate {
				continue
			}
			if img.Visibility == images.ImageVisibilityPublic || img.Visibility == images.ImageVisibilityCommunity ||
				img.Visibility == images.ImageVisibilityShared && len(r.memberSet(img.ID)) > 0 {
				errs = append(errs, fmt.Errorf("candidate %s (%q) is left %s", img.ID, img.Name, img.Visibility))
			}
		}
	}
	return errors.Join(errs...)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// tally counts fault points per operation and how many ended with the invariant held.
type tally struct {
	t            *testing.T
	op           string
	tried, held  int
	unreached    int
	failedInline int // points where the operation itself failed (recovered afterwards)
}

func (ty *tally) record(fp faultPoint, reached bool, opErr error, inv error) {
	ty.t.Helper()
	if !reached {
		ty.unreached++
		return
	}
	ty.tried++
	if opErr != nil {
		ty.failedInline++
	}
	if inv != nil {
		ty.t.Errorf("%s, fault %s (operation error: %v): invariant broken: %v", ty.op, fp, opErr, inv)
		return
	}
	ty.held++
}

func (ty *tally) report() {
	ty.t.Logf("FAULT POINTS %s: %d tried, %d held the invariant (%d failed the operation and were recovered; %d not reached)",
		ty.op, ty.tried, ty.held, ty.failedInline, ty.unreached)
}
