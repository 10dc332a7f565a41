package builder

import (
	"context"
	"fmt"
	"strings"

	"github.com/gophercloud/gophercloud/v2/openstack/image/v2/images"

	"github.com/packuilon/packuilon/internal/glance"
	"github.com/packuilon/packuilon/templates"
)

// MarkStage runs right after packer: it tags every new image as its key's candidate
// (packuilon_key, packuilon_state=candidate, packuilon_build_id) and renames it
// candidate-<name>. Packer gives the image the canonical name; without this step the candidate
// and the current image would share that name for the whole smoke test, and users or scripts
// picking an image by name could take the untested one. After it, only the promotion's last
// two API calls separate the old image holding the name from the new one holding it.
//
// It follows the promote stage's configuration: nothing is marked when promotion is off or a
// template still promotes its image itself (rename-old-images).
type MarkStage struct {
	// Promote supplies the configuration checks and the connection to Glance.
	Promote *PromoteStage
}

// Name is "marking".
func (s *MarkStage) Name() string { return "marking" }

// Run marks the artifacts not yet promoted. MarkCandidate is idempotent, so a resumed build
// runs it again safely.
func (s *MarkStage) Run(ctx context.Context, b *Build) error {
	arts, err := managed(b)
	if err != nil || len(arts) == 0 {
		return err
	}
	store, err := s.Promote.open(ctx, b)
	if err != nil {
		return fmt.Errorf("mark candidates of build %s: %w", b.ID, err)
	}
	for _, a := range arts {
		if err := producedName(ctx, store, b, a); err != nil {
			return fmt.Errorf("mark candidate %s: %w", a.Key, err)
		}
		if err := store.MarkCandidate(ctx, candidate(b, a)); err != nil {
			return fmt.Errorf("mark candidate %s: %w", a.Key, err)
		}
		b.Log.Info("candidate marked", "image_key", a.Key, "image_id", a.ImageID)
	}
	return nil
}

// imageGetter is the part of the image store that reads one image (GlanceStore has it).
type imageGetter interface {
	Get(ctx context.Context, id string) (*images.Image, error)
}

// producedName takes the canonical name from the image packer actually made, not from what
// the template was expected to do: candidate-<name> (the render stage asked for it) gives
// <name>; any other name of an image not marked yet (an HCL2 template that does not name its
// image from var.name, a builder without image_name) is itself the canonical name, and marking
// then moves it to candidate-<name>.
func producedName(ctx context.Context, store glance.ImageStore, b *Build, a *Artifact) error {
	g, ok := store.(imageGetter)
	if !ok {
		return nil
	}
	img, err := g.Get(ctx, a.ImageID)
	if err != nil {
		return err
	}
	name := img.Name
	if n, ok := strings.CutPrefix(name, templates.CandidatePrefix); ok {
		name = n
	} else if st, _ := img.Properties[glance.PropState].(string); st != "" {
		return nil // marked before: its name is no longer packer's
	}
	if name != "" && name != a.Name {
		b.Log.Info("image name taken from the image packer made", "image_key", a.Key, "image_id", a.ImageID, "name", name, "expected", a.Name)
		a.Name = name
	}
	return nil
}

// markLeftovers runs (as the packer stage's Cleanup) after a build that did not finish, failed
// or cancelled: an image packer made whose build never got through marking (packer failed on
// a later template, or marking failed) is marked now, so that it never keeps the canonical
// name; a retry finds it marked.
func (s *MarkStage) markLeftovers(ctx context.Context, b *Build) {
	pending := false
	for _, a := range b.Artifacts {
		pending = pending || (a.ImageID != "" && !a.Promoted)
	}
	if !pending {
		return
	}
	arts, _ := managed(b) // the artifacts without an image have nothing to clean
	if len(arts) == 0 {
		return
	}
	store, err := s.Promote.open(ctx, b)
	if err != nil {
		b.Log.Warn("cannot mark the candidates of the unfinished build", "error", err)
		return
	}
	for _, a := range arts {
		if err := producedName(ctx, store, b, a); err == nil {
			err = store.MarkCandidate(ctx, candidate(b, a))
		}
		if err != nil {
			b.Log.Warn("cannot mark the candidate of the unfinished build", "image_key", a.Key, "image_id", a.ImageID, "error", err)
		}
	}
}
