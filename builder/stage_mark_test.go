package builder

import (
	"os"
	"testing"

	"github.com/gophercloud/gophercloud/v2/openstack/image/v2/images"
)

// TestMarkStageKeepsTheNameOnTheCurrentImage: right after packer the candidate gives up the
// canonical name (candidate-<name>), so during the smoke test only the current image has it;
// promotion then hands the name over. A self-promoting template's image is left alone.
func TestMarkStageKeepsTheNameOnTheCurrentImage(t *testing.T) {
	f := newPromoteFixture(t)
	if err := os.WriteFile(f.build.Config.Builder.ImagesConfig, []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	f.artifact(t, "managed", "echo built")
	f.artifact(t, "legacy", "rename-old-images.sh $NAME AQ")
	promote := &PromoteStage{}
	first := f.build.Artifacts[0]
	if err := promote.Run(f.ctx, &Build{ID: f.build.ID + "-1", Config: f.build.Config, Log: f.build.Log, Artifacts: []Artifact{first}}); err != nil {
		t.Fatal(err)
	}
	// The next build's image, as packer leaves it: the canonical name, no properties.
	f.build.Artifacts[0].ImageID = f.upload(t, first.Name)
	mark := &MarkStage{Promote: promote}
	for range 2 { // a resumed build marks again: idempotent
		if err := mark.Run(f.ctx, f.build); err != nil {
			t.Fatal(err)
		}
	}
	cand, cur := f.get(t, f.build.Artifacts[0].ImageID), f.get(t, first.ImageID)
	if cand.Name != "candidate-"+first.Name || cand.Properties["packuilon_state"] != "candidate" || cand.Properties["packuilon_key"] != first.Key {
		t.Fatalf("candidate after marking: name %q state %v key %v", cand.Name, cand.Properties["packuilon_state"], cand.Properties["packuilon_key"])
	}
	if cur.Name != first.Name || cur.Properties["packuilon_state"] != "current" {
		t.Fatalf("current image after marking: name %q state %v", cur.Name, cur.Properties["packuilon_state"])
	}
	if legacy := f.get(t, f.build.Artifacts[1].ImageID); legacy.Name != f.build.Artifacts[1].Name || legacy.Properties["packuilon_state"] != nil {
		t.Fatalf("self-promoting template's image was marked: name %q state %v", legacy.Name, legacy.Properties["packuilon_state"])
	}
	if err := promote.Run(f.ctx, f.build); err != nil {
		t.Fatal(err)
	}
	if img := f.get(t, f.build.Artifacts[0].ImageID); img.Name != first.Name || img.Properties["packuilon_state"] != "current" {
		t.Fatalf("after promotion: name %q state %v", img.Name, img.Properties["packuilon_state"])
	}
	if f.build.Artifacts[0].Warehoused != first.ImageID {
		t.Fatalf("warehoused %q, want %s", f.build.Artifacts[0].Warehoused, first.ImageID)
	}
}

// TestMarkStageNameFromProducedImage: the canonical name comes from the image packer made. An
// image uploaded as candidate-<name> keeps that name and gets its properties; one named
// otherwise than the template said (an HCL2 template that does not use var.name) gives its
// own name as canonical and is moved to candidate-<its name>. A build that fails before
// marking has its images marked by the packer stage's Cleanup.
func TestMarkStageNameFromProducedImage(t *testing.T) {
	f := newPromoteFixture(t)
	asked := f.artifact(t, "asked", "echo built")
	f.updateName(t, asked.ImageID, "candidate-"+asked.Name)
	other := f.artifact(t, "other", "echo built")
	made := other.Name + " as packer named it"
	f.updateName(t, other.ImageID, made)
	wantName := other.Name // the name the template was expected to give
	mark := &MarkStage{Promote: &PromoteStage{}}
	if err := mark.Run(f.ctx, f.build); err != nil {
		t.Fatal(err)
	}
	if img := f.get(t, asked.ImageID); img.Name != "candidate-"+f.build.Artifacts[0].Name || img.Properties["packuilon_state"] != "candidate" {
		t.Errorf("candidate-named image after marking: %q %v", img.Name, img.Properties["packuilon_state"])
	}
	if f.build.Artifacts[1].Name != made || f.build.Artifacts[1].Name == wantName {
		t.Errorf("canonical name %q, want the one packer gave, %q", f.build.Artifacts[1].Name, made)
	}
	if img := f.get(t, other.ImageID); img.Name != "candidate-"+made {
		t.Errorf("otherwise-named image after marking: %q, want %q", img.Name, "candidate-"+made)
	}

	// Packer failed on a later template: the image of the first is marked at cleanup.
	left := f.artifact(t, "left", "echo built")
	f.build.Artifacts = []Artifact{*left, {Key: "k.failed", Name: "never built"}}
	(&PackerStage{Mark: mark}).Cleanup(f.ctx, f.build)
	if img := f.get(t, left.ImageID); img.Name != "candidate-"+left.Name || img.Properties["packuilon_state"] != "candidate" {
		t.Errorf("image of an unfinished build after cleanup: %q %v", img.Name, img.Properties["packuilon_state"])
	}
}

// updateName renames an image, as packer would have named it.
func (f *promoteFixture) updateName(t *testing.T, id, name string) {
	t.Helper()
	if _, err := images.Update(f.ctx, f.admin, id, images.UpdateOpts{images.ReplaceImageName{NewName: name}}).Extract(); err != nil {
		t.Fatal(err)
	}
}
