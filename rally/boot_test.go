package rally

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/servers"
	"github.com/hashicorp/go-hclog"

	"github.com/packuilon/packuilon/internal/config"
	"github.com/packuilon/packuilon/internal/testenv"
)

// bootTest connects the built-in test to the Nova simulator through an openrc file, as a site
// would configure it.
func bootTest(t testing.TB, o *testenv.OpenStack, cfg config.Smoke) *BootTest {
	t.Helper()
	cfg.AuthFile = filepath.Join(t.TempDir(), "admin-openrc.sh")
	if err := o.WriteOpenRC(cfg.AuthFile, o.Admin); err != nil {
		t.Fatal(err)
	}
	b, err := OpenBootTest(context.Background(), cfg, func(string) string { return "" }, hclog.NewNullLogger())
	if err != nil {
		t.Fatal(err)
	}
	b.Poll = 100 * time.Millisecond
	return b
}

// simImage uploads a small image as the admin; servers booted from it end in outcome.
func simImage(ctx context.Context, t testing.TB, o *testenv.OpenStack, sim *testenv.NovaSim, outcome testenv.Outcome) string {
	t.Helper()
	id, err := sim.CreateImage(ctx, o, o.Admin, testenv.SimImage{Name: testenv.UniqueName(t)})
	if err != nil {
		t.Fatal(err)
	}
	sim.SetOutcome(id, outcome)
	return id
}

func TestBootTest(t *testing.T) {
	o, sim := testenv.SharedNovaSim(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	image := func(outcome testenv.Outcome, console string, minDisk int) string {
		id, err := sim.CreateImage(ctx, o, o.Admin, testenv.SimImage{Name: testenv.UniqueName(t), MinDisk: minDisk})
		if err != nil {
			t.Fatal(err)
		}
		sim.SetOutcome(id, outcome)
		if console != "" {
			sim.SetConsole(id, console)
		}
		return id
	}
	base := config.Smoke{Method: config.SmokeBoot, BootTimeout: 20 * time.Second, ConsoleTimeout: 2 * time.Second}
	tests := []struct {
		name    string
		image   string
		marker  string
		passed  bool
		infra   bool
		reason  string
		flavor  string
		timeout time.Duration
	}{
		{"active passes", image(testenv.OutcomeActive, "", 0), "", true, false, "passed: 1/1", "m1.tiny", 0},
		{"flavor fits min_disk", image(testenv.OutcomeActive, "", 10), "", true, false, "passed", "m1.small", 0},
		{"console marker seen", image(testenv.OutcomeActive, "", 0), "login:", true, false, "passed", "m1.tiny", 0},
		{"error is rejected", image(testenv.OutcomeError, "", 0), "", false, false, "went to ERROR: No valid host", "m1.tiny", 0},
		{"console marker missing is rejected", image(testenv.OutcomeActive, "Kernel panic - not syncing", 0), "login:", false, false, `console marker "login:" not seen`, "m1.tiny", 0},
		{"never active is an infrastructure error", image(testenv.OutcomeNeverActive, "", 0), "", false, true, "still BUILD after 2s", "m1.tiny", 2 * time.Second},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := base
			cfg.ConsoleMarker = tc.marker
			if tc.timeout > 0 {
				cfg.BootTimeout = tc.timeout
			}
			b := bootTest(t, o, cfg)
			reportPath := filepath.Join(t.TempDir(), "smoke.json")
			buildID := "b-" + testenv.UniqueName(t)
			before := len(sim.Deleted())
			v, err := b.Test(ctx, Subject{BuildID: buildID, ImageID: tc.image, ReportPath: reportPath})
			if tc.infra {
				if !errors.Is(err, ErrInfrastructure) || !strings.Contains(err.Error(), tc.reason) {
					t.Fatalf("err = %v, want infrastructure error with %q", err, tc.reason)
				}
			} else {
				if err != nil {
					t.Fatal(err)
				}
				if v.Passed != tc.passed || !strings.Contains(v.Reason(), tc.reason) {
					t.Fatalf("verdict %q (passed %v), want %q (passed %v)", v.Reason(), v.Passed, tc.reason, tc.passed)
				}
				var r report
				data, err := os.ReadFile(reportPath)
				if err != nil || json.Unmarshal(data, &r) != nil || r.Flavor != tc.flavor || r.BuildID != buildID {
					t.Fatalf("report %s: %v", data, err)
				}
			}
			// Cleanup: the test's server is deleted whatever the outcome.
			if got := sim.Deleted(); len(got) != before+1 {
				t.Fatalf("deleted %d servers, want 1", len(got)-before)
			}
		})
	}
}

// A server left by an interrupted test (the builder was killed) is reaped by the next test;
// a server of a test still running in this process is not.
func TestBootTestReaps(t *testing.T) {
	o, sim := testenv.SharedNovaSim(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	img := simImage(ctx, t, o, sim, testenv.OutcomeActive)
	b := bootTest(t, o, config.Smoke{BootTimeout: 20 * time.Second})
	leftover, running, foreign := testServer(ctx, t, b, img, "crashed-build"), testServer(ctx, t, b, img, "running-build"), ""
	other, err := servers.Create(ctx, b.Compute, servers.CreateOpts{Name: "users-vm", ImageRef: img, FlavorRef: "1"}, nil).Extract()
	if err != nil {
		t.Fatal(err)
	}
	foreign = other.ID
	activeMu.Lock()
	active["running-build"]++
	activeMu.Unlock()
	defer func() {
		activeMu.Lock()
		active["running-build"]--
		activeMu.Unlock()
		servers.Delete(ctx, b.Compute, running)
		servers.Delete(ctx, b.Compute, foreign)
	}()
	v, err := b.Test(ctx, Subject{BuildID: "new-build", ImageID: img, ReportPath: filepath.Join(t.TempDir(), "r.json")})
	if err != nil || !v.Passed {
		t.Fatalf("test: %v %v", v, err)
	}
	deleted := sim.Deleted()
	if !slices.Contains(deleted, leftover) {
		t.Errorf("leftover server %s of an interrupted build was not reaped", leftover)
	}
	if slices.Contains(deleted, running) || slices.Contains(deleted, foreign) {
		t.Errorf("reaped a server it must not touch: deleted %v", deleted)
	}
}

// A boot test stopped by its context (the builder is stopping) did not judge the image: the
// error wraps ErrInfrastructure and the context's error, and the server is still deleted.
func TestBootTestCancelled(t *testing.T) {
	o, sim := testenv.SharedNovaSim(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	img := simImage(ctx, t, o, sim, testenv.OutcomeNeverActive)
	b := bootTest(t, o, config.Smoke{BootTimeout: 2 * time.Minute})
	tctx, stop := context.WithCancel(ctx)
	before := len(sim.Deleted())
	// The test writes its first line once the server exists: stop it there, while it waits
	// for ACTIVE.
	out := writerFunc(func(p []byte) (int, error) { stop(); return len(p), nil })
	_, err := b.Test(tctx, Subject{BuildID: "b-" + testenv.UniqueName(t), ImageID: img, ReportPath: filepath.Join(t.TempDir(), "r.json"), Output: out})
	if !errors.Is(err, ErrInfrastructure) || !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want an infrastructure error wrapping context.Canceled", err)
	}
	if got := sim.Deleted(); len(got) != before+1 {
		t.Fatalf("deleted %d servers, want 1", len(got)-before)
	}
}

type writerFunc func(p []byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }
