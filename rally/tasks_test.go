package rally

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/packuilon/packuilon/internal/testenv"
)

// Every task file packuilon ships renders with exactly the task args the Runner passes: Rally
// refuses a template that uses an argument without a default which it was not given, and that
// refusal would fail every smoke test as an infrastructure error. boot-and-delete also
// validates against the Nova simulator.
func TestShippedTasksRender(t *testing.T) {
	o, sim, r := testenv.SharedRally(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	img := simImage(ctx, t, o, sim, testenv.OutcomeActive)
	args, err := json.Marshal(NewRunner(rallyConfig(r), hclog.NewNullLogger()).TaskArgs(Subject{BuildID: "b-render", ImageID: img}))
	if err != nil {
		t.Fatal(err)
	}
	tasks, err := filepath.Glob(filepath.Join(taskDir, "*.yaml"))
	if err != nil || len(tasks) == 0 {
		t.Fatalf("no task files in %s: %v", taskDir, err)
	}
	for _, task := range tasks {
		t.Run(filepath.Base(task), func(t *testing.T) {
			out, err := r.Run(ctx, "task", "validate", "--task", task, "--task-args", string(args), "--deployment", r.DeploymentUUID)
			if strings.Contains(out, "Failed to render task template") {
				t.Fatalf("the task does not render with packuilon's task args %s:\n%s", args, out)
			}
			if filepath.Base(task) == "boot-and-delete.yaml" && (err != nil || !strings.Contains(out, "Input Task is valid")) {
				t.Fatalf("not valid against the simulator: %v\n%s", err, out)
			}
		})
	}
}
