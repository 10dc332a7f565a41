package builder

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/packuilon/packuilon/internal/config"
	"github.com/packuilon/packuilon/internal/state"
	"github.com/packuilon/packuilon/internal/testenv"
	"github.com/packuilon/packuilon/rally"
)

// smokeFixture is a promote fixture whose cloud has the Nova simulator, with the boot test
// configured against it.
func smokeFixture(t *testing.T) (*promoteFixture, *testenv.NovaSim, *SmokeStage) {
	f := newPromoteFixture(t)
	_, sim := testenv.SharedNovaSim(t)
	f.build.Config.Smoke = config.Smoke{Method: config.SmokeBoot, AuthFile: f.build.Config.Promote.AuthFile,
		BootTimeout: 3 * time.Second, ConsoleTimeout: 3 * time.Second}
	f.build.LogPath = filepath.Join(f.dir, "build.log")
	f.build.Config.Builder.LogDir = f.dir // builds whose record has no log path report here
	stage := &SmokeStage{Open: func(ctx context.Context, b *Build) (rally.Tester, error) {
		bt, err := rally.OpenBootTest(ctx, b.Config.Smoke, func(string) string { return "" }, b.Log)
		if bt != nil {
			bt.Poll = 100 * time.Millisecond
		}
		return bt, err
	}}
	return f, sim, stage
}

func TestSmokeStage(t *testing.T) {
	tests := []struct {
		name     string
		method   string
		outcome  testenv.Outcome
		rejected bool
		infra    bool
		verdict  string
	}{
		{"none skips the test", config.SmokeNone, testenv.OutcomeError, false, false, ""},
		{"boot passes", config.SmokeBoot, testenv.OutcomeActive, false, false, "passed: 1/1"},
		{"error rejects the image", config.SmokeBoot, testenv.OutcomeError, true, false, "went to ERROR"},
		{"hung boot is a test error", config.SmokeBoot, testenv.OutcomeNeverActive, false, true, "not judged"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, sim, stage := smokeFixture(t)
			a := f.artifact(t, "managed", "echo built")
			sim.SetOutcome(a.ImageID, tc.outcome)
			f.build.Config.Smoke.Method = tc.method
			if tc.method == config.SmokeNone {
				stage.Open = nil // the real selection: none gives no tester
			}
			err := stage.Run(f.ctx, f.build)
			got := f.build.Artifacts[0]
			switch {
			case tc.rejected != errors.Is(err, ErrImageRejected):
				t.Fatalf("err = %v, rejected want %v", err, tc.rejected)
			case tc.infra && (err == nil || !errors.Is(err, rally.ErrInfrastructure)):
				t.Fatalf("err = %v, want an infrastructure error", err)
			case !tc.rejected && !tc.infra && err != nil:
				t.Fatal(err)
			case !strings.Contains(got.TestVerdict, tc.verdict):
				t.Fatalf("verdict %q, want %q", got.TestVerdict, tc.verdict)
			case got.Rejected != tc.rejected:
				t.Fatalf("artifact Rejected = %v, want %v (only a candidate that failed its own test is marked broken)", got.Rejected, tc.rejected)
			}
			if data, _ := os.ReadFile(f.build.LogPath); tc.method != config.SmokeNone && !strings.Contains(string(data), "boot test: server") {
				t.Errorf("the test's output is not in the build log:\n%s", data)
			}
			if tc.method != config.SmokeNone && !tc.infra {
				if _, err := os.Stat(got.TestReport); err != nil || filepath.Dir(got.TestReport) != f.dir {
					t.Fatalf("report %q not beside the build log: %v", got.TestReport, err)
				}
			}
		})
	}
}

