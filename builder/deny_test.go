package builder

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gophercloud/gophercloud/v2/openstack/image/v2/images"

	"github.com/packuilon/packuilon/internal/state"
)

// TestDenyAndSupersedeMarkCandidates: in the real Glance, a waiting build superseded by a newer
// one at the gate has its candidate marked broken (no one will approve it now), and so has a
// denied build's; both stay candidates, private, while they wait.
func TestDenyAndSupersedeMarkCandidates(t *testing.T) {
	f := newPromoteFixture(t)
	st, err := state.Open(filepath.Join(f.dir, "builds.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	waiting := func(digest string) (state.Record, *Build) {
		f.build.Artifacts = nil
		f.artifact(t, "managed", "echo built")
		rec, _, err := st.Intake(f.ctx, request("gated", digest), "")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.Transition(f.ctx, rec.ID, state.AwaitingApproval, "approval"); err != nil {
			t.Fatal(err)
		}
		b := &Build{ID: rec.ID, Request: rec.Request, Config: f.build.Config, Log: f.build.Log, Artifacts: f.build.Artifacts}
		arts, _ := json.Marshal(b.Artifacts)
		if err := st.Progress(f.ctx, rec.ID, arts, "", ""); err != nil {
			t.Fatal(err)
		}
		return rec, b
	}
	broken := func(what, id string) {
		t.Helper()
		img := f.get(t, id)
		if !strings.HasPrefix(img.Name, "Broken-") || img.Visibility != images.ImageVisibilityPrivate || img.Properties["packuilon_state"] != "broken" {
			t.Errorf("%s: image %s is %q, %s, state %v; want Broken-, private, broken", what, id, img.Name, img.Visibility, img.Properties["packuilon_state"])
		}
	}
	p := &Pipeline{Store: st, Rejecter: &PromoteStage{}}
	older, ob := waiting("sha256:old")
	if _, err := p.park(f.ctx, ob); err != nil {
		t.Fatal(err)
	}
	if img := f.get(t, ob.Artifacts[0].ImageID); strings.HasPrefix(img.Name, "Broken-") {
		t.Fatalf("a waiting candidate was marked: %q", img.Name)
	}
	newer, nb := waiting("sha256:new")
	if _, err := p.park(f.ctx, nb); err != nil {
		t.Fatal(err)
	}
	if rec, _ := st.Get(f.ctx, older.ID); rec.State != state.Superseded {
		t.Fatalf("older waiting build is %s", rec.State)
	}
	broken("superseded", ob.Artifacts[0].ImageID)
	rec, err := Deny(f.ctx, f.build.Config, st, newer.ID, "alice", "wrong kernel", f.build.Log)
	if err != nil {
		t.Fatal(err)
	}
	if rec.State != state.Denied || !strings.Contains(rec.Message, "alice: wrong kernel") {
		t.Errorf("denied build: %s %q", rec.State, rec.Message)
	}
	broken("denied", nb.Artifacts[0].ImageID)
}
