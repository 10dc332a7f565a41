package testenv

import (
	"context"
	"fmt"
	"strings"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack"
	"github.com/gophercloud/gophercloud/v2/openstack/image/v2/imagedata"
	"github.com/gophercloud/gophercloud/v2/openstack/image/v2/images"
)

// SimImage describes a small image to upload to the real Glance for booting on the simulator.
type SimImage struct {
	Name       string
	MinDisk    int
	MinRAM     int
	Properties map[string]string
}

// CreateImage creates and uploads a small raw image owned by c's project and returns its id
// once it is active. The bytes are not bootable: the simulator boots nothing.
func (s *NovaSim) CreateImage(ctx context.Context, o *OpenStack, c Credential, img SimImage) (string, error) {
	p, err := o.Provider(ctx, c)
	if err != nil {
		return "", err
	}
	client, err := openstack.NewImageV2(p, gophercloud.EndpointOpts{Region: region})
	if err != nil {
		return "", err
	}
	created, err := images.Create(ctx, client, images.CreateOpts{
		Name: img.Name, ContainerFormat: "bare", DiskFormat: "raw",
		MinDisk: img.MinDisk, MinRAM: img.MinRAM, Properties: img.Properties,
	}).Extract()
	if err != nil {
		return "", fmt.Errorf("create image %s: %w", img.Name, err)
	}
	payload := strings.NewReader("packuilon nova simulator test image " + img.Name + "\n")
	if err := imagedata.Upload(ctx, client, created.ID, payload).ExtractErr(); err != nil {
		return "", fmt.Errorf("upload image %s: %w", img.Name, err)
	}
	return created.ID, nil
}
