package rally

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/packuilon/packuilon/internal/config"
	"github.com/packuilon/packuilon/internal/procgroup"
	"github.com/packuilon/packuilon/internal/testenv"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }

// taskDir is the task files packuilon ships.
var taskDir, _ = filepath.Abs("../etc/packer-utils/rally")

func rallyConfig(r *testenv.Rally) config.Rally {
	return config.Rally{
		DeploymentUUID: r.DeploymentUUID, RallyConfig: r.ConfigFile, RallyPath: "rally",
		Tasks:   map[string]string{config.DefaultTaskKey: filepath.Join(taskDir, "boot-and-delete.yaml")},
		Timeout: 2 * time.Minute, Flavor: "m1.tiny",
	}
}

// Real Rally runs NovaServers.boot_and_delete_server against the Nova simulator: a good image
// passes, an image whose servers go to ERROR is rejected with the failed iterations named.
func TestRunnerRealRally(t *testing.T) {
	o, sim, r := testenv.SharedRally(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	tests := []struct {
		name    string
		outcome testenv.Outcome
		passed  bool
		reason  []string
	}{
		{"active image passes", testenv.OutcomeActive, true, []string{"passed: 2/2"}},
		{"error image is rejected", testenv.OutcomeError, false, []string{"2 of 2 iterations failed", "failure_rate", "NovaServers.boot_and_delete_server #1"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			img := simImage(ctx, t, o, sim, tc.outcome)
			var out bytes.Buffer
			report := filepath.Join(t.TempDir(), "smoke-report.json")
			runner := NewRunner(rallyConfig(r), hclog.NewNullLogger())
			var groups []procgroup.Group
			v, err := runner.Test(ctx, Subject{BuildID: "b-" + testenv.UniqueName(t), ImageKey: "k", ImageID: img, ReportPath: report, Output: &out,
				Group: func(g procgroup.Group) { groups = append(groups, g) }})
			if err != nil {
				t.Fatalf("infrastructure error: %v\n%s", err, out.String())
			}
			// The task ran in a process group of its own, recorded for the build, and nothing
			// of it outlived the run.
			if len(groups) != 1 {
				t.Fatalf("process groups recorded: %+v, want the task's", groups)
			}
			if pids, err := groups[0].Members(); err != nil || len(pids) > 0 {
				t.Errorf("processes of rally's group alive after the test: %v (%v)", pids, err)
			}
			if v.Passed != tc.passed || v.TaskUUID == "" {
				t.Fatalf("verdict %+v\n%s", v, out.String())
			}
			for _, want := range tc.reason {
				if !strings.Contains(v.Reason(), want) {
					t.Errorf("reason %q lacks %q", v.Reason(), want)
				}
			}
			if _, err := os.Stat(report); err != nil {
				t.Errorf("report not kept: %v", err)
			}
		})
	}
	if u := sim.Unhandled(); len(u) > 0 {
		t.Logf("requests the simulator did not handle: %v", u)
	}
}

// Infrastructure failures are not the image's fault: they wrap ErrInfrastructure, never a
// failed verdict.
func TestRunnerInfrastructureErrors(t *testing.T) {
	o, sim, r := testenv.SharedRally(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	img, hang := simImage(ctx, t, o, sim, testenv.OutcomeActive), simImage(ctx, t, o, sim, testenv.OutcomeNeverActive)
	tests := []struct {
		name   string
		image  string
		change func(c *config.Rally)
		want   []string
	}{
		{"rally missing", img, func(c *config.Rally) { c.RallyPath = "/nonexistent/rally" }, []string{"rally is not installed"}},
		{"deployment broken", img, func(c *config.Rally) { c.DeploymentUUID = "6a0e5d1e-0000-4000-8000-000000000000" }, []string{"rally task"}},
		{"task file missing", img, func(c *config.Rally) { c.Tasks[config.DefaultTaskKey] = "/nonexistent.yaml" }, []string{"task file"}},
		// Rally creates the task, its validation cannot find the image, the task crashes: the
		// report says nothing about the image, so it must not be rejected.
		{"task crashed", "0b6a4d1e-0000-4000-8000-000000000000", func(c *config.Rally) {}, []string{"crashed (task crashed): 0 iterations ran", "Details:"}},
		{"timeout", hang, func(c *config.Rally) { c.Timeout = 15 * time.Second }, []string{"timed out"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := rallyConfig(r)
			tc.change(&c)
			runner := NewRunner(c, hclog.NewNullLogger())
			runner.KillGrace = 5 * time.Second
			_, err := runner.Test(ctx, Subject{BuildID: "b-" + testenv.UniqueName(t), ImageID: tc.image, ReportPath: filepath.Join(t.TempDir(), "r.json")})
			if !errors.Is(err, ErrInfrastructure) {
				t.Fatalf("err = %v, want an infrastructure error", err)
			}
			for _, want := range tc.want {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("err = %v, want %q in it", err, want)
				}
			}
		})
	}
}

// The line of rally's output that says why a task crashed ends up in the error.
func TestTailHint(t *testing.T) {
	tests := []struct{ out, want string }{
		{"Task started\nTraceback...\n  Scenario plugin 'NovaServers.boot_and_delete_server' doesn't pass image_valid_on_flavor@openstack validation. Details: Image '{\"id\": \"x\"}' not found\nmore\n",
			"; Scenario plugin 'NovaServers.boot_and_delete_server' doesn't pass image_valid_on_flavor@openstack validation. Details: Image '{\"id\": \"x\"}' not found"},
		{"Task config is invalid: `bad`\n", "; Task config is invalid: `bad`"},
		{"all fine\n", ""},
	}
	for _, tc := range tests {
		var w tailWriter
		w.Write([]byte(tc.out))
		if got := w.hint(); got != tc.want {
			t.Errorf("hint(%q) = %q, want %q", tc.out, got, tc.want)
		}
	}
}
