package preflight

import (
	"context"
	"fmt"
	"sort"

	"github.com/gophercloud/gophercloud/v2/openstack/image/v2/images"
	"github.com/hashicorp/go-hclog"

	"github.com/packuilon/packuilon/internal/config"
	"github.com/packuilon/packuilon/internal/glance"
	"github.com/packuilon/packuilon/templates"
)

// account is one set of credentials the daemons use, and what for.
type account struct {
	use, authFile string
}

// accounts lists the credentials of cfg that apply: packer's (a host that builds), the image
// admin's (promotion), and the boot test's. The same file is tried once.
func accounts(cfg *config.Config, getenv func(string) string) []account {
	var out []account
	seen := map[string]bool{}
	add := func(use, file string) {
		if seen[file] {
			return
		}
		seen[file] = true
		out = append(out, account{use, file})
	}
	if b := cfg.Builder; b.PackerTemplateMap != "" || b.PackerTemplate != "" {
		add("packer ([rabbit2packer] PACKER_AUTH_FILE)", b.PackerAuthFile)
	}
	// auto without any credentials means promotion is off (check-config says so in a note).
	noCreds := cfg.Promote.AuthFile == "" && getenv("OS_CLOUD") == "" && getenv("OS_AUTH_URL") == ""
	if cfg.Promote.Enabled == config.PromoteOn || cfg.Promote.Enabled == config.PromoteAuto && !noCreds {
		add("promotion ([promote] ADMIN_AUTH_FILE)", cfg.Promote.AuthFile)
	}
	if cfg.Smoke.Method == config.SmokeBoot {
		add("boot test ([smoke] AUTH_FILE)", cfg.Smoke.AuthFile)
	}
	return out
}

// cloud authenticates to Keystone with each account and lists one image in Glance; with
// packer's account it also looks up every source image of IMAGES_CONFIG. Retries of transient
// errors while connecting are logged to log (the check and the auth file's name, never a secret).
func cloud(ctx context.Context, cfg *config.Config, getenv func(string) string, log hclog.Logger) []Result {
	var out []Result
	for _, a := range accounts(cfg, getenv) {
		name := "keystone+glance for " + a.use
		var cl *glance.Clients
		r := withTimeout(ctx, func(ctx context.Context) Result {
			creds, err := glance.LoadCredentials(a.authFile, getenv)
			if err != nil {
				return fail(name, err)
			}
			name += " with " + creds.Source
			if cl, err = glance.Connect(ctx, creds, log.With("check", "keystone+glance for "+a.use)); err != nil {
				return fail(name, err)
			}
			page, err := images.List(cl.Image, images.ListOpts{Limit: 1}).AllPages(ctx)
			if err == nil {
				_, err = images.ExtractImages(page)
			}
			if err != nil {
				return fail(name, fmt.Errorf("authenticated, but listing images failed: %w", err))
			}
			return ok(name, "authenticated; Glance answers at %s", cl.Image.Endpoint)
		})
		out = append(out, r)
		if r.OK && a.authFile == cfg.Builder.PackerAuthFile && cfg.Builder.ImagesConfig != "" {
			out = append(out, sourceImages(ctx, cl, cfg.Builder.ImagesConfig)...)
		}
	}
	return out
}

// sourceImages checks that each image of IMAGES_CONFIG exists and is active for packer's account.
func sourceImages(ctx context.Context, cl *glance.Clients, path string) []Result {
	ids, err := templates.SourceImageIDs(path)
	if err != nil {
		return []Result{fail("source images", err)}
	}
	keys := make([]string, 0, len(ids))
	for k := range ids {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out []Result
	for _, k := range keys {
		id := ids[k]
		name := fmt.Sprintf("source image %s (%s)", k, id)
		out = append(out, withTimeout(ctx, func(ctx context.Context) Result {
			img, err := images.Get(ctx, cl.Image, id).Extract()
			switch {
			case err != nil:
				return fail(name, fmt.Errorf("not found for packer's account: %w", err))
			case img.Status != images.ImageStatusActive:
				return fail(name, fmt.Errorf("image %q is %s, not active", img.Name, img.Status))
			}
			return ok(name, "%q is active", img.Name)
		}))
	}
	return out
}
