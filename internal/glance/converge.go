package glance

import (
	"context"
	"errors"
	"fmt"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/image/v2/images"
	"github.com/gophercloud/gophercloud/v2/openstack/image/v2/members"
	"golang.org/x/sync/errgroup"
)

// lastHolder finds, for a key with no current image, the image that last had the name: the
// image a half-done promotion (a candidate carrying packuilon_replaces whose predecessor is
// warehoused, but which never became current) replaced; else the newest warehoused image. The
// next promotion takes its members and visibility from it, so a fault between warehousing and
// renaming never costs users the sharing they had.
func (s *GlanceStore) lastHolder(managed []images.Image, cand *images.Image, newest *images.Image) *images.Image {
	for i := range managed {
		h := &managed[i]
		id := prop(h, PropReplaces)
		if h.ID == cand.ID || id == "" || prop(h, PropState) != StateCandidate {
			continue
		}
		for j := range managed {
			if x := &managed[j]; x.ID == id && prop(x, PropState) == StateWarehoused {
				s.log.Warn("no current image: a promotion stopped half way; taking members and visibility from the image it replaced",
					"image_key", prop(h, PropKey), "half_done", h.ID, "image_id", x.ID)
				return x
			}
		}
	}
	s.log.Warn("no current image; taking members and visibility from the newest warehoused image",
		"image_key", prop(newest, PropKey), "image_id", newest.ID)
	return newest
}

// sweep runs after the swap. Any other image of the key still marked current (left by a crash,
// or by two promotions racing) is warehoused, so exactly one image is current. Candidates of
// earlier promotions that stopped half way (they carry packuilon_replaces) are superseded: they
// lose their members, their visibility (private) and the packuilon_replaces mark, so no
// candidate of a finished build stays shared. Every image is tried; the errors are joined.
//
// others are the key's images other than the new current one and the one it replaced, as
// listed before the promotion (which serialises with every other promotion of the key, so
// nothing it does not do itself changes them meanwhile).
func (s *GlanceStore) sweep(ctx context.Context, others []images.Image, c Candidate) error {
	var errs []error
	for i := range others {
		img := &others[i]
		switch {
		case prop(img, PropState) == StateCurrent:
			s.log.Warn("a second current image of the key; warehousing it", "image_key", c.Key, "image_id", img.ID)
			_, err := s.warehouse(ctx, img, c)
			errs = append(errs, err)
		case prop(img, PropState) == StateCandidate && prop(img, PropReplaces) != "":
			s.log.Warn("a candidate whose promotion stopped half way is superseded; unsharing it", "image_key", c.Key, "image_id", img.ID)
			errs = append(errs, s.unshare(ctx, img))
		}
	}
	return errors.Join(errs...)
}

// unshare removes img's members, makes it private and drops its packuilon_replaces mark.
func (s *GlanceStore) unshare(ctx context.Context, img *images.Image) error {
	ms, err := s.members(ctx, img.ID)
	if err != nil {
		return err
	}
	var g errgroup.Group
	g.SetLimit(s.opts.MemberConcurrency)
	for _, m := range ms {
		g.Go(func() error {
			err := s.do(ctx, "remove member", func(ctx context.Context) error {
				return members.Delete(ctx, s.c.Image, img.ID, m.MemberID).ExtractErr()
			})
			if err != nil && !gophercloud.ResponseCodeIs(err, 404) {
				return fmt.Errorf("remove member %s of %s: %w", m.MemberID, img.ID, err)
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	_, err = s.update(ctx, img, func(img *images.Image) images.UpdateOpts {
		ops := setProps(img, map[string]string{PropReplaces: ""})
		if img.Visibility != images.ImageVisibilityPrivate {
			ops = append(ops, images.UpdateVisibility{Visibility: images.ImageVisibilityPrivate})
		}
		return ops
	})
	return err
}
