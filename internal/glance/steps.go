package glance

import (
	"context"
	"sort"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/image/v2/images"
)

// adopt gives cand prev's visibility and the carried properties cand lacks. Everything goes in
// one request; if Glance refuses it (403: a protected property), each change is retried alone
// so only the refused properties are left out. It returns the refused property names.
func (s *GlanceStore) adopt(ctx context.Context, prev, cand *images.Image) (*images.Image, []string, error) {
	var ops images.UpdateOpts
	if prev.Visibility != cand.Visibility {
		ops = append(ops, images.UpdateVisibility{Visibility: prev.Visibility})
	}
	var names []string
	for k, v := range prev.Properties {
		_, isString := v.(string)
		if _, has := cand.Properties[k]; isString && !has && carried(k, s.opts.CarryProperties) {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	for _, k := range names {
		ops = append(ops, images.UpdateImageProperty{Op: images.AddOp, Name: k, Value: prev.Properties[k].(string)})
	}
	out, err := s.patch(ctx, cand, ops)
	if err == nil || !gophercloud.ResponseCodeIs(err, 403) {
		return out, nil, err
	}
	var skipped []string
	for _, op := range ops {
		out, err = s.patch(ctx, cand, images.UpdateOpts{op})
		switch {
		case err == nil:
			cand = out
		case gophercloud.ResponseCodeIs(err, 403):
			name := "visibility"
			if p, ok := op.(images.UpdateImageProperty); ok {
				name = p.Name
			}
			s.log.Warn("glance refused to set a property; skipped", "image_id", cand.ID, "property", name, "error", err)
			skipped = append(skipped, name)
		default:
			return nil, skipped, err
		}
	}
	return cand, skipped, nil
}

// warehouse retires prev: warehoused name, hidden, packuilon_state=warehoused (and the key, for
// an image adopted from before packuilon). The name is only set when the state changes, so a
// second run does not re-date it.
func (s *GlanceStore) warehouse(ctx context.Context, prev *images.Image, c Candidate) error {
	want := map[string]string{PropState: StateWarehoused, PropKey: c.Key, PropName: c.Name, PropRollback: ""}
	ops := setProps(prev, want)
	if prop(prev, PropState) != StateWarehoused {
		ops = append(ops, images.ReplaceImageName{NewName: formatName(s.opts.WarehouseName, c.Name, s.opts.DateFormat, s.now())})
	}
	if !prev.Hidden {
		ops = append(ops, images.ReplaceImageHidden{NewHidden: true})
	}
	img, err := s.patch(ctx, prev, ops)
	if err != nil {
		return err
	}
	if len(ops) > 0 {
		s.log.Info("image warehoused", "image_key", c.Key, "image_id", img.ID, "name", img.Name)
	}
	if s.opts.DeactivateWarehoused && img.Status == images.ImageStatusActive {
		return s.action(ctx, img.ID, "deactivate")
	}
	return nil
}

// makeCurrent gives cand the canonical name and packuilon_state=current, visible and active.
func (s *GlanceStore) makeCurrent(ctx context.Context, cand *images.Image, c Candidate) (*images.Image, error) {
	if cand.Status == images.ImageStatusDeactivated {
		if err := s.action(ctx, cand.ID, "reactivate"); err != nil {
			return nil, err
		}
	}
	want := map[string]string{PropState: StateCurrent, PropRollback: ""}
	if c.ParentID != "" {
		want[PropParent] = c.ParentID
	}
	ops := setProps(cand, want)
	if cand.Name != c.Name {
		ops = append(ops, images.ReplaceImageName{NewName: c.Name})
	}
	if cand.Hidden {
		ops = append(ops, images.ReplaceImageHidden{NewHidden: false})
	}
	return s.patch(ctx, cand, ops)
}

// sweep warehouses every other image of the key still marked current (left by a crash, or by
// two promotions racing), so exactly one image is current.
func (s *GlanceStore) sweep(ctx context.Context, cur *images.Image, c Candidate) error {
	// A current image is never hidden (makeCurrent unhides it in the same request).
	imgs, err := s.list(ctx, cur.Owner, "", false, map[string]string{PropKey: c.Key, PropState: StateCurrent})
	if err != nil {
		return err
	}
	for i := range imgs {
		if imgs[i].ID == cur.ID {
			continue
		}
		s.log.Warn("a second current image of the key; warehousing it", "image_key", c.Key, "image_id", imgs[i].ID)
		if err := s.warehouse(ctx, &imgs[i], c); err != nil {
			return err
		}
	}
	return nil
}
