package main

import (
	"bytes"
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

	"github.com/packuilon/packuilon/internal/state"
	"github.com/packuilon/packuilon/internal/testenv"
)

// TestPromoteAndRollbackCommands runs packuilon promote twice and rollback once against a
// private Keystone + Glance, configured the old way: [rabbit2packer] ADMIN_AUTH_FILE.
func TestPromoteAndRollbackCommands(t *testing.T) {
	g := newGlanceSite(t, "[global]\nSTATE_DIR = state/\n[rabbit2packer]\nADMIN_AUTH_FILE = admin-auth.sh\n[promote]\nKEEP_WAREHOUSED = 2\n")
	ctx, cfgPath, upload := g.ctx, g.cfgPath, g.upload
	cmd := func(fn func(context.Context, *cmdEnv, []string) int, args ...string) string {
		var out, errOut bytes.Buffer
		if code := fn(ctx, &cmdEnv{stdout: &out, stderr: &errOut}, args); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errOut.String())
		}
		return out.String()
	}
	a, b := upload(), upload()
	cmd(cli("promote"), "--config", cfgPath, "--image", a, "--key", "sl7.managed")
	out := cmd(cli("promote"), "--config", cfgPath, "--image", b, "--key", "sl7.managed")
	if !strings.Contains(out, "warehoused: "+a) {
		t.Fatalf("second promotion did not warehouse the first image:\n%s", out)
	}
	out = cmd(cli("rollback"), "--config", cfgPath, "--key", "sl7.managed")
	if !strings.Contains(out, "current:    "+a+" (SL7 AQ)") || !strings.Contains(out, "warehoused: "+b) {
		t.Fatalf("rollback output:\n%s", out)
	}
}