// Through the pipeline: a rejected candidate is marked Broken and the build fails at testing
// with the verdict; a test error keeps the candidate, and a retry resumes at testing (no
// rebuild) and promotes it once the test passes.
func TestSmokeStageInPipeline(t *testing.T) {
	f, sim, stage := smokeFixture(t)
	store, err := state.Open(filepath.Join(f.dir, "builds.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	log := hclog.NewNullLogger()
	promote := &PromoteStage{}
	p := &Pipeline{Stages: []Stage{stage, promote}, Rejecter: promote, Store: store}
	start := func(a Artifact) state.Record {
		rec, _, err := store.Intake(f.ctx, request("p-"+testenv.UniqueName(t), "d"), "")
		if err != nil {
			t.Fatal(err)
		}
		if rec, err = store.Start(f.ctx, rec.ID, "fp"); err != nil {
			t.Fatal(err)
		}
		arts, _ := json.Marshal([]Artifact{a})
		if err := store.Progress(f.ctx, rec.ID, arts, "", "fp"); err != nil {
			t.Fatal(err)
		}
		rec, err = store.Get(f.ctx, rec.ID)
		if err != nil {
			t.Fatal(err)
		}
		return rec
	}

	t.Run("rejected", func(t *testing.T) {
		a := *f.artifact(t, "bad", "echo built")
		sim.SetOutcome(a.ImageID, testenv.OutcomeError)
		out, err := p.Run(f.ctx, start(a), f.build.Config, log)
		if err != nil {
			t.Fatal(err)
		}
		if out.State != state.Failed || out.Stage != "testing" || !strings.Contains(out.Message, "went to ERROR") {
			t.Fatalf("record: %s at %s: %s", out.State, out.Stage, out.Message)
		}
		if img := f.get(t, a.ImageID); !strings.HasPrefix(img.Name, "Broken-") {
			t.Fatalf("rejected candidate is named %q", img.Name)
		}
	})

	t.Run("test error, then retry from testing", func(t *testing.T) {
		a := *f.artifact(t, "good", "echo built")
		sim.SetOutcome(a.ImageID, testenv.OutcomeNeverActive)
		out, err := p.Run(f.ctx, start(a), f.build.Config, log)
		if err != nil {
			t.Fatal(err)
		}
		if out.State != state.Failed || out.Stage != "testing" || strings.Contains(out.Message, ErrImageRejected.Error()) {
			t.Fatalf("record: %s at %s: %s", out.State, out.Stage, out.Message)
		}
		if img := f.get(t, a.ImageID); img.Name != a.Name || img.Properties["packuilon_state"] == "broken" {
			t.Fatalf("candidate not kept after a test error: %q %v", img.Name, img.Properties["packuilon_state"])
		}
		sim.SetOutcome(a.ImageID, testenv.OutcomeActive) // the cloud recovered
		rec, err := store.Retry(f.ctx, out.ID)
		if err != nil || rec.Stage != "testing" {
			t.Fatalf("retry: %v at stage %q", err, rec.Stage)
		}
		if rec, err = store.Start(f.ctx, rec.ID, ""); err != nil {
			t.Fatal(err)
		}
		out, err = p.Run(f.ctx, rec, f.build.Config, log)
		if err != nil || out.State != state.Succeeded {
			t.Fatalf("after retry: %s %s: %v", out.State, out.Message, err)
		}
		if img := f.get(t, a.ImageID); img.Properties["packuilon_state"] != "current" {
			t.Fatalf("candidate not promoted after the retry: %v", img.Properties["packuilon_state"])
		}
	})
}

// A report sits beside the candidate's build log (packer's, for its template); a build without one reports in the Rally LOG_DIR, else
// the builder's; with neither it is an error, never a file in the working directory.
func TestSmokeReportPath(t *testing.T) {
	tests := []struct {
		name, artLog, logPath, rallyDir, logDir string
		want                                    string
	}{
		{"beside the candidate's log", "/a/k.default.b1.log", "/b/k.other.b1.log", "/r", "/l", "/a/k.default.b1.smoke-k.default.json"},
		{"beside the build log", "", "/var/log/packuilon/k.default.b1.log", "/r", "/l", "/var/log/packuilon/k.default.b1.smoke-k.default.json"},
		{"rally LOG_DIR", "", "", "/r", "/l", "/r/b1.smoke-k.default.json"},
		{"builder LOG_DIR", "", "", "", "/l", "/l/b1.smoke-k.default.json"},
		{"nowhere", "", "", "", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := &Build{ID: "b1", LogPath: tc.logPath, Config: &config.Config{}}
			b.Config.Rally.LogDir, b.Config.Builder.LogDir = tc.rallyDir, tc.logDir
			got, err := reportPath(b, &Artifact{Key: "k.default", LogPath: tc.artLog})
			switch {
			case tc.want == "" && (err == nil || got != ""):
				t.Fatalf("reportPath = %q, %v; want an error", got, err)
			case tc.want != "" && (err != nil || got != tc.want):
				t.Fatalf("reportPath = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}
