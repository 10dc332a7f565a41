package testenv

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack"
	"github.com/gophercloud/gophercloud/v2/openstack/image/v2/imagedata"
	"github.com/gophercloud/gophercloud/v2/openstack/image/v2/images"
)

// ImageClient returns a Glance v2 client authenticated as c.
func (o *OpenStack) ImageClient(ctx context.Context, c Credential) (*gophercloud.ServiceClient, error) {
	p, err := o.Provider(ctx, c)
	if err != nil {
		return nil, err
	}
	return openstack.NewImageV2(p, gophercloud.EndpointOpts{Region: region})
}

// UploadImage creates an active raw/bare image of a few bytes with client (a stand-in for what
// packer uploads) and returns its id.
func UploadImage(ctx context.Context, client *gophercloud.ServiceClient, opts images.CreateOpts) (string, error) {
	opts.ContainerFormat, opts.DiskFormat = "bare", "raw"
	img, err := images.Create(ctx, client, opts).Extract()
	if err != nil {
		return "", fmt.Errorf("create image %s: %w", opts.Name, err)
	}
	if err := imagedata.Upload(ctx, client, img.ID, bytes.NewReader([]byte("tiny"))).ExtractErr(); err != nil {
		return "", fmt.Errorf("upload image %s: %w", opts.Name, err)
	}
	return img.ID, nil
}

// waitCatalog returns when a new admin token's catalog leads to this Glance (gophercloud asks
// the endpoint for its API versions, so this also proves Glance answers as Glance), the
// readiness tests rely on: a few tries, since a Glance that has just come up may not yet
// answer its version document.
func (o *OpenStack) waitCatalog(ctx context.Context) error {
	var err error
	for try := 0; try < 5; try++ {
		var img *gophercloud.ServiceClient
		if img, err = o.ImageClient(ctx, o.Admin); err == nil {
			if img.Endpoint != o.GlanceURL+"/" {
				return fmt.Errorf("the catalog's image endpoint is %s, not this Glance (%s)", img.Endpoint, o.GlanceURL)
			}
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("the catalog does not lead to Glance at %s: %w", o.GlanceURL, err)
		case <-time.After(200 * time.Millisecond):
		}
	}
	return fmt.Errorf("the catalog does not lead to Glance at %s: %w", o.GlanceURL, err)
}
