package glance

import (
	"context"
	"fmt"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/servers"
	"github.com/gophercloud/gophercloud/v2/openstack/image/v2/images"
	"github.com/gophercloud/gophercloud/v2/pagination"
)

// retain keeps the newest KeepWarehoused warehoused images of key and retires the older ones:
// deleted when Nova says no server uses them, kept when one does, and deactivated instead when
// there is no compute endpoint to ask (deleting an image a server still runs from would break
// that server's rebuilds and migrations; a deactivated one can be reactivated).
//
// imgs are the key's warehoused images, most recently warehoused first: the one the promotion
// just warehoused, then those listed before it, newest first by creation.
func (s *GlanceStore) retain(ctx context.Context, key string, imgs []images.Image, res *Result) error {
	if s.opts.KeepWarehoused <= 0 {
		return nil
	}
	if len(imgs) <= s.opts.KeepWarehoused {
		return nil
	}
	for i := range imgs[s.opts.KeepWarehoused:] {
		img := &imgs[s.opts.KeepWarehoused+i]
		log := s.log.With("image_key", key, "image_id", img.ID)
		if img.Protected {
			log.Info("retention: image is protected; kept")
			continue
		}
		if why := s.cannotCheck(img); why != "" {
			if img.Status == images.ImageStatusActive {
				err := s.action(ctx, img.ID, "deactivate")
				if gophercloud.ResponseCodeIs(err, 403) {
					log.Info("retention: cannot check for servers using it, and glance refused to deactivate it; kept", "reason", why)
					continue
				}
				if err != nil {
					return err
				}
				res.Deactivated = append(res.Deactivated, img.ID)
			}
			log.Info("retention: deactivated instead of deleted: cannot check for servers using it", "reason", why)
			continue
		}
		used, err := s.inUse(ctx, img.ID)
		if err != nil {
			return err
		}
		if used {
			log.Info("retention: a server still uses the image; kept")
			continue
		}
		if err := s.deleteImage(ctx, img.ID); err != nil {
			return err
		}
		res.Deleted = append(res.Deleted, img.ID)
		log.Info("retention: image deleted")
	}
	return nil
}

// cannotCheck says why Nova cannot tell whether a server uses img, or "" when it can: with no
// compute endpoint never; without the admin role (Nova lists other projects' servers only to
// admins) only for an image no other project can see.
func (s *GlanceStore) cannotCheck(img *images.Image) string {
	switch {
	case s.c.Compute == nil && s.c.ComputeErr != nil:
		return s.c.ComputeErr.Error()
	case s.c.Compute == nil:
		return "the catalog has no compute endpoint"
	case !s.c.Admin && img.Visibility != images.ImageVisibilityPrivate:
		return "the account is no admin, so it cannot see other projects' servers, and the image is " + string(img.Visibility)
	}
	return ""
}

// inUse asks Nova whether any server was booted from the image: in any project with the admin
// role, else in the account's own project (cannotCheck keeps images other projects can see
// from here).
func (s *GlanceStore) inUse(ctx context.Context, imageID string) (bool, error) {
	used := false
	err := s.do(ctx, "list servers", func(ctx context.Context) error {
		return servers.List(s.c.Compute, servers.ListOpts{Image: imageID, AllTenants: s.c.Admin, Limit: 1}).EachPage(ctx,
			func(_ context.Context, p pagination.Page) (bool, error) {
				list, err := servers.ExtractServers(p)
				used = len(list) > 0
				return false, err // one page is enough
			})
	})
	if err != nil {
		return false, fmt.Errorf("list servers using image %s: %w", imageID, err)
	}
	return used, nil
}
