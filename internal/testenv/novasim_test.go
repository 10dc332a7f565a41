package testenv

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack"
	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/flavors"
	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/servers"
	"github.com/gophercloud/gophercloud/v2/openstack/image/v2/images"
)

func TestNovaSimLifecycle(t *testing.T) {
	o := SharedOpenStack(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	sim, err := StartNovaSim(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sim.Stop)
	p, err := o.Provider(ctx, o.Admin)
	if err != nil {
		t.Fatal(err)
	}
	compute, err := openstack.NewComputeV2(p, gophercloud.EndpointOpts{Region: region})
	if err != nil {
		t.Fatalf("compute endpoint from the catalog: %v", err)
	}
	glance, err := openstack.NewImageV2(p, gophercloud.EndpointOpts{Region: region})
	if err != nil {
		t.Fatal(err)
	}
	fl, err := flavors.Get(ctx, compute, "2").Extract()
	if err != nil || fl.Name != "m1.small" || fl.Disk != 20 {
		t.Fatalf("flavor 2 = %+v, %v", fl, err)
	}
	good, err := sim.CreateImage(ctx, o, o.Admin, SimImage{Name: UniqueName(t), MinDisk: 5})
	if err != nil {
		t.Fatal(err)
	}
	bad, err := sim.CreateImage(ctx, o, o.Admin, SimImage{Name: UniqueName(t) + "-bad"})
	if err != nil {
		t.Fatal(err)
	}
	sim.SetOutcome(bad, OutcomeError)

	tests := []struct {
		name, image, flavor, want string
		createErr                 int
	}{
		{"boots", good, "2", "ACTIVE", 0},
		{"error outcome", bad, "1", "ERROR", 0},
		{"flavor disk too small", good, "1", "", http.StatusBadRequest},
		{"unknown image", "00000000-0000-4000-8000-000000000000", "1", "", http.StatusBadRequest},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := servers.Create(ctx, compute, servers.CreateOpts{Name: "smoke", ImageRef: tc.image, FlavorRef: tc.flavor,
				Metadata: map[string]string{"packuilon_build_id": "b1"}}, nil).Extract()
			if tc.createErr != 0 {
				if !gophercloud.ResponseCodeIs(err, tc.createErr) {
					t.Fatalf("create: %v, want HTTP %d", err, tc.createErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			waitStatus(ctx, t, compute, s.ID, tc.want)
			listed, err := servers.List(compute, servers.ListOpts{Image: tc.image}).AllPages(ctx)
			if err != nil {
				t.Fatal(err)
			}
			all, _ := servers.ExtractServers(listed)
			if len(all) != 1 || all[0].Metadata["packuilon_build_id"] != "b1" {
				t.Fatalf("list by image: %+v", all)
			}
			if err := servers.Delete(ctx, compute, s.ID).ExtractErr(); err != nil {
				t.Fatal(err)
			}
			if _, err := servers.Get(ctx, compute, s.ID).Extract(); !gophercloud.ResponseCodeIs(err, http.StatusNotFound) {
				t.Fatalf("get after delete: %v", err)
			}
		})
	}

	t.Run("stop, snapshot into glance, console", func(t *testing.T) {
		s, err := servers.Create(ctx, compute, servers.CreateOpts{Name: "packer", ImageRef: good, FlavorRef: "3"}, nil).Extract()
		if err != nil {
			t.Fatal(err)
		}
		defer servers.Delete(ctx, compute, s.ID)
		waitStatus(ctx, t, compute, s.ID, "ACTIVE")
		out, err := servers.ShowConsoleOutput(ctx, compute, s.ID, servers.ShowConsoleOutputOpts{Length: 1}).Extract()
		if err != nil || !strings.Contains(out, "login:") {
			t.Fatalf("console %q, %v", out, err)
		}
		if err := servers.Stop(ctx, compute, s.ID).ExtractErr(); err != nil {
			t.Fatal(err)
		}
		waitStatus(ctx, t, compute, s.ID, "SHUTOFF")
		sim.SetSnapshotOutcome(good, OutcomeError) // what packer builds from good is bad
		id, err := servers.CreateImage(ctx, compute, s.ID, servers.CreateImageOpts{Name: "snap-" + UniqueName(t),
			Metadata: map[string]string{"AQ_OS": "sl"}}).ExtractImageID()
		if err != nil {
			t.Fatal(err)
		}
		img, err := images.Get(ctx, glance, id).Extract()
		if err != nil {
			t.Fatal(err)
		}
		if img.Status != images.ImageStatusActive || img.Properties["AQ_OS"] != "sl" || img.MinDiskGigabytes != 5 {
			t.Fatalf("snapshot in glance: status %s props %v min_disk %d", img.Status, img.Properties, img.MinDiskGigabytes)
		}
		snap, err := servers.Create(ctx, compute, servers.CreateOpts{Name: "from-snapshot", ImageRef: id, FlavorRef: "3"}, nil).Extract()
		if err != nil {
			t.Fatal(err)
		}
		waitStatus(ctx, t, compute, snap.ID, "ERROR")
		servers.Delete(ctx, compute, snap.ID)
		images.Delete(ctx, glance, id)
	})

	t.Run("token is checked against keystone", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodGet, sim.URL+"/flavors", nil)
		req.Header.Set("X-Auth-Token", "not-a-token")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("bad token: %s", resp.Status)
		}
	})
	if u := sim.Unhandled(); len(u) > 0 {
		t.Errorf("requests the simulator did not handle: %v", u)
	}
}

func waitStatus(ctx context.Context, t *testing.T, c *gophercloud.ServiceClient, id, want string) {
	t.Helper()
	for {
		s, err := servers.Get(ctx, c, id).Extract()
		if err != nil {
			t.Fatal(err)
		}
		if s.Status == want {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("server %s is %s, want %s", id, s.Status, want)
		case <-time.After(100 * time.Millisecond):
		}
	}
}
