package builder

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/packuilon/packuilon/internal/config"
	"github.com/packuilon/packuilon/internal/packer"
	"github.com/packuilon/packuilon/internal/procgroup"
	"github.com/packuilon/packuilon/internal/state"
	"github.com/packuilon/packuilon/templates"
)

// cleanupSeen is the packer stage, noting whether its Cleanup ran.
type cleanupSeen struct {
	*PackerStage
	cleaned atomic.Bool
}

func (s *cleanupSeen) Cleanup(ctx context.Context, b *Build) {
	s.cleaned.Store(true)
	s.PackerStage.Cleanup(ctx, b)
}

// TestUndescribedPackerStops: when packer's process group cannot be described (so it cannot
// be recorded, and nothing would end it after a crash), packer is stopped at once instead of
// running to its end unrecorded; the build fails at the packer stage, saying why, and the
// stage's cleanup runs (an image it made would lose the canonical name). Describe fails for
// real, on a process that is gone: packer's own leader cannot be gone before it is reaped,
// so the stage describes another pid (the seam, packer.Runner.Describe).
func TestUndescribedPackerStops(t *testing.T) {
	cfg, sets, st, rec, marks := minutePackerBuild(t, "undescribed")
	gone := exec.Command("/bin/true")
	if err := gone.Run(); err != nil {
		t.Fatal(err)
	}
	describe := func(int) (procgroup.Group, error) { return procgroup.Describe(gone.Process.Pid) }
	if _, err := describe(0); err == nil {
		t.Skipf("pid %d was taken again meanwhile", gone.Process.Pid)
	}
	ctx := context.Background()
	lease, rec, err := st.ClaimBuildInto(ctx, rec.ID, "host-a/1/1", time.Hour, "", state.Rendering, "render")
	if err != nil {
		t.Fatal(err)
	}
	var started atomic.Int32
	stage := &cleanupSeen{PackerStage: &PackerStage{Started: func(int) { started.Add(1) }, describe: describe}}
	p := &Pipeline{Store: st, Stages: []Stage{&RenderStage{Sets: sets}, stage}}
	out, err := p.RunLeased(ctx, lease, rec, cfg, hclog.NewNullLogger())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(marks, "done")); err == nil {
		t.Fatal("packer's provisioner ran to its end: packer was not stopped")
	}
	if started.Load() != 1 || out.State != state.Failed || out.Stage != "packer" || !strings.Contains(out.Message, packer.ErrNoGroup.Error()) {
		t.Fatalf("packer started %d times; the build is %s at %s (%s); want it failed at packer, saying %q",
			started.Load(), out.State, out.Stage, out.Message, packer.ErrNoGroup)
	}
	if !stage.cleaned.Load() {
		t.Fatal("the packer stage's cleanup did not run")
	}
	t.Logf("the build failed: %s", out.Message)
}

// minutePackerBuild is a build of personality recorded in a new SQLite store, with the tree's
// templates loaded and a packer whose provisioner sleeps a minute, then marks its end in marks.
func minutePackerBuild(t *testing.T, personality string) (*config.Config, *atomic.Pointer[templates.Set], *state.Store, state.Record, string) {
	t.Helper()
	needPacker(t)
	cfg := loadTree(t, config.Global{})
	marks := t.TempDir()
	setAuth(t, cfg, "export PACKUILON_SLEEP=60", "export PACKUILON_MARKDIR="+marks)
	set, err := templates.Load(cfg.Builder.TemplateSources())
	if err != nil {
		t.Fatal(err)
	}
	var sets atomic.Pointer[templates.Set]
	sets.Store(set)
	st, err := state.Open(filepath.Join(t.TempDir(), "builds.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	rec, _, err := st.Intake(context.Background(), request(personality, "sha256:"+personality), "")
	if err != nil {
		t.Fatal(err)
	}
	return cfg, &sets, st, rec, marks
}
