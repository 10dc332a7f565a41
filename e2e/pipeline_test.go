package e2e

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/image/v2/images"
	"github.com/gophercloud/gophercloud/v2/openstack/image/v2/members"

	"github.com/packuilon/packuilon/internal/testenv"
)

// TestPipelineEndToEnd changes a template host's profile and follows the build through the
// real binary and services. The site already has an image of that name, made the old way and
// shared with tenant2. With a good image, the candidate passes the boot test and is promoted:
// it takes the name, visibility and members, and the old image is warehoused. With an image
// whose servers go to ERROR (the simulator's outcome for snapshots of this source), the build
// fails at testing with the reason, the candidate is Broken-…, and the old image is untouched.
// With a boot that hangs, the build fails at testing as a test error and `packuilon retry`
// resumes it at testing, with the same candidate.
func TestPipelineEndToEnd(t *testing.T) {
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	testenv.Need(t, "/usr/bin/packer")
	boot := func(*testing.T) string { return "[smoke]\nMETHOD = boot\nBOOT_TIMEOUT = 5s\n" }
	tests := []struct {
		name        string
		personality string
		outcome     testenv.Outcome
		smoke       func(t *testing.T) string
		reason      string // of a rejection
	}{
		{"smoke test passes: promoted", "e2epass", testenv.OutcomeActive, boot, ""},
		{"smoke test fails: broken, current untouched", "e2ereject", testenv.OutcomeError, boot, "went to ERROR"},
		// The boot hangs (a cloud problem): a test error keeps the candidate; once the cloud is
		// well, `packuilon retry` resumes at testing without rebuilding and promotes it.
		{"test error, then retry", "e2eretry", testenv.OutcomeNeverActive, boot, ""},
		{"rally: passes, promoted", "e2erally", testenv.OutcomeActive, rallySmoke, ""},
		{"rally: fails, broken", "e2erallyfail", testenv.OutcomeError, rallySmoke, "2 of 2 iterations failed; SLA failed: NovaServers.boot_and_delete_server: failure_rate"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
			defer cancel()
			rabbit := testenv.SharedRabbit(t)
			o, sim := testenv.SharedNovaSim(t)
			admin, err := o.ImageClient(ctx, o.Admin)
			if err != nil {
				t.Fatal(err)
			}
			source, err := sim.CreateImage(ctx, o, o.Admin, testenv.SimImage{Name: "source sl7 " + tc.personality})
			if err != nil {
				t.Fatal(err)
			}
			sim.SetSnapshotOutcome(source, tc.outcome)
			name, key := "sl7x-x86_64 "+tc.personality, tc.personality+"-sl7x-x86_64"
			old := sharedImage(ctx, t, o, admin, name)

			profiles := testenv.NewProfileServer(t, testenv.ProfileServerOptions{})
			host := hostFor(tc.personality)
			profiles.Put(host, profile(t, tc.personality, 1))
			dir := t.TempDir()
			cfg, err := testenv.WriteSite(dir, testenv.SiteOptions{
				Rabbit: rabbit, Queue: testenv.UniqueName(t), Profiles: profiles, ProfileMatch: ".cloud.template.json",
				OpenStack: o, SourceImages: map[string]string{"sl7x-x86_64": source}, Template: testenv.OpenStackTemplate,
				Promote: "true", Extra: tc.smoke(t),
			})
			if err != nil {
				t.Fatal(err)
			}
			s := &site{t: t, config: cfg, dir: dir}
			s.run("watch", "--once") // the baseline: publishes nothing
			profiles.Put(host, profile(t, tc.personality, 2))
			if out := s.run("watch", "--once"); !strings.Contains(out, "1 published") {
				t.Fatalf("the changed profile was not published: %s", out)
			}
			s.startBuilder()
			rec := s.waitBuild(ctx, key)
			if len(rec.Artifacts) != 1 || rec.Artifacts[0].ImageID == "" || rec.Artifacts[0].ImageID == old {
				t.Fatalf("no candidate built: %+v", rec)
			}
			art := rec.Artifacts[0]
			cand, oldImg := get(ctx, t, admin, art.ImageID), get(ctx, t, admin, old)
			if tc.outcome == testenv.OutcomeNeverActive {
				if rec.State != "failed" || rec.Stage != "testing" || strings.HasPrefix(cand.Name, "Broken-") || oldImg.Name != name {
					t.Fatalf("after a test error: build %s at %s (%s), candidate %q, current %q", rec.State, rec.Stage, rec.Message, cand.Name, oldImg.Name)
				}
				sim.SetOutcome(art.ImageID, testenv.OutcomeActive) // the cloud recovered
				s.run("retry", rec.ID)
				rec = s.waitBuild(ctx, key)
				if rec.Artifacts[0].ImageID != art.ImageID {
					t.Fatalf("retry rebuilt the image: %s, was %s", rec.Artifacts[0].ImageID, art.ImageID)
				}
				art, cand, oldImg = rec.Artifacts[0], get(ctx, t, admin, art.ImageID), get(ctx, t, admin, old)
			}
			if tc.outcome != testenv.OutcomeError {
				if rec.State != "succeeded" || !strings.Contains(art.TestVerdict, "passed: ") || art.Warehoused != old {
					t.Fatalf("build %s at %s: %s; artifact %+v", rec.State, rec.Stage, rec.Message, art)
				}
				if cand.Name != name || cand.Properties["packuilon_state"] != "current" || cand.Visibility != images.ImageVisibilityShared {
					t.Errorf("new image: name %q state %v visibility %s", cand.Name, cand.Properties["packuilon_state"], cand.Visibility)
				}
				if !strings.HasPrefix(oldImg.Name, "warehoused-"+name) || !oldImg.Hidden || oldImg.Properties["packuilon_state"] != "warehoused" {
					t.Errorf("old image: name %q hidden %v state %v", oldImg.Name, oldImg.Hidden, oldImg.Properties["packuilon_state"])
				}
				if m := memberStatus(ctx, t, admin, art.ImageID, o.Tenant2ID); m != "accepted" {
					t.Errorf("tenant2 on the new image: %q, want accepted", m)
				}
				return
			}
			if rec.State != "failed" || rec.Stage != "testing" || !strings.Contains(rec.Message, tc.reason) {
				t.Fatalf("build %s at %s: %s", rec.State, rec.Stage, rec.Message)
			}
			if !strings.HasPrefix(cand.Name, "Broken-"+name) || cand.Properties["packuilon_state"] != "broken" {
				t.Errorf("rejected candidate: name %q state %v", cand.Name, cand.Properties["packuilon_state"])
			}
			if oldImg.Name != name || oldImg.Hidden || oldImg.Properties["packuilon_state"] != nil {
				t.Errorf("current image touched: name %q hidden %v state %v", oldImg.Name, oldImg.Hidden, oldImg.Properties["packuilon_state"])
			}
			if m := memberStatus(ctx, t, admin, old, o.Tenant2ID); m != "accepted" {
				t.Errorf("tenant2 on the current image: %q, want accepted", m)
			}
		})
	}
}

