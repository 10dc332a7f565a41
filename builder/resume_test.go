package builder

import (
	"context"
	"os"
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

// startedBuild returns a store on SQLite, opened with opts, with one build of personality,
// started.
func startedBuild(t *testing.T, personality string, opts ...state.Option) (*state.Store, state.Record) {
	ctx := context.Background()
	st, err := state.Open(filepath.Join(t.TempDir(), "builds.db"), opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	rec, _, err := st.Intake(ctx, request(personality, "sha256:"+personality), "")
	if err != nil {
		t.Fatal(err)
	}
	if rec, err = st.Start(ctx, rec.ID, ""); err != nil {
		t.Fatal(err)
	}
	return st, rec
}

// TestResumeEndsThePredecessorsPacker: a build whose record names a process group that is
// still running (a packer a killed builder left behind, here one that ignores SIGINT and
// SIGTERM) resumes only after that group is gone: the first stage never sees it alive.
func TestResumeEndsThePredecessorsPacker(t *testing.T) {
	ctx := context.Background()
	st, rec := startedBuild(t, "resume")
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
	if rec, err = st.Start(ctx, rec.ID, ""); err != nil { // the next builder's attempt
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

// TestResumeRendersACutShortBuildFile: build files are written without waiting for the disk,
// so after a crash of the machine one may be missing, empty or cut short. A build resumed past
// the render stage renders again unless every build file it still needs is whole JSON; one
// whose image is built already needs none.
func TestResumeRendersACutShortBuildFile(t *testing.T) {
	dir := t.TempDir()
	stages := []Stage{stageFunc{name: "render"}, stageFunc{name: "packer"}, stageFunc{name: "marking"}}
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	whole := write("whole.json", `{"builders": [{"type": "null"}]}`)
	cases := []struct {
		name  string
		file  string
		image string
		want  string
	}{
		{"whole", whole, "", "packer"},
		{"cut short", write("cut.json", `{"builders": [{"ty`), "", "render"},
		{"empty", write("empty.json", ""), "", "render"},
		{"missing", filepath.Join(dir, "missing.json"), "", "render"},
		{"empty but built", write("built.json", ""), "image-1", "packer"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := &Build{Log: hclog.NewNullLogger(), Artifacts: []Artifact{{BuildFile: whole}, {BuildFile: c.file, ImageID: c.image}}}
			if got := stages[resumeAt(stages, "packer", b)].Name(); got != c.want {
				t.Errorf("resumes at %s, want %s", got, c.want)
			}
		})
	}
}
