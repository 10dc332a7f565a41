package builder

import (
	"context"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/packuilon/packuilon/internal/config"
	"github.com/packuilon/packuilon/internal/procgroup"
	"github.com/packuilon/packuilon/internal/state"
)

// stageFunc is a stage made of a function, for pipeline tests.
type stageFunc struct {
	name string
	run  func(ctx context.Context, b *Build) error
}

func (s stageFunc) Name() string                            { return s.name }
func (s stageFunc) Run(ctx context.Context, b *Build) error { return s.run(ctx, b) }

// TestResumeEndsThePredecessorsPacker: a build whose record names a process group that is
// still running (a packer a killed builder left behind, here one that ignores SIGINT and
// SIGTERM) resumes only after that group is gone: the first stage never sees it alive.
func TestResumeEndsThePredecessorsPacker(t *testing.T) {
	ctx := context.Background()
	st, err := state.Open(filepath.Join(t.TempDir(), "builds.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rec, _, err := st.Intake(ctx, request("resume", "sha256:r"), "")
	if err != nil {
		t.Fatal(err)
	}
	if rec, err = st.Start(ctx, rec.ID, ""); err != nil {
		t.Fatal(err)
	}
	left := exec.Command("/bin/sh", "-c", "trap '' INT TERM; sleep 60 & sleep 60")
	left.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := left.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { procgroup.Signal(left.Process.Pid, syscall.SIGKILL); left.Wait() }()
	go left.Wait() // reaped as init reaps an orphan
	g, err := procgroup.Describe(left.Process.Pid)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.SetProcessGroup(ctx, rec.ID, g); err != nil {
		t.Fatal(err)
	}
	var aliveAtStart []int
	probe := stageFunc{"packer", func(ctx context.Context, b *Build) error {
		aliveAtStart, err = g.Members()
		return err
	}}
	cfg := &config.Config{Builder: config.Builder{KillGrace: time.Second}}
	p := &Pipeline{Stages: []Stage{probe}, Store: st}
	out, err := p.Run(ctx, rec, cfg, hclog.NewNullLogger())
	if err != nil || out.State != state.Succeeded {
		t.Fatalf("run: %v, state %s (%s)", err, out.State, out.Message)
	}
	if len(aliveAtStart) != 0 {
		t.Errorf("the build resumed while its predecessor's processes %v were alive", aliveAtStart)
	}
	if _, found, _ := st.ProcessGroup(ctx, rec.ID); found {
		t.Error("the process group record outlived the build")
	}
}