// rallySmoke configures the Rally smoke test with the shipped boot-and-delete task on the
// package's Rally deployment.
func rallySmoke(t *testing.T) string {
	_, _, r := testenv.SharedRally(t)
	tasks, err := filepath.Abs("../etc/packer-utils/rally")
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("[smoke]\nMETHOD = rally\n[rally-image-testing]\nDEPLOYMENT_UUID = %s\nRALLY_CONFIG = %s\nTASK_LOCATION = %s\nFLAVOR = m1.tiny\nTASK_TIMEOUT = 4m\n",
		r.DeploymentUUID, r.ConfigFile, tasks)
}

// sharedImage uploads the site's current image as the old scripts left it: the canonical name,
// shared with tenant2, which accepted it.
func sharedImage(ctx context.Context, t *testing.T, o *testenv.OpenStack, admin *gophercloud.ServiceClient, name string) string {
	t.Helper()
	id, err := testenv.UploadImage(ctx, admin, images.CreateOpts{Name: name, Visibility: ptr(images.ImageVisibilityShared)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := members.Create(ctx, admin, id, o.Tenant2ID).Extract(); err != nil {
		t.Fatal(err)
	}
	user2, err := o.ImageClient(ctx, o.User2)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := members.Update(ctx, user2, id, o.Tenant2ID, members.UpdateOpts{Status: "accepted"}).Extract(); err != nil {
		t.Fatal(err)
	}
	return id
}

func ptr[T any](v T) *T { return &v }

func get(ctx context.Context, t *testing.T, c *gophercloud.ServiceClient, id string) *images.Image {
	t.Helper()
	img, err := images.Get(ctx, c, id).Extract()
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func memberStatus(ctx context.Context, t *testing.T, c *gophercloud.ServiceClient, image, project string) string {
	t.Helper()
	m, err := members.Get(ctx, c, image, project).Extract()
	if err != nil {
		return "none: " + err.Error()
	}
	return m.Status
}
