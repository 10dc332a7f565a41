package packer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"

	"github.com/packuilon/packuilon/internal/config"
	"github.com/packuilon/packuilon/internal/procgroup"
)

// Runner runs packer builds. The zero value is not usable: Path is required.
type Runner struct {
	// Path is the packer binary (PACKER_PATH); a bare name is looked up in PATH.
	Path string
	// Env is added to the daemon's environment (from AuthEnv).
	Env []string
	// KillGrace is how long packer gets after SIGINT before it is killed.
	KillGrace time.Duration
	// Started, if set, is called with the pid once packer runs.
	Started func(pid int)
	// Group, if set, is called with packer's process group once packer runs, before anything
	// else: the builder records it with the build, so that a builder restarted after a crash
	// can find a packer its predecessor left running.
	Group func(g procgroup.Group)
	// Describe describes the process group packer leads, for Group; nil: procgroup.Describe.
	// A seam for tests: /proc cannot be made to fail for a child that is not reaped yet.
	Describe func(pid int) (procgroup.Group, error)
}

// ErrNoGroup is wrapped when packer's process group could not be described for Group: packer
// was stopped at once, since nothing could end it after a crash of its caller.
var ErrNoGroup = errors.New("cannot describe packer's process group")

// Job is one packer build.
type Job struct {
	// Template is the rendered JSON template, or the HCL2 template used in place.
	Template string
	// VarFile is the generated variable file of an HCL2 template.
	VarFile string
	// Dir is the working directory (relative paths in the template resolve against it).
	Dir string
}

// Result is what a packer run produced.
type Result struct {
	Artifacts []Artifact
	// ArtifactID is the id of the first artifact: for the openstack builder the new image's UUID.
	ArtifactID string
	ExitCode   int
}

// ErrFailed is wrapped when packer ran and exited non-zero.
var ErrFailed = errors.New("packer build failed")

// Build runs "packer build -machine-readable [-var-file F] TEMPLATE" and streams its output
// into log line by line. Packer runs in a process group of its own (see procgroup): when ctx is
// done the group gets SIGINT, as from a terminal's Ctrl-C, so packer cancels and deletes its
// temporary server; SIGTERM half way through KillGrace; SIGKILL at its end. When Build returns
// no process of the group is left.
func (r *Runner) Build(ctx context.Context, job Job, log io.Writer) (Result, error) {
	// The command line and packer's output may quote paths of the configuration: what their
	// %(name)s references brought in (it may be a secret) is shown as written.
	log = config.AsWrittenWriter(log)
	args := []string{"build", "-machine-readable"}
	if job.VarFile != "" {
		args = append(args, "-var-file="+job.VarFile)
	}
	args = append(args, job.Template)
	ctx, stop := context.WithCancelCause(ctx) // stop: packer's group cannot be recorded
	defer stop(nil)
	cmd := exec.CommandContext(ctx, r.Path, args...)
	cmd.Dir = job.Dir
	// CHECKPOINT_DISABLE: packer must not phone home from a build host.
	cmd.Env = append(append(os.Environ(), "CHECKPOINT_DISABLE=1"), r.Env...)
	// If the daemon itself dies (SIGKILL), packer gets SIGTERM and cancels; the restarted daemon
	// ends what is left of the group (Group) before it resumes the build.
	group := procgroup.Setup(cmd, r.KillGrace)
	defer group.Finish() //nolint:errcheck // reported below, after Wait
	col := newCollector()
	var mu sync.Mutex // stdout and stderr are copied by two goroutines of exec
	out := &lineWriter{mu: &mu, fn: func(l string) { io.WriteString(log, col.line(l)+"\n") }}
	errw := &lineWriter{mu: &mu, fn: func(l string) { io.WriteString(log, l+"\n") }}
	// Writers rather than pipes: exec copies the output itself, and Wait then honours
	// WaitDelay even when a grandchild (a provisioner's shell) keeps the pipes open.
	cmd.Stdout, cmd.Stderr = out, errw
	fmt.Fprintf(log, "packuilon: %s %s\n", r.Path, strings.Join(args, " "))
	if err := cmd.Start(); err != nil {
		return Result{}, fmt.Errorf("run packer %s: %w", r.Path, err)
	}
	// Started first: packer runs from here on, whatever its caller records about it next.
	if r.Started != nil {
		r.Started(cmd.Process.Pid)
	}
	if r.Group != nil {
		describe := r.Describe
		if describe == nil {
			describe = procgroup.Describe
		}
		if g, err := describe(cmd.Process.Pid); err == nil {
			r.Group(g)
		} else {
			// Unrecorded, the group would outlive a crash of the builder unseen (the resume could
			// not end it), and its caller would hear nothing of packer until its end: packer is
			// stopped now, as a cancel does (SIGINT: it deletes its temporary server).
			fmt.Fprintf(log, "packuilon: %v: %v; stopping packer\n", ErrNoGroup, err)
			stop(fmt.Errorf("%w: %w", ErrNoGroup, err))
		}
	}
	err := cmd.Wait()
	if ferr := group.Finish(); ferr != nil {
		// Not the build's failure, but never hidden: a process of packer's that even SIGKILL
		// did not end (uninterruptible sleep) is named for the operator.
		fmt.Fprintf(log, "packuilon: %v\n", ferr)
	}
	out.flush()
	errw.flush()
	res := Result{Artifacts: col.result(), ExitCode: cmd.ProcessState.ExitCode()}
	if len(res.Artifacts) > 0 {
		res.ArtifactID = res.Artifacts[0].ID
	}
	fmt.Fprintf(log, "packuilon: packer exited with status %d\n", res.ExitCode)
	if ctx.Err() != nil {
		return res, fmt.Errorf("packer interrupted: %w", context.Cause(ctx))
	}
	if err != nil {
		msg := fmt.Sprintf("exit status %d", res.ExitCode)
		if col.lastError != "" {
			msg += ": " + col.lastError
		}
		return res, fmt.Errorf("%w: %s", ErrFailed, msg)
	}
	return res, nil
}

// lineWriter calls fn for every complete line written to it.
type lineWriter struct {
	mu  *sync.Mutex
	buf []byte
	fn  func(line string)
}

// maxLine bounds a line kept in memory; longer ones are passed on in pieces.
const maxLine = 4 << 20

// Write buffers p and passes on every complete line.
func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = append(w.buf, p...)
	for {
		i := bytes.IndexByte(w.buf, '\n')
		if i < 0 {
			if len(w.buf) > maxLine {
				w.fn(string(w.buf))
				w.buf = w.buf[:0]
			}
			return len(p), nil
		}
		w.fn(string(bytes.TrimRight(w.buf[:i], "\r")))
		w.buf = w.buf[i+1:]
	}
}

func (w *lineWriter) flush() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.buf) > 0 {
		w.fn(string(w.buf))
		w.buf = nil
	}
}
