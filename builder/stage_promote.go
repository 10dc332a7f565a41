package builder

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/packuilon/packuilon/internal/config"
	"github.com/packuilon/packuilon/internal/glance"
	"github.com/packuilon/packuilon/internal/state"
)

// PromoteStage makes every artifact's candidate the current image of its key in Glance (see
// glance.GlanceStore.Promote), records the warehoused image, and, with [promote]
// SOURCE_CHAINING, points the source-image map at the new image. It is also the pipeline's
// Rejecter: candidates the smoke test turned down are marked broken.
//
// With [promote] ENABLED = auto (the default), promotion needs credentials ([promote] or
// [rabbit2packer] ADMIN_AUTH_FILE, OS_CLOUD or OS_AUTH_URL), and an artifact whose template still
// runs rename-old-images.sh in a post-processor is left alone: that template promoted the image
// already, and promoting again would warehouse it. ENABLED = true always promotes; false never.
type PromoteStage struct {
	// Open returns the image store for a build; nil connects with the build's [promote]
	// credentials.
	Open func(ctx context.Context, b *Build) (glance.ImageStore, error)
}

var _ Rejecter = (*PromoteStage)(nil)

// Name is "promoting" (state.PromotingStage: the store's retry and approval rules name it).
func (s *PromoteStage) Name() string { return state.PromotingStage }

// ErrNoCandidate is returned when an artifact to promote has no image id.
var ErrNoCandidate = errors.New("artifact has no candidate image")

func (s *PromoteStage) open(ctx context.Context, b *Build) (glance.ImageStore, error) {
	if s.Open != nil {
		return s.Open(ctx, b)
	}
	return glance.Open(ctx, b.Config.Promote, os.Getenv, b.Log)
}

// Run promotes the artifacts not promoted yet. Each promotion is idempotent, so a build resumed
// after a crash in this stage simply runs it again.
func (s *PromoteStage) Run(ctx context.Context, b *Build) error {
	arts, err := managed(b)
	if err != nil || len(arts) == 0 {
		return err
	}
	store, err := s.open(ctx, b)
	if err != nil {
		return fmt.Errorf("promote build %s: %w", b.ID, err)
	}
	for _, a := range arts {
		res, err := store.Promote(ctx, candidate(b, a))
		if err != nil {
			return fmt.Errorf("promote %s: %w", a.Key, err)
		}
		// The image is promoted: nothing after this fails the build. Errors of the work after
		// the swap (and of source chaining) are logged and recorded on the artifact; the next
		// promotion of the key does that work again (it chains from two images back).
		a.Promoted, a.Warehoused, a.PromoteWarnings = true, res.WarehousedID, res.Deferred
		if b.Config.Promote.SourceChaining {
			for _, from := range res.ChainFrom {
				n, err := glance.ChainSourceImages(b.Config.Builder.ImagesConfig, from, a.ImageID)
				if err != nil {
					b.Log.Warn("source chaining failed; the next promotion retries it", "image_key", a.Key, "error", err)
					a.PromoteWarnings = append(a.PromoteWarnings, "source chaining: "+err.Error())
					break
				}
				if n > 0 {
					b.Log.Info("source images chained to the new image", "image_key", a.Key, "image_id", a.ImageID, "from", from, "entries", n)
				}
			}
		}
		b.Log.Info("image promoted", "image_key", a.Key, "image_id", a.ImageID, "warehoused", res.WarehousedID,
			"members", res.Members, "skipped_properties", res.SkippedProperties, "api_calls", res.Calls, "warnings", len(a.PromoteWarnings))
		if b.Checkpoint != nil {
			if err := b.Checkpoint(ctx); err != nil {
				return err
			}
		}
	}
	return nil
}

// Reject marks the candidates whose own smoke test failed broken (or deletes them, as
// configured); a sibling that passed, or was never judged, is kept for a retry. Images of
// self-promoting templates are left alone: rename-old-images already gave them the canonical
// name, and renaming them would leave no image with it. An artifact it cannot handle does not
// stop it rejecting the others.
func (s *PromoteStage) Reject(ctx context.Context, b *Build, reason error) error {
	all, err := managed(b)
	var arts []*Artifact
	for _, a := range all {
		if a.Rejected {
			arts = append(arts, a)
		}
	}
	if len(arts) == 0 {
		return err
	}
	errs := []error{err}
	store, err := s.open(ctx, b)
	if err != nil {
		return errors.Join(fmt.Errorf("reject build %s: %w", b.ID, err), errs[0])
	}
	for _, a := range arts {
		if err := store.Reject(ctx, candidate(b, a), reason.Error()); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// managed returns the artifacts of b that packuilon manages in Glance and has not promoted yet:
// none when promotion is not configured, none whose template promotes its image itself
// (rename-old-images, decided at render). The marking, promoting and rejecting stages act on
// exactly these. An artifact that has no candidate image is left out and named in the error.
func managed(b *Build) ([]*Artifact, error) {
	if !promotionConfigured(b) {
		return nil, nil
	}
	var arts []*Artifact
	var errs []error
	for i := range b.Artifacts {
		a := &b.Artifacts[i]
		if a.Promoted {
			continue
		}
		switch {
		case selfPromoting(b.Config.Promote.Enabled, a):
			b.Log.Info("template promotes its image itself (rename-old-images); packuilon leaves the image alone", "image_key", a.Key, "image_id", a.ImageID)
		case a.ImageID == "":
			errs = append(errs, fmt.Errorf("%s: %w", a.Key, ErrNoCandidate))
		default:
			arts = append(arts, a)
		}
	}
	return arts, errors.Join(errs...)
}

func candidate(b *Build, a *Artifact) glance.Candidate {
	return glance.Candidate{ImageID: a.ImageID, Key: a.Key, Name: a.Name, BuildID: b.ID, ParentID: a.SourceImageID}
}

// selfPromoting reports whether promotion is to be left to the template (see PromoteStage).
func selfPromoting(enabled string, a *Artifact) bool {
	switch enabled {
	case config.PromoteOff:
		return true
	case config.PromoteOn:
		return false
	}
	return a.SelfPromoting
}

// promotionConfigured reports whether the stage has anything to do for b, and says why not.
func promotionConfigured(b *Build) bool {
	switch b.Config.Promote.Enabled {
	case config.PromoteOff:
		return false
	case config.PromoteOn:
		return true
	}
	if b.Config.Promote.AuthFile == "" && os.Getenv("OS_CLOUD") == "" && os.Getenv("OS_AUTH_URL") == "" {
		b.Log.Warn("not promoting: no credentials ([promote] ADMIN_AUTH_FILE, OS_CLOUD or OS_AUTH_URL); set [promote] ENABLED = true or false to decide")
		return false
	}
	return true
}
