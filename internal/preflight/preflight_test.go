package preflight

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2/openstack/image/v2/images"

	"github.com/packuilon/packuilon/internal/amqp"
	"github.com/packuilon/packuilon/internal/config"
	"github.com/packuilon/packuilon/internal/testenv"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }

// TestOnline runs the online checks against a real broker, Keystone + Glance, packer and Rally:
// a site where everything is in place gets only OK lines; then a site with an undeclared queue,
// a wrong password, a missing source image, a missing rally deployment and no packer gets a
// FAIL line for each, with the reason.
func TestOnline(t *testing.T) {
	rabbit := testenv.SharedRabbit(t)
	o, _, rally := testenv.SharedRally(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	img, err := o.ImageClient(ctx, o.Admin)
	if err != nil {
		t.Fatal(err)
	}
	source, err := testenv.UploadImage(ctx, img, images.CreateOpts{Name: testenv.UniqueName(t)})
	if err != nil {
		t.Fatal(err)
	}
	queue := testenv.UniqueName(t)
	conn, err := amqp.Dial(ctx, rabbit.Global(queue))
	if err != nil {
		t.Fatal(err)
	}
	ch, err := conn.Channel()
	if err == nil {
		_, err = ch.QueueDeclare(queue, true, false, false, false, nil)
	}
	conn.Close()
	if err != nil {
		t.Fatal(err)
	}
	site := func(queue, image, deployment, packer string) *config.Config {
		dir := t.TempDir()
		path, err := testenv.WriteSite(dir, testenv.SiteOptions{
			Rabbit: rabbit, Queue: queue, OpenStack: o, Profiles: testenv.NewProfileServer(t, testenv.ProfileServerOptions{}),
			SourceImages: map[string]string{"sl7x-x86_64": image}, Template: testenv.OpenStackTemplate, Smoke: "rally", Promote: "true",
			Extra: "[rally-image-testing]\nDEPLOYMENT_UUID = " + deployment + "\nRALLY_CONFIG = " + rally.ConfigFile + "\n",
		})
		if err != nil {
			t.Fatal(err)
		}
		data, _ := os.ReadFile(path)
		data = []byte(strings.Replace(string(data), "PACKER_PATH = /usr/bin/packer", "PACKER_PATH = "+packer, 1))
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		cfg, err := config.Load(path)
		if err != nil {
			t.Fatal(err)
		}
		return cfg
	}

	good := Run(ctx, site(queue, source, rally.DeploymentUUID, "/usr/bin/packer"), func(string) string { return "" }, nil)
	var lines []string
	for _, r := range good {
		lines = append(lines, r.String())
		if !r.OK {
			t.Errorf("not OK: %s", r)
		}
	}
	// broker, packer's account, its source image, promotion's account, packer, rally, deployment
	if len(good) != 7 {
		t.Fatalf("%d results, want 7:\n%s", len(good), strings.Join(lines, "\n"))
	}

	bad := site("no-such-queue", "00000000-0000-0000-0000-000000000000", "11111111-1111-1111-1111-111111111111", filepath.Join(t.TempDir(), "no-packer"))
	if err := os.WriteFile(bad.Promote.AuthFile, []byte("export OS_AUTH_URL="+o.AuthURL+"\nexport OS_USERNAME=admin\nexport OS_PASSWORD=wrong\nexport OS_PROJECT_NAME=admin\nexport OS_USER_DOMAIN_NAME=Default\nexport OS_PROJECT_DOMAIN_NAME=Default\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"broker":                                 `queue "no-such-queue"`,
		"source image sl7x-x86_64":               "not found",
		"keystone+glance for promotion":          "authenticate",
		"packer ([rabbit2packer] PACKER_PATH":    "no-packer",
		"rally deployment 11111111-1111-1111-11": "deployment show",
	}
	for _, r := range Run(ctx, bad, func(string) string { return "" }, nil) {
		t.Log(r)
		for prefix, reason := range want {
			if strings.HasPrefix(r.Name, prefix) {
				if r.OK || !strings.Contains(r.Detail, reason) {
					t.Errorf("%s: want FAIL with %q", r, reason)
				}
				delete(want, prefix)
			}
		}
		if strings.Contains(r.Detail, "wrong") {
			t.Errorf("a password in a result: %s", r)
		}
	}
	for prefix := range want {
		t.Errorf("no result for %s", prefix)
	}
}
