package rally

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/hashicorp/go-hclog"

	"github.com/packuilon/packuilon/internal/config"
	"github.com/packuilon/packuilon/internal/ident"
	"github.com/packuilon/packuilon/internal/procgroup"
)

// Runner is the Rally smoke test: it drives the rally CLI with an argv (never a shell).
type Runner struct {
	cfg config.Rally
	log hclog.Logger
	// KillGrace is how long rally gets after SIGINT (on timeout or cancel) to abort the task
	// and delete its servers before it is killed.
	KillGrace time.Duration
	// CLITimeout bounds the short rally calls (task list, task report).
	CLITimeout time.Duration
}

// NewRunner returns a Runner for the [rally-image-testing] configuration.
func NewRunner(cfg config.Rally, log hclog.Logger) *Runner {
	return &Runner{cfg: cfg, log: log.Named("rally"), KillGrace: 2 * time.Minute, CLITimeout: 2 * time.Minute}
}

// safeID reports whether s is what build ids and image ids may look like before they reach an
// argv or a tag. Hand-written (not a regexp compiled at init) to keep start-up short (issue 12).
func safeID(s string) bool { return ident.Valid(s, 128) }

// isUUID reports whether s is a UUID as rally prints task ids: 8-4-4-4-12 hex digits of either
// case (the regexp ^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$).
// uuid.Validate also takes the braced, urn: and 32-digit forms, which differ in length.
func isUUID(s string) bool { return len(s) == 36 && uuid.Validate(s) == nil }

// TaskArgs are the Jinja arguments every task gets: the image by id (never by name, which the
// candidate shares with the current image), the flavor and the network.
func (r *Runner) TaskArgs(s Subject) map[string]string {
	return map[string]string{"image_id": s.ImageID, "flavor": r.cfg.Flavor, "network": r.cfg.Network, "build_id": s.BuildID}
}

// Test runs the image key's task against the candidate and reads the verdict from the report,
// which it writes to s.ReportPath.
func (r *Runner) Test(ctx context.Context, s Subject) (Verdict, error) {
	if !safeID(s.BuildID) || !safeID(s.ImageID) {
		return Verdict{}, infraErr("unsafe build id %q or image id %q", s.BuildID, s.ImageID)
	}
	if s.ReportPath == "" {
		return Verdict{}, infraErr("no report path")
	}
	task := r.cfg.TaskFor(s.ImageKey)
	if _, err := os.Stat(task); err != nil {
		return Verdict{}, infraErr("task file: %w", err)
	}
	if _, err := exec.LookPath(r.cfg.RallyPath); err != nil {
		return Verdict{}, infraErr("rally is not installed: %w", err)
	}
	out := s.Output
	if out == nil {
		out = io.Discard
	}
	log := r.log.With("build_id", s.BuildID, "image_id", s.ImageID)
	// The build's tag finds the task's UUID. A retried build reuses its tag: remember the
	// tasks that exist so the new one is found.
	tag := "packuilon-" + s.BuildID
	before, err := r.listTasks(ctx, tag)
	if err != nil {
		return Verdict{}, err
	}
	args, err := json.Marshal(r.TaskArgs(s))
	if err != nil {
		return Verdict{}, infraErr("task args: %w", err)
	}
	started := time.Now()
	log.Info("rally task starting", "task", task)
	tail := &tailWriter{}
	code, runErr := r.start(ctx, io.MultiWriter(out, tail), s.Group, task, string(args), tag)
	uuid, listErr := r.newTask(ctx, tag, before)
	if listErr != nil {
		if runErr == nil {
			runErr = fmt.Errorf("exited %d", code)
		}
		return Verdict{}, infraErr("rally task start: %w, %w: %s", runErr, listErr, tail.String())
	}
	if runErr != nil {
		return Verdict{}, infraErr("rally task %s: %w", uuid, runErr)
	}
	v, err := r.report(ctx, uuid, s.ReportPath)
	if err != nil {
		return Verdict{}, err
	}
	v.TaskUUID = uuid
	log.Info("rally task done", "task_uuid", uuid, "exit", code, "passed", v.Passed, "duration", time.Since(started).Round(time.Millisecond))
	if v.Passed != (code == 0) {
		// The report is what Rally judged; the exit status only summarises it.
		log.Warn("rally exit status disagrees with the report; trusting the report", "exit", code)
	}
	if v.Crashed {
		return v, infraErr("rally task %s %s%s", uuid, v.Reason(), tail.hint())
	}
	return v, nil
}

