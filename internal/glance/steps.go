package glance

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/image/v2/images"
)

// ErrVisibilityRefused is returned when Glance refuses to give the candidate the previous
// image's visibility (403: for public, the account lacks publicize_image). The promotion stops
// there, before the previous image is warehoused: users keep the image they had.
var ErrVisibilityRefused = errors.New("glance refused the visibility of the image it replaces")

// carriedNames are the carried properties of prev that img lacks, sorted.
func (s *GlanceStore) carriedNames(prev, img *images.Image) []string {
	var names []string
	for k, v := range prev.Properties {
		_, isString := v.(string)
		if _, has := img.Properties[k]; isString && !has && carried(k, s.opts.CarryProperties) {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	return names
}

// adoptOps are the changes that give img prev's visibility and the carried properties it lacks.
func (s *GlanceStore) adoptOps(prev, img *images.Image) images.UpdateOpts {
	var ops images.UpdateOpts
	if img.Visibility != prev.Visibility {
		ops = append(ops, images.UpdateVisibility{Visibility: prev.Visibility})
	}
	for _, k := range s.carriedNames(prev, img) {
		ops = append(ops, images.UpdateImageProperty{Op: images.AddOp, Name: k, Value: prev.Properties[k].(string)})
	}
	return ops
}

// adopt gives cand prev's visibility and the carried properties cand lacks, one change at a
// time, for when Glance refused them all in one request (403; promote tries that first): the
// visibility alone, and a refused visibility stops the promotion (ErrVisibilityRefused); then
// each property alone, so only the refused (protected) properties are left out. It returns the
// refused property names.
func (s *GlanceStore) adopt(ctx context.Context, prev, cand *images.Image) (*images.Image, []string, error) {
	visOp := func(img *images.Image) images.UpdateOpts {
		if img.Visibility == prev.Visibility {
			return nil
		}
		return images.UpdateOpts{images.UpdateVisibility{Visibility: prev.Visibility}}
	}
	propOp := func(k string) func(img *images.Image) images.UpdateOpts {
		return func(img *images.Image) images.UpdateOpts {
			if _, has := img.Properties[k]; has {
				return nil
			}
			return images.UpdateOpts{images.UpdateImageProperty{Op: images.AddOp, Name: k, Value: prev.Properties[k].(string)}}
		}
	}
	out, err := s.update(ctx, cand, visOp)
	if gophercloud.ResponseCodeIs(err, 403) {
		return nil, nil, fmt.Errorf("make image %s %s like image %s: %w; nothing was warehoused, image %s keeps the name (%v)",
			cand.ID, prev.Visibility, prev.ID, ErrVisibilityRefused, prev.ID, err)
	} else if err != nil {
		return nil, nil, err
	}
	cand = out
	var skipped []string
	for _, k := range s.carriedNames(prev, cand) {
		out, err = s.update(ctx, cand, propOp(k))
		switch {
		case err == nil:
			cand = out
		case gophercloud.ResponseCodeIs(err, 403):
			s.log.Warn("glance refused to set a property; skipped", "image_id", cand.ID, "property", k, "error", err)
			skipped = append(skipped, k)
		default:
			return nil, skipped, err
		}
	}
	return cand, skipped, nil
}

// warehouse retires prev: warehoused name, hidden, packuilon_state=warehoused (and the key, for
// an image adopted from before packuilon). The name is only set when the state changes, so a
// second run does not re-date it.
// It returns prev as it is now.
func (s *GlanceStore) warehouse(ctx context.Context, prev *images.Image, c Candidate) (*images.Image, error) {
	changed := false
	img, err := s.update(ctx, prev, func(img *images.Image) images.UpdateOpts {
		want := map[string]string{PropState: StateWarehoused, PropKey: c.Key, PropName: c.Name, PropRollback: ""}
		ops := setProps(img, want)
		if prop(img, PropState) != StateWarehoused {
			ops = append(ops, images.ReplaceImageName{NewName: formatName(s.opts.WarehouseName, c.Name, s.opts.DateFormat, s.now())})
		}
		if !img.Hidden {
			ops = append(ops, images.ReplaceImageHidden{NewHidden: true})
		}
		// A retry after a lost answer finds the work done: the first attempt's changes count.
		changed = changed || len(ops) > 0
		return ops
	})
	if err != nil {
		return nil, err
	}
	if changed {
		s.log.Info("image warehoused", "image_key", c.Key, "image_id", img.ID, "name", img.Name)
	}
	if s.opts.DeactivateWarehoused && img.Status == images.ImageStatusActive {
		if err := s.action(ctx, img.ID, "deactivate"); err != nil {
			return nil, err
		}
		img.Status = images.ImageStatusDeactivated
	}
	return img, nil
}

// makeCurrent gives cand the canonical name and packuilon_state=current, visible and active.
func (s *GlanceStore) makeCurrent(ctx context.Context, cand *images.Image, c Candidate) (*images.Image, error) {
	if cand.Status == images.ImageStatusDeactivated {
		if err := s.action(ctx, cand.ID, "reactivate"); err != nil {
			return nil, err
		}
	}
	return s.update(ctx, cand, func(img *images.Image) images.UpdateOpts {
		want := map[string]string{PropState: StateCurrent, PropRollback: ""}
		if c.ParentID != "" {
			want[PropParent] = c.ParentID
		}
		ops := setProps(img, want)
		if img.Name != c.Name {
			ops = append(ops, images.ReplaceImageName{NewName: c.Name})
		}
		if img.Hidden {
			ops = append(ops, images.ReplaceImageHidden{NewHidden: false})
		}
		return ops
	})
}
