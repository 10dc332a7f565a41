package builder

import (
	"bytes"
	"context"
	"fmt"
	"sync/atomic"

	"github.com/packuilon/packuilon/internal/fsutil"
	"github.com/packuilon/packuilon/templates"
)

// RenderStage resolves the request's templates and source image and writes one build file per
// template into BUILD_FILE_DIR (mode 0600: templates may carry credentials).
type RenderStage struct {
	// Sets is the current template set; a reload swaps it, a running build keeps its copy.
	Sets *atomic.Pointer[templates.Set]
}

// Name is "render".
func (s *RenderStage) Name() string { return "render" }

// Run renders every template; it starts over when resumed, which is cheap and idempotent.
func (s *RenderStage) Run(ctx context.Context, b *Build) error {
	set := s.Sets.Load()
	if set == nil {
		return fmt.Errorf("no templates loaded")
	}
	plan, err := set.Plan(b.Request)
	if err != nil {
		return err
	}
	dir := b.Config.Builder.BuildFileDir
	if err := ensureDir(dir); err != nil {
		return err
	}
	b.Fingerprint = plan.Fingerprint
	b.Artifacts = b.Artifacts[:0]
	promoting := promotionConfigured(b)
	for _, t := range plan.Templates {
		r, err := templates.Render(t, plan, b.Request)
		if err != nil {
			return err
		}
		self := bytes.Contains(t.Content, []byte("rename-old-images"))
		// An image packuilon tests and promotes is uploaded as candidate-<name>: it never
		// carries the canonical name before it passed. One that nothing will rename (no
		// promotion, or a template that promotes itself) keeps the name packer gives it.
		if promoting && !selfPromoting(b.Config.Promote.Enabled, &Artifact{SelfPromoting: self}) {
			if r, err = templates.AsCandidate(t, r); err != nil {
				return err
			}
		}
		ext := ".json"
		if t.Kind == templates.KindHCL {
			ext = ".pkrvars.json"
		}
		path, err := buildPath(dir, b.Request.ImageKey, t.Stem, b.ID, ext)
		if err != nil {
			return err
		}
		step("rendered")
		// Not synced: the record of the render stage's end does not wait for the disk either,
		// and a build file a machine crash cut short is not valid JSON, which makes a resumed
		// build render again (resumeAt).
		if err := fsutil.WriteFileUnsynced(path, r.Data, 0o600); err != nil {
			return err
		}
		step("build-file-written")
		b.Artifacts = append(b.Artifacts, Artifact{
			Template:      t.Path,
			Key:           b.Request.ImageKey + "." + t.Stem,
			Name:          r.ImageName,
			SourceImageID: plan.SourceImageID,
			BuildFile:     path,
			SelfPromoting: self,
		})
		b.Log.Debug("rendered template", "template", t.Path, "build_file", path)
	}
	return nil
}
