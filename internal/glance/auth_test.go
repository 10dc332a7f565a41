package glance

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gophercloud/gophercloud/v2/openstack/image/v2/images"
)

// TestCredentialSources connects to the real Keystone with each source the openstack CLI reads:
// an openrc file, clouds.yaml (OS_CLOUD) and the OS_* environment.
func TestCredentialSources(t *testing.T) {
	e := newEnv(t)
	dir := t.TempDir()
	rc := filepath.Join(dir, "admin-openrc")
	if err := e.o.WriteOpenRC(rc, e.o.Admin); err != nil {
		t.Fatal(err)
	}
	clouds := filepath.Join(dir, "clouds.yaml")
	yaml := fmt.Sprintf("clouds:\n  lab:\n    auth:\n      auth_url: %s\n      username: %s\n      password: %s\n      project_name: %s\n      user_domain_name: Default\n      project_domain_name: Default\n    region_name: RegionOne\n",
		e.o.AuthURL, e.o.Admin.Username, e.o.Admin.Password, e.o.Admin.Project)
	if err := os.WriteFile(clouds, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{}
	for _, kv := range e.o.AdminEnv() {
		k, v, _ := strings.Cut(kv, "=")
		vars[k] = v
	}
	for _, tc := range []struct {
		name, authFile string
		env            map[string]string
	}{
		{"openrc file", rc, nil},
		{"clouds.yaml", "", map[string]string{"OS_CLOUD": "lab", "OS_CLIENT_CONFIG_FILE": clouds}},
		{"environment", "", vars},
	} {
		t.Run(tc.name, func(t *testing.T) {
			creds, err := LoadCredentials(tc.authFile, func(k string) string { return tc.env[k] })
			if err != nil {
				t.Fatal(err)
			}
			cl, err := Connect(e.ctx, creds, nil)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := images.List(cl.Image, images.ListOpts{Limit: 1}).AllPages(e.ctx); err != nil {
				t.Fatal(err)
			}
			if cl.Calls.Count() < 2 {
				t.Fatalf("%d calls counted, want the token and the list at least", cl.Calls.Count())
			}
		})
	}
}
