package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/image/v2/images"
	"github.com/gophercloud/gophercloud/v2/openstack/image/v2/members"
)

// managed lists the images packuilon manages, hidden ones included, by name.
func managed(ctx context.Context, c *gophercloud.ServiceClient) ([]images.Image, error) {
	var all []images.Image
	for _, hidden := range []bool{false, true} { // Glance lists hidden images only when asked
		pages, err := images.List(c, images.ListOpts{Sort: "name:asc", Limit: 100, Hidden: hidden}).AllPages(ctx)
		if err != nil {
			return nil, err
		}
		list, err := images.ExtractImages(pages)
		if err != nil {
			return nil, err
		}
		for _, img := range list {
			if st, _ := img.Properties["packuilon_state"].(string); st != "" {
				all = append(all, img)
			}
		}
	}
	return all, nil
}

// current returns the current image of a packuilon key.
func (d *demo) current(ctx context.Context, key string) (images.Image, error) {
	c, err := d.os.ImageClient(ctx, d.os.Admin)
	if err != nil {
		return images.Image{}, err
	}
	all, err := managed(ctx, c)
	if err != nil {
		return images.Image{}, err
	}
	for _, img := range all {
		if img.Properties["packuilon_key"] == key && img.Properties["packuilon_state"] == "current" {
			return img, nil
		}
	}
	return images.Image{}, fmt.Errorf("no current image for %s", key)
}

// images prints the managed images with their state, visibility and members.
func (d *demo) images(ctx context.Context) error {
	c, err := d.os.ImageClient(ctx, d.os.Admin)
	if err != nil {
		return err
	}
	all, err := managed(ctx, c)
	if err != nil {
		return err
	}
	fmt.Println("    Glance (as the admin sees it, hidden images included):")
	for _, img := range all {
		var who []string
		if img.Visibility == images.ImageVisibilityShared {
			pages, err := members.List(c, img.ID).AllPages(ctx)
			if err != nil {
				return err
			}
			ms, _ := members.ExtractMembers(pages)
			for _, m := range ms {
				name := m.MemberID
				if name == d.os.Tenant2ID {
					name = "tenant2"
				}
				who = append(who, name+"("+m.Status+")")
			}
		}
		fmt.Printf("      %-50s %-10s %-8s hidden=%-5v %s %s\n", img.Name, img.Properties["packuilon_state"], img.Visibility,
			img.Hidden, img.ID[:8], strings.Join(who, " "))
	}
	return nil
}

// share makes the image shared with tenant2, and tenant2 accepts it: what a site does by hand
// with `openstack image add project` so another project can boot the image.
func (d *demo) share(ctx context.Context, imageID string) error {
	c, err := d.os.ImageClient(ctx, d.os.Admin)
	if err != nil {
		return err
	}
	if _, err := images.Update(ctx, c, imageID, images.UpdateOpts{images.UpdateVisibility{Visibility: images.ImageVisibilityShared}}).Extract(); err != nil {
		return fmt.Errorf("share image: %w", err)
	}
	if _, err := members.Create(ctx, c, imageID, d.os.Tenant2ID).Extract(); err != nil {
		return fmt.Errorf("add member: %w", err)
	}
	c2, err := d.os.ImageClient(ctx, d.os.User2)
	if err != nil {
		return err
	}
	if _, err := members.Update(ctx, c2, imageID, d.os.Tenant2ID, members.UpdateOpts{Status: "accepted"}).Extract(); err != nil {
		return fmt.Errorf("accept membership: %w", err)
	}
	return nil
}
