package glance

import (
	"context"
	"fmt"

	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/servers"
	"github.com/gophercloud/gophercloud/v2/openstack/image/v2/images"
	"github.com/gophercloud/gophercloud/v2/pagination"
)

// retain keeps the newest KeepWarehoused warehoused images of key and retires the older ones:
// deleted when Nova says no server uses them, kept when one does, and deactivated instead when
// there is no compute endpoint to ask (deleting an image a server still runs from would break
// that server's rebuilds and migrations; a deactivated one can be reactivated).
func (s *GlanceStore) retain(ctx context.Context, owner, key string, res *Result) error {
	if s.opts.KeepWarehoused <= 0 {
		return nil
	}
	imgs, err := s.list(ctx, owner, "", true, map[string]string{PropKey: key, PropState: StateWarehoused})
	if err != nil {
		return err
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
		if s.c.Compute == nil {
			if img.Status == images.ImageStatusActive {
				if err := s.action(ctx, img.ID, "deactivate"); err != nil {
					return err
				}
				res.Deactivated = append(res.Deactivated, img.ID)
			}
			why := "the catalog has no compute endpoint"
			if s.c.ComputeErr != nil {
				why = s.c.ComputeErr.Error()
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
		if err := images.Delete(ctx, s.c.Image, img.ID).ExtractErr(); err != nil {
			return fmt.Errorf("delete image %s: %w", img.ID, err)
		}
		res.Deleted = append(res.Deleted, img.ID)
		log.Info("retention: image deleted")
	}
	return nil
}

// inUse asks Nova whether any server, in any project, was booted from the image.
func (s *GlanceStore) inUse(ctx context.Context, imageID string) (bool, error) {
	used := false
	err := servers.List(s.c.Compute, servers.ListOpts{Image: imageID, AllTenants: true, Limit: 1}).EachPage(ctx,
		func(_ context.Context, p pagination.Page) (bool, error) {
			list, err := servers.ExtractServers(p)
			used = len(list) > 0
			return false, err // one page is enough
		})
	if err != nil {
		return false, fmt.Errorf("list servers using image %s: %w", imageID, err)
	}
	return used, nil
}
