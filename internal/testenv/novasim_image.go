package testenv

import (
	"context"

	"github.com/gophercloud/gophercloud/v2/openstack/image/v2/images"
)

// SimImage describes a small image to upload to the real Glance for booting on the simulator.
type SimImage struct {
	Name       string
	MinDisk    int
	MinRAM     int
	Properties map[string]string
}

// CreateImage creates and uploads a small raw image owned by c's project (UploadImage) and
// returns its id. The bytes are not bootable: the simulator boots nothing.
func (s *NovaSim) CreateImage(ctx context.Context, o *OpenStack, c Credential, img SimImage) (string, error) {
	client, err := o.ImageClient(ctx, c)
	if err != nil {
		return "", err
	}
	return UploadImage(ctx, client, images.CreateOpts{Name: img.Name, MinDisk: img.MinDisk, MinRAM: img.MinRAM, Properties: img.Properties})
}
