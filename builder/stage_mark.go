package builder

import (
	"context"
	"fmt"
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
		if err := store.MarkCandidate(ctx, candidate(b, a)); err != nil {
			return fmt.Errorf("mark candidate %s: %w", a.Key, err)
		}
		b.Log.Info("candidate marked", "image_key", a.Key, "image_id", a.ImageID)
	}
	return nil
}