// TestPromoteClaim: a hand-run promote of a key the builder daemon is working on is refused
// with a message naming the build (exit 75), or waits with --wait until the daemon is done;
// two promotions of one key started at once run one after the other, and Glance ends with one
// current image and the other warehoused.
func TestPromoteClaim(t *testing.T) {
	g := newGlanceSite(t, "[global]\nSTATE_DIR = state/\n[rabbit2packer]\nADMIN_AUTH_FILE = admin-auth.sh\n")
	ctx, dir, cfgPath, img, upload := g.ctx, g.dir, g.cfgPath, g.img, g.upload
	st, err := state.Open(filepath.Join(dir, "state", "builds.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	promote := func(args ...string) (int, string, string) {
		var out, errOut syncBuffer
		code := cli("promote")(ctx, &cmdEnv{stdout: &out, stderr: &errOut}, append([]string{"--config", cfgPath}, args...))
		return code, out.String(), errOut.String()
	}

	// The daemon holds the key (as a build does from its marking stage on).
	daemon, err := state.Hold(ctx, st, "sl7.managed", state.NewHolder("builder", "build B42"), 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	a := upload()
	code, _, errOut := promote("--image", a, "--key", "sl7.managed")
	if code != claimExit || !strings.Contains(errOut, "build B42") || !strings.Contains(errOut, "refused") {
		t.Fatalf("promote beside the daemon: exit %d, stderr %q; want %d naming the build", code, errOut, claimExit)
	}
	if cur, err := images.Get(ctx, img, a).Extract(); err != nil || cur.Properties["packuilon_state"] != nil {
		t.Fatalf("refused promote touched the image: %v %v", err, cur.Properties)
	}

	// With --wait it waits for the daemon to release the key, then promotes.
	done := make(chan string, 1)
	var waitErr syncBuffer
	go func() {
		var out syncBuffer
		code := cli("promote")(ctx, &cmdEnv{stdout: &out, stderr: &waitErr}, []string{"--config", cfgPath, "--image", a, "--key", "sl7.managed", "--wait", "2m"})
		done <- fmt.Sprintf("%d %s", code, out.String())
	}()
	deadline := time.Now().Add(time.Minute)
	for !strings.Contains(waitErr.String(), "waiting up to") {
		if time.Now().After(deadline) {
			t.Fatalf("promote --wait does not say it waits: %q", waitErr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err := daemon.Release(ctx); err != nil {
		t.Fatal(err)
	}
	if res := <-done; !strings.HasPrefix(res, "0 ") || !strings.Contains(res, "current:    "+a) {
		t.Fatalf("promote after waiting: %s (stderr %s)", res, waitErr.String())
	}

	// Two promotions started at once: one waits for the other.
	b, c := upload(), upload()
	results := make(chan string, 2)
	for _, id := range []string{b, c} {
		go func() {
			code, out, errOut := promote("--image", id, "--key", "sl7.managed", "--wait", "3m")
			results <- fmt.Sprintf("%s exit %d\n%s%s", id, code, out, errOut)
		}()
	}
	for range 2 {
		if r := <-results; !strings.Contains(r, " exit 0\n") {
			t.Fatalf("concurrent promotion: %s", r)
		}
	}
	states := map[string]int{}
	for _, id := range []string{a, b, c} {
		im, err := images.Get(ctx, img, id).Extract()
		if err != nil {
			t.Fatal(err)
		}
		s, _ := im.Properties["packuilon_state"].(string)
		states[s]++
		if s == "current" && im.Name != "SL7 AQ" {
			t.Errorf("current image %s is named %q", id, im.Name)
		}
	}
	if states["current"] != 1 || states["warehoused"] != 2 {
		t.Errorf("image states after two concurrent promotions = %v, want 1 current and 2 warehoused", states)
	}
}

// syncBuffer is a buffer a test reads while a command writes to it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// TestPromoteCommandChaining: with SOURCE_CHAINING, a hand-run promote points the source-image
// map's entry for the previous image at the new one; an entry a failed chaining left on the
// image before that is moved by the next promotion, as the builder's promotions do.
func TestPromoteCommandChaining(t *testing.T) {
	g := newGlanceSite(t, "[global]\nSTATE_DIR = state/\n[rabbit2packer]\nPACKER_ADMIN_AUTH = admin-auth.sh\nIMAGES_CONFIG = source-images.json\n[promote]\nSOURCE_CHAINING = true\n")
	a, b, c := g.upload(), g.upload(), g.upload()
	sources := filepath.Join(g.dir, "source-images.json")
	setSource := func(id string) {
		if err := os.WriteFile(sources, []byte(`{"sl7x-x86_64": "`+id+`"}`+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	source := func() string {
		data, err := os.ReadFile(sources)
		if err != nil {
			t.Fatal(err)
		}
		return string(data)
	}
	setSource(a)
	promote := func(id string) string {
		code, out, errOut := runLine(t, "promote", "--config", g.cfgPath, "--image", id, "--key", "sl7.chained")
		if code != 0 {
			t.Fatalf("promote %s: exit %d: %s%s", id, code, out, errOut)
		}
		return out
	}
	promote(a)
	promote(b)
	if got := source(); !strings.Contains(got, b) {
		t.Fatalf("after promoting b over a the source map is %s, want b", got)
	}
	setSource(a) // as if chaining had failed when b was promoted
	out := promote(c)
	if got := source(); !strings.Contains(got, c) {
		t.Fatalf("after promoting c the source map is %s, want c (chained from the image before the previous one)\n%s", got, out)
	}
}

// glanceSite is a private Keystone + Glance with an admin openrc and a config.ini in a
// temporary directory, for the tests of the commands that touch Glance.
type glanceSite struct {
	ctx     context.Context
	dir     string
	cfgPath string
	img     *gophercloud.ServiceClient
	upload  func() string // uploads an image named "SL7 AQ" and returns its id
}

func newGlanceSite(t *testing.T, ini string) *glanceSite {
	t.Helper()
	o := testenv.PrivateOpenStack(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	t.Cleanup(cancel)
	g := &glanceSite{ctx: ctx, dir: t.TempDir()}
	if err := o.WriteOpenRC(filepath.Join(g.dir, "admin-auth.sh"), o.Admin); err != nil {
		t.Fatal(err)
	}
	g.cfgPath = filepath.Join(g.dir, "config.ini")
	if err := os.WriteFile(g.cfgPath, []byte(ini), 0o644); err != nil {
		t.Fatal(err)
	}
	img, err := o.ImageClient(ctx, o.Admin)
	if err != nil {
		t.Fatal(err)
	}
	g.img = img
	g.upload = func() string {
		id, err := testenv.UploadImage(ctx, img, images.CreateOpts{Name: "SL7 AQ"})
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	return g
}