// start runs `rally task start`. It returns the exit status, and an error only when rally did
// not run to completion (not found, killed, timed out, cancelled).
func (r *Runner) start(ctx context.Context, out io.Writer, recordGroup func(procgroup.Group), task, args, tag string) (int, error) {
	tctx, cancel := context.WithTimeout(ctx, r.cfg.Timeout)
	defer cancel()
	cmd := r.command(tctx, "task", "start", "--task", task, "--task-args", args,
		"--tag", tag, "--deployment", r.cfg.DeploymentUUID, "--no-use")
	// SIGINT lets rally abort the task and clean up its servers; SIGTERM and SIGKILL follow
	// within KillGrace. Rally runs iterations in child processes: its own process group lets
	// them all hear it, and nothing of the group outlives the run.
	group := procgroup.Setup(cmd, r.KillGrace)
	defer group.Finish() //nolint:errcheck // reported below, after Wait
	// Rally's output may quote paths of the configuration: what their %(name)s references
	// brought in (it may be a secret) is shown as written, line by line (a pipe's read may cut
	// a path in two; each stream on its own).
	var flush func()
	cmd.Stdout, cmd.Stderr, flush = config.AsWrittenStreams(out)
	err := cmd.Start()
	if err == nil {
		if g, derr := procgroup.Describe(cmd.Process.Pid); derr == nil && recordGroup != nil {
			recordGroup(g)
		}
		err = cmd.Wait()
	}
	flush()
	if ferr := group.Finish(); ferr != nil {
		fmt.Fprintf(out, "packuilon: %v\n", ferr) // a process of rally's SIGKILL did not end
	}
	var exit *exec.ExitError
	switch {
	case tctx.Err() != nil && ctx.Err() == nil:
		return -1, fmt.Errorf("timed out after %s", r.cfg.Timeout)
	case ctx.Err() != nil:
		return -1, ctx.Err()
	case errors.As(err, &exit) && exit.Exited():
		return exit.ExitCode(), nil
	case err != nil:
		return -1, err
	}
	return 0, nil
}

// command builds a rally argv with the configured --config-file.
func (r *Runner) command(ctx context.Context, args ...string) *exec.Cmd {
	var argv []string
	if r.cfg.RallyConfig != "" {
		argv = append(argv, "--config-file", r.cfg.RallyConfig)
	}
	return exec.CommandContext(ctx, r.cfg.RallyPath, append(argv, args...)...)
}

// short runs a quick rally command and returns its stdout.
func (r *Runner) short(ctx context.Context, args ...string) (string, error) {
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.CLITimeout)
	defer cancel()
	cmd := r.command(cctx, args...)
	var stderr tailWriter
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", infraErr("rally %s: %w: %s", args[0]+" "+args[1], err, stderr.String())
	}
	return string(out), nil
}

func (r *Runner) listTasks(ctx context.Context, tag string) ([]string, error) {
	out, err := r.short(ctx, "task", "list", "--deployment", r.cfg.DeploymentUUID, "--uuids-only", "--tag", tag)
	if err != nil {
		return nil, err
	}
	var uuids []string
	for _, f := range strings.Fields(out) {
		if isUUID(f) {
			uuids = append(uuids, f)
		}
	}
	return uuids, nil
}

// newTask finds the task this run created: tagged with tag and not listed before.
func (r *Runner) newTask(ctx context.Context, tag string, before []string) (string, error) {
	after, err := r.listTasks(ctx, tag)
	if err != nil {
		return "", err
	}
	var fresh []string
	for _, u := range after {
		if !slices.Contains(before, u) {
			fresh = append(fresh, u)
		}
	}
	if len(fresh) != 1 {
		return "", fmt.Errorf("expected one new task tagged %s, found %d", tag, len(fresh))
	}
	return fresh[0], nil
}

func (r *Runner) report(ctx context.Context, uuid, path string) (Verdict, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return Verdict{}, infraErr("report dir: %w", err)
	}
	if _, err := r.short(ctx, "task", "report", "--uuid", uuid, "--json", "--out", path); err != nil {
		return Verdict{}, err
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return Verdict{}, infraErr("read report: %w", err)
	}
	v, err := ParseReport(data)
	if err != nil {
		return Verdict{}, infraErr("report of task %s: %w", uuid, err)
	}
	return v, nil
}
