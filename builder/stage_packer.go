package builder

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/packuilon/packuilon/internal/packer"
	"github.com/packuilon/packuilon/internal/procgroup"
)

// PackerStage runs packer for every rendered template, one after another as rabbit2packer
// did, and records each artifact's image id. Templates that already produced an image (before
// a crash or a failure in a later template) are not built again.
type PackerStage struct {
	// Started, if set, is called with packer's pid (for tests and benchmarks).
	Started func(pid int)
	// Mark, if set, marks the images of a build that ends unfinished (Cleanup).
	Mark *MarkStage
	// describe is packer.Runner.Describe (nil: procgroup.Describe), for tests.
	describe func(pid int) (procgroup.Group, error)
}

var (
	_ Cleaner         = (*PackerStage)(nil)
	_ entryOverlapper = (*PackerStage)(nil)
)

// overlapsEntry: packer starts before its stage's transition is written, which starts once
// packer runs; Run writes only through b.Checkpoint (the log path, once packer's process group
// is recorded), which waits for the transition, and a failed transition interrupts packer (see
// entryOverlapper).
func (s *PackerStage) overlapsEntry() {}

// Cleanup makes sure no image this stage made keeps the canonical name when the build ends
// without promoting it (see MarkStage.markLeftovers). The images are kept, named
// candidate-<name> and private: a retry resumes with them.
func (s *PackerStage) Cleanup(ctx context.Context, b *Build) {
	if s.Mark != nil {
		s.Mark.markLeftovers(ctx, b)
	}
}

// Name is "packer".
func (s *PackerStage) Name() string { return "packer" }

// ErrNoArtifact is returned when packer succeeded but reported no artifact id.
var ErrNoArtifact = errors.New("packer reported no artifact")

// Run builds each template.
func (s *PackerStage) Run(ctx context.Context, b *Build) error {
	cfg := b.Config.Builder
	env, err := packer.AuthEnv(cfg.PackerAuthFile)
	if err != nil {
		return err
	}
	step("auth-read")
	if err := ensureDir(cfg.LogDir); err != nil {
		return err
	}
	if os.Getenv("PACKER_CACHE_DIR") == "" {
		// packer runs in the template's directory, which may be read-only (/etc under
		// ProtectSystem=strict): keep its cache with the build files.
		env = append([]string{"PACKER_CACHE_DIR=" + filepath.Join(cfg.BuildFileDir, "packer_cache")}, env...)
	}
	started := func(pid int) {
		if s.Started != nil {
			s.Started(pid)
		}
		b.entry.begin() // the stage's transition is written once packer runs (entryOverlapper)
	}
	runner := &packer.Runner{Path: cfg.PackerPath, Env: env, KillGrace: cfg.KillGrace, Started: started, Group: b.ProcessGroup, Describe: s.describe}
	for i := range b.Artifacts {
		a := &b.Artifacts[i]
		if a.ImageID != "" {
			continue
		}
		if err := s.one(ctx, b, a, runner); err != nil {
			return err
		}
		if b.Checkpoint != nil {
			if err := b.Checkpoint(ctx); err != nil {
				return err
			}
		}
	}
	return nil
}

func (s *PackerStage) one(ctx context.Context, b *Build, a *Artifact, runner *packer.Runner) error {
	cfg := b.Config.Builder
	stem := strings.TrimPrefix(a.Key, b.Request.ImageKey+".")
	logPath, err := buildPath(cfg.LogDir, b.Request.ImageKey, stem, b.ID, ".log")
	if err != nil {
		return err
	}
	f, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o640)
	if err != nil {
		return fmt.Errorf("open build log: %w", err)
	}
	defer f.Close()
	step("log-opened")
	a.LogPath, b.LogPath = logPath, logPath
	fmt.Fprintf(f, "packuilon: build %s attempt %d of %s from %s at %s\n", b.ID, b.Attempt, a.Key, a.Template, time.Now().UTC().Format(time.RFC3339))
	job := packer.Job{Template: a.BuildFile, Dir: filepath.Dir(a.Template)}
	if strings.HasSuffix(a.BuildFile, ".pkrvars.json") {
		job = packer.Job{Template: a.Template, VarFile: a.BuildFile, Dir: filepath.Dir(a.Template)}
	}
	runCtx, cancel := context.WithTimeoutCause(ctx, cfg.BuildTimeout, fmt.Errorf("build timed out after %s", cfg.BuildTimeout))
	defer cancel()
	log := b.Log.With("template", a.Template, "log", logPath)
	// The log path is saved once packer runs and its process group is recorded, so status
	// and show point at the log meanwhile; saving it first would only delay packer. A failed
	// save (the build was taken over) interrupts packer.
	var saveErr error
	r := *runner
	r.Group = func(g procgroup.Group) {
		if runner.Group != nil {
			runner.Group(g)
		}
		if b.Checkpoint != nil {
			if saveErr = b.Checkpoint(ctx); saveErr != nil {
				cancel()
			}
		}
	}
	log.Info("packer started")
	step("exec")
	res, err := r.Build(runCtx, job, f)
	if saveErr != nil {
		return saveErr
	}
	if err != nil {
		return fmt.Errorf("packer %s: %w (log %s)", a.Key, err, logPath)
	}
	if res.ArtifactID == "" {
		return fmt.Errorf("packer %s: %w (log %s)", a.Key, ErrNoArtifact, logPath)
	}
	a.ImageID = res.ArtifactID
	log.Info("packer finished", "image_id", a.ImageID)
	return nil
}
