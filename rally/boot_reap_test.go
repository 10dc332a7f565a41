package rally

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/servers"

	"github.com/packuilon/packuilon/internal/config"
	"github.com/packuilon/packuilon/internal/event"
	"github.com/packuilon/packuilon/internal/state"
	"github.com/packuilon/packuilon/internal/testenv"
)

// TestBootTestReapsOnlyEndedBuilds: with the build store, which the daemon and packuilon smoke
// share, the reaper deletes the server of a build that has ended and leaves the server of a
// build that is running, even though no test of it runs in this process (another process
// runs it). Uses the Nova simulator.
func TestBootTestReapsOnlyEndedBuilds(t *testing.T) {
	o, sim := testenv.SharedNovaSim(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	st, err := state.Open(filepath.Join(t.TempDir(), "builds.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	record := func(personality string) string {
		req := event.NewRequest(event.Spec{Personality: personality, Archetype: "a", OS: "sl", OSVersion: "7x-x86_64",
			Branch: event.Branch{Type: event.BranchDomain, Name: "prod"}}, event.ReasonManual)
		rec, _, err := st.Intake(ctx, req, "")
		if err != nil {
			t.Fatal(err)
		}
		return rec.ID
	}
	runningID, endedID := record("running"), record("ended")
	if _, err := st.Transition(ctx, runningID, state.Testing, "testing"); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Finish(ctx, endedID, state.Failed, "stage testing failed", nil); err != nil {
		t.Fatal(err)
	}
	img := simImage(ctx, t, o, sim, testenv.OutcomeActive)
	b := bootTest(t, o, config.Smoke{BootTimeout: 20 * time.Second})
	b.Builds = st.BuildRunning
	running, ended := testServer(ctx, t, b, img, runningID), testServer(ctx, t, b, img, endedID)
	defer servers.Delete(ctx, b.Compute, running)
	v, err := b.Test(ctx, Subject{BuildID: "new-build", ImageID: img, ReportPath: filepath.Join(t.TempDir(), "r.json")})
	if err != nil || !v.Passed {
		t.Fatalf("test: %v %v", v, err)
	}
	deleted := sim.Deleted()
	if !slices.Contains(deleted, ended) {
		t.Errorf("server %s of an ended build was not reaped", ended)
	}
	if slices.Contains(deleted, running) {
		t.Errorf("reaped server %s of a build another process runs", running)
	}
}

// testServer boots a server as a boot test of build does, as if that test were still running
// or had been interrupted.
func testServer(ctx context.Context, t *testing.T, b *BootTest, img, build string) string {
	t.Helper()
	s, err := servers.Create(ctx, b.Compute, servers.CreateOpts{Name: serverPrefx + build, ImageRef: img, FlavorRef: "1",
		Metadata: map[string]string{BuildKey: build}}, nil).Extract()
	if err != nil {
		t.Fatal(err)
	}
	return s.ID
}
