package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/packuilon/packuilon/internal/testenv"
)

// The bundled samples: two real-format Aquilon profiles of template hosts (one from a domain,
// one from a sandbox), plus hosts the watcher must ignore.
var samples = []struct{ host, file string }{
	{"nubesvms-sl7x-x86-64.cloud.template", "profile-domain-sl7.json"},
	{"image-factory-rocky8x-x86-64.cloud.template", "profile-sandbox-rocky8.json"},
}

func (d *demo) play(ctx context.Context) error {
	step("Publishing Aquilon's profiles over HTTP: 2 template hosts and 20 ordinary hosts")
	bodies := map[string][]byte{}
	for _, s := range samples {
		b, err := os.ReadFile(filepath.Join("scripts", "demo", "samples", s.file))
		if err != nil {
			return err
		}
		bodies[s.host] = b
		d.profiles.Put(s.host, b)
	}
	d.profiles.AddIndexOnly("host-", 20)
	say("index: %s", d.profiles.IndexURL())

	step("Uploading the source images to Glance (the IMAGES_CONFIG entries)")
	d.sources = map[string]string{}
	for _, key := range []string{"sl7x-x86_64", "rocky8x-x86_64"} {
		id, err := d.nova.CreateImage(ctx, d.os, d.os.Admin, testenv.SimImage{Name: "source " + key})
		if err != nil {
			return err
		}
		d.sources[key] = id
		say("%-15s %s", key, id)
	}
	cfg, err := testenv.WriteSite(d.dir, testenv.SiteOptions{
		Rabbit: d.rabbit, Queue: "build-queue", Profiles: d.profiles, ProfileMatch: ".cloud.template.json",
		OpenStack: d.os, SourceImages: d.sources, Template: testenv.OpenStackTemplate,
		Smoke: "boot", Promote: "true", ThreadCount: 2, Extra: d.siteExtra(),
	})
	if err != nil {
		return err
	}
	d.config = cfg
	step("The site's configuration, in the original /etc/packer-utils layout (%s)", d.dir)
	if err := d.show("check-config"); err != nil {
		return err
	}

	step("First scan: no cache yet, so it records the baseline and publishes nothing (as cdb2rabbit did)")
	if err := d.show("watch", "--once"); err != nil {
		return err
	}

	step("Two template hosts are recompiled with changes; the next scan publishes one build request each")
	for _, s := range samples {
		d.profiles.Put(s.host, changed(bodies[s.host], 1))
	}
	if err := d.show("watch", "--once"); err != nil {
		return err
	}

	step("Starting the builder daemon: it records the requests, runs real packer (openstack builder), boot-tests the candidate on the Nova simulator, and promotes it in Glance")
	if d.builder, err = d.start("builder"); err != nil {
		return err
	}
	waiting, err := d.awaiting(ctx)
	if err != nil {
		return err
	}
	step("The image-factory key needs approval ([promote] REQUIRE_APPROVAL = image-factory-*): its tested candidate waits, still candidate-<name> and private; staff get a mail")
	if err := d.mail("build.awaiting_approval"); err != nil {
		return err
	}
	step("The builder's status page (HTTP_LISTEN): what awaits approval, every image key, the builds")
	if err := d.page("status-page-approval.png"); err != nil {
		return err
	}
	step("Staff approve it; the builder promotes it")
	if err := d.show("approve", waiting); err != nil {
		return err
	}
	if _, err := d.succeeded(ctx, 2); err != nil {
		return err
	}

	step("Users share the sl7 image with project tenant2 (visibility shared, tenant2 accepts)")
	cur, err := d.current(ctx, sl7Key)
	if err != nil {
		return err
	}
	if err := d.share(ctx, cur.ID); err != nil {
		return err
	}
	if err := d.images(ctx); err != nil {
		return err
	}

	step("The sl7 template host changes again: the new image is promoted with the old one's visibility and members; the old one is warehoused (renamed, hidden)")
	d.profiles.Put(samples[0].host, changed(bodies[samples[0].host], 2))
	if err := d.show("watch", "--once"); err != nil {
		return err
	}
	states, err := d.succeeded(ctx, 3)
	if err != nil {
		return err
	}
	if err := d.show("show", newest(states)); err != nil {
		return err
	}

	step("Rolling back: the warehoused image becomes current again, the new one is warehoused; members kept")
	if err := d.show("rollback", "--key", sl7Key); err != nil {
		return err
	}
	if err := d.images(ctx); err != nil {
		return err
	}

	step("A bad change: the next sl7 image does not boot (the simulator puts its servers in ERROR); the boot test rejects it")
	d.nova.SetSnapshotOutcome(d.sources["sl7x-x86_64"], testenv.OutcomeError)
	d.profiles.Put(samples[0].host, changed(bodies[samples[0].host], 3))
	if err := d.show("watch", "--once"); err != nil {
		return err
	}
	if states, err = d.waitBuilds(ctx, 4); err != nil {
		return err
	}
	bad := newest(states)
	if states[bad] != "failed" {
		return fmt.Errorf("build %s ended %s, want failed at testing", bad, states[bad])
	}
	if err := d.show("status", "--limit", "1"); err != nil {
		return err
	}
	say("the candidate is Broken-…, private; the current image is untouched:")
	if err := d.images(ctx); err != nil {
		return err
	}
	step("Staff were mailed about the rejected build: the reason, the Broken- image, the log's tail and what to run next")
	if err := d.mail("build.rejected"); err != nil {
		return err
	}

	step("A recompile that changes nothing: the scan sees the new mtime, compares digests, publishes nothing")
	d.profiles.Touch(samples[1].host)
	if err := d.show("watch", "--once"); err != nil {
		return err
	}

	step("The status page now: the keys' current and warehoused images, and every build")
	if err := d.page("status-page.png"); err != nil {
		return err
	}

	step("Stopping the builder (SIGTERM: it stops consuming and lets running builds finish)")
	d.builder.stop()
	d.builder = nil
	return nil
}

// sl7Key is the packuilon_key of the sl7 image: image key + "." + template stem.
const sl7Key = "nubesvms-sl7x-x86_64.default"

// newest is the newest build id (ids start with their UTC time).
func newest(states map[string]string) string {
	n := ""
	for id := range states {
		if id > n {
			n = id
		}
	}
	return n
}

// changed returns the profile with a visible change: a different package revision, as a real
// recompile after a template change gives.
func changed(profile []byte, rev int) []byte {
	s := string(profile)
	marker := `"system": {`
	if i := strings.Index(s, marker); i >= 0 {
		return []byte(s[:i] + fmt.Sprintf(`"demo_revision": %d, `, rev) + s[i:])
	}
	return profile
}
