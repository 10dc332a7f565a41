package glance

import (
	"context"
	"fmt"
	"strings"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/image/v2/images"

	"github.com/packuilon/packuilon/internal/config"
)

// maxReason bounds the reason stored on a broken image (Glance limits property values to 255).
const maxReason = 255

// Reject marks a candidate that failed its smoke test: Broken-<name>-<date>, private,
// packuilon_state=broken, the reason in packuilon_broken_reason; or deletes it when
// BROKEN_ACTION = delete. An image already broken or gone is left as it is; the current image
// is never rejected.
func (s *GlanceStore) Reject(ctx context.Context, c Candidate, reason string) error {
	img, err := s.Get(ctx, c.ImageID)
	if gophercloud.ResponseCodeIs(err, 404) {
		return nil
	}
	if err != nil {
		return err
	}
	switch prop(img, PropState) {
	case StateBroken:
		return nil
	case StateCurrent, StateWarehoused:
		return fmt.Errorf("reject image %s: it is %s: %w", img.ID, prop(img, PropState), ErrNotPromotable)
	}
	log := s.log.With("image_key", c.Key, "image_id", img.ID, "build_id", c.BuildID)
	if s.opts.BrokenAction == config.BrokenDelete {
		if err := s.deleteImage(ctx, img.ID); err != nil {
			return fmt.Errorf("broken candidate: %w", err)
		}
		log.Info("broken candidate deleted", "reason", reason)
		return nil
	}
	if len(reason) > maxReason {
		reason = strings.ToValidUTF8(reason[:maxReason], "")
	}
	want := map[string]string{PropKey: c.Key, PropName: c.Name, PropState: StateBroken, "packuilon_broken_reason": reason}
	if c.BuildID != "" {
		want[PropBuildID] = c.BuildID
	}
	brokenName := formatName(s.opts.BrokenName, c.Name, s.opts.DateFormat, s.now())
	_, err = s.update(ctx, img, func(img *images.Image) images.UpdateOpts {
		if st := prop(img, PropState); st == StateCurrent || st == StateWarehoused {
			return nil // promoted meanwhile: never rejected
		}
		ops := setProps(img, want)
		if prop(img, PropState) != StateBroken {
			ops = append(ops, images.ReplaceImageName{NewName: brokenName})
		}
		if img.Visibility != images.ImageVisibilityPrivate {
			ops = append(ops, images.UpdateVisibility{Visibility: images.ImageVisibilityPrivate})
		}
		return ops
	})
	if err != nil {
		return err
	}
	log.Info("candidate marked broken", "reason", reason)
	return nil
}
