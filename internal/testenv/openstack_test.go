package testenv

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack"
	"github.com/gophercloud/gophercloud/v2/openstack/image/v2/images"
)

func TestOpenStackCatalogAndGlanceRestart(t *testing.T) {
	o := SharedOpenStack(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	for _, c := range []Credential{o.Admin, o.User2} {
		p, err := o.Provider(ctx, c)
		if err != nil {
			t.Fatalf("authenticate %s: %v", c.Username, err)
		}
		img, err := openstack.NewImageV2(p, gophercloud.EndpointOpts{Region: "RegionOne"})
		if err != nil {
			t.Fatalf("image endpoint for %s: %v", c.Username, err)
		}
		if _, err := images.List(img, images.ListOpts{}).AllPages(ctx); err != nil {
			t.Fatalf("list images as %s: %v", c.Username, err)
		}
	}
	// A registered service shows up in a new token's catalog; registering again moves it.
	for _, url := range []string{"http://127.0.0.1:1/compute", "http://127.0.0.1:2/compute"} {
		if err := o.RegisterService(ctx, "compute", url); err != nil {
			t.Fatal(err)
		}
		p, err := o.Provider(ctx, o.Admin)
		if err != nil {
			t.Fatal(err)
		}
		got, err := p.EndpointLocator(gophercloud.EndpointOpts{Type: "compute", Region: "RegionOne", Availability: gophercloud.AvailabilityPublic})
		if err != nil {
			t.Fatalf("compute endpoint after RegisterService: %v", err)
		}
		if got != url+"/" {
			t.Fatalf("compute endpoint = %q, want %q", got, url+"/")
		}
	}
	if err := o.StopGlance(); err != nil {
		t.Fatal(err)
	}
	if resp, err := http.Get(o.GlanceURL + "/healthcheck"); err == nil {
		resp.Body.Close()
		t.Fatal("glance still answers after StopGlance")
	}
	if err := o.StartGlance(); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(o.GlanceURL + "/healthcheck")
	if err != nil {
		t.Fatalf("glance after StartGlance: %v", err)
	}
	resp.Body.Close()
}
