package glance

import (
	"context"
	"errors"
	"fmt"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/image/v2/images"
)

// ErrNothingToRollBack is returned by Rollback when the key has no warehoused image.
var ErrNothingToRollBack = errors.New("no warehoused image to roll back to")

// Rollback makes the newest warehoused image of key current again (name back, unhidden,
// reactivated) and warehouses the current one. It is a promotion of the warehoused image with
// the current one as the previous image, so members and visibility carry over the same way and
// the members the target already had stay. The target is marked packuilon_rollback while in
// flight: a rollback that stopped half way is finished by the next run, not repeated one image
// further back.
func (s *GlanceStore) Rollback(ctx context.Context, key string) (*Result, error) {
	start := s.c.Calls.Count()
	managed, err := s.list(ctx, "", "", true, map[string]string{PropKey: key})
	if err != nil {
		return nil, err
	}
	managed, err = oneOwner(key, managed)
	if err != nil {
		return nil, err
	}
	var cur, target *images.Image
	for i := range managed {
		img := &managed[i]
		switch {
		case prop(img, PropRollback) == "true" && prop(img, PropState) != StateCurrent:
			target = img // an unfinished rollback wins
		case prop(img, PropState) == StateCurrent && cur == nil:
			cur = img
		}
	}
	if target == nil {
		for i := range managed {
			if prop(&managed[i], PropState) == StateWarehoused {
				target = &managed[i] // newest first
				break
			}
		}
	}
	if target == nil {
		return nil, fmt.Errorf("roll back %s: %w", key, ErrNothingToRollBack)
	}
	if id := prop(target, PropReplaces); prop(target, PropRollback) == "true" && id != "" {
		// Listed just now unless it left the key; a 404 (deleted) leaves cur nil.
		if cur = byID(managed, id); cur == nil {
			if cur, err = s.Get(ctx, id); err != nil && !gophercloud.ResponseCodeIs(err, 404) {
				return nil, err
			}
		}
	}
	name := prop(target, PropName)
	if cur != nil && prop(cur, PropName) != "" {
		name = prop(cur, PropName)
	}
	if name == "" {
		return nil, fmt.Errorf("roll back %s: image %s has no %s property", key, target.ID, PropName)
	}
	c := Candidate{ImageID: target.ID, Key: key, Name: name, BuildID: prop(target, PropBuildID), ParentID: prop(target, PropParent)}
	s.log.Info("rolling back", "image_key", key, "image_id", target.ID, "replacing", idOf(cur))
	res, err := s.promote(ctx, target, cur, managed, c, true)
	if res != nil {
		res.Calls = s.c.Calls.Count() - start
	}
	return res, err
}

func idOf(img *images.Image) string {
	if img == nil {
		return ""
	}
	return img.ID
}

// oneOwner keeps the images of key owned by the project of its current image. Any project may
// put packuilon_* properties on its own images, and rollback must not give the canonical name
// to another project's image (promotion, likewise, only replaces images of the candidate's
// owner). Without a current image the images must all have one owner.
func oneOwner(key string, imgs []images.Image) ([]images.Image, error) {
	owner, anchored := "", false
	for i := range imgs {
		if prop(&imgs[i], PropState) == StateCurrent {
			owner, anchored = imgs[i].Owner, true // newest first
			break
		}
	}
	var out []images.Image
	for _, img := range imgs {
		if owner == "" {
			owner = img.Owner
		}
		switch {
		case img.Owner == owner:
			out = append(out, img)
		case !anchored:
			return nil, fmt.Errorf("roll back %s: no current image, and images of the key in projects %s and %s: cannot tell which to roll back to", key, owner, img.Owner)
		}
	}
	return out, nil
}
