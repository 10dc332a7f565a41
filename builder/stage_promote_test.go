package builder

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/image/v2/images"
	"github.com/hashicorp/go-hclog"

	"github.com/packuilon/packuilon/internal/config"
	"github.com/packuilon/packuilon/internal/glance"
	"github.com/packuilon/packuilon/internal/testenv"
)

// promoteFixture is a build whose artifacts are tiny images in the real Glance.
type promoteFixture struct {
	ctx   context.Context
	admin *gophercloud.ServiceClient
	dir   string
	build *Build
}

func newPromoteFixture(t *testing.T) *promoteFixture {
	o := testenv.SharedOpenStack(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	t.Cleanup(cancel)
	admin, err := o.ImageClient(ctx, o.Admin)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	rc := filepath.Join(dir, "admin-auth.sh")
	if err := o.WriteOpenRC(rc, o.Admin); err != nil {
		t.Fatal(err)
	}
	cfg := &config.Config{
		Builder: config.Builder{ImagesConfig: filepath.Join(dir, "source-images.json")},
		Promote: config.Promote{
			Enabled: config.PromoteAuto, AuthFile: rc, MemberStatus: config.MemberAccepted,
			WarehouseName: "warehoused-{name}-{date}", BrokenName: "Broken-{name}-{date}", DateFormat: "%Y-%m-%d-%H%M%S",
			BrokenAction: config.BrokenMark, KeepWarehoused: 3, MemberConcurrency: 4, SourceChaining: true,
		},
	}
	return &promoteFixture{ctx: ctx, admin: admin, dir: dir, build: &Build{ID: "b-" + testenv.UniqueName(t), Config: cfg, Log: hclog.NewNullLogger()}}
}

func (f *promoteFixture) upload(t *testing.T, name string) string {
	id, err := testenv.UploadImage(f.ctx, f.admin, images.CreateOpts{Name: name})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// artifact adds an artifact built from a template with the given post-processor command.
func (f *promoteFixture) artifact(t *testing.T, stem, postProcessor string) *Artifact {
	tmpl := filepath.Join(f.dir, stem+".json")
	body := fmt.Sprintf(`{"builders": [{"type": "openstack"}], "post-processors": [{"type": "shell-local", "inline": [%q]}]}`, postProcessor)
	if err := os.WriteFile(tmpl, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	name := testenv.UniqueName(t) + " " + stem
	// SelfPromoting as the render stage decides it from the template's content.
	f.build.Artifacts = append(f.build.Artifacts, Artifact{Template: tmpl, Key: "k-" + testenv.UniqueName(t) + "." + stem, Name: name, ImageID: f.upload(t, name),
		SelfPromoting: strings.Contains(body, "rename-old-images")})
	return &f.build.Artifacts[len(f.build.Artifacts)-1]
}

func (f *promoteFixture) get(t *testing.T, id string) *images.Image {
	img, err := images.Get(f.ctx, f.admin, id).Extract()
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func TestPromoteStage(t *testing.T) {
	f := newPromoteFixture(t)
	f.artifact(t, "managed", "echo built")
	f.artifact(t, "legacy", "source /etc/packer-utils/admin-auth.sh; rename-old-images.sh $NAME AQ")
	// A first build of key a, to be warehoused and chained from.
	first := f.build.Artifacts[0]
	stage := &PromoteStage{}
	b1 := &Build{ID: f.build.ID + "-1", Config: f.build.Config, Log: f.build.Log, Artifacts: []Artifact{first}}
	if err := stage.Run(f.ctx, b1); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(f.build.Config.Builder.ImagesConfig, []byte(`{"sl": {"7x": "`+first.ImageID+`"}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	f.build.Artifacts[0].ImageID = f.upload(t, first.Name)
	if err := stage.Run(f.ctx, f.build); err != nil {
		t.Fatal(err)
	}
	arts := f.build.Artifacts
	if !arts[0].Promoted || arts[0].Warehoused != first.ImageID {
		t.Fatalf("managed artifact: promoted %v warehoused %q, want %s", arts[0].Promoted, arts[0].Warehoused, first.ImageID)
	}
	if img := f.get(t, arts[0].ImageID); img.Name != arts[0].Name || img.Properties["packuilon_state"] != "current" {
		t.Fatalf("promoted image: name %q state %v", img.Name, img.Properties["packuilon_state"])
	}
	if arts[1].Promoted || f.get(t, arts[1].ImageID).Properties["packuilon_state"] != nil {
		t.Fatal("the self-promoting (rename-old-images) template's image was promoted again")
	}
	data, _ := os.ReadFile(f.build.Config.Builder.ImagesConfig)
	if !strings.Contains(string(data), arts[0].ImageID) {
		t.Fatalf("source images not chained to the new image: %s", data)
	}
}

func TestPromoteStageRejects(t *testing.T) {
	f := newPromoteFixture(t)
	a := f.artifact(t, "managed", "echo built")
	a.Rejected = true
	passed := f.artifact(t, "passed", "echo built") // a sibling whose own test passed
	var _ Rejecter = &PromoteStage{}
	if err := (&PromoteStage{}).Reject(f.ctx, f.build, fmt.Errorf("smoke: %w", ErrImageRejected)); err != nil {
		t.Fatal(err)
	}
	img := f.get(t, a.ImageID)
	if !strings.HasPrefix(img.Name, "Broken-") || img.Visibility != images.ImageVisibilityPrivate || img.Properties["packuilon_state"] != "broken" {
		t.Fatalf("rejected image: name %q visibility %s state %v", img.Name, img.Visibility, img.Properties["packuilon_state"])
	}
	if img := f.get(t, passed.ImageID); img.Name != passed.Name || img.Properties["packuilon_state"] != nil {
		t.Fatalf("the sibling that passed its test was touched: name %q state %v", img.Name, img.Properties["packuilon_state"])
	}
	if err := (&PromoteStage{}).Run(f.ctx, f.build); !errors.Is(err, glance.ErrNotPromotable) {
		t.Fatalf("promoting a broken image: %v", err)
	}
}

// TestManagedArtifacts: the marking, promoting and rejecting stages act on the same artifacts:
// not promoted yet, not self-promoting, with a candidate image; the others are named in the error.
func TestManagedArtifacts(t *testing.T) {
	b := &Build{ID: "b1", Log: hclog.NewNullLogger(), Config: &config.Config{Promote: config.Promote{Enabled: config.PromoteAuto, AuthFile: "admin-auth.sh"}}, Artifacts: []Artifact{
		{Key: "k.done", ImageID: "i1", Promoted: true},
		{Key: "k.legacy", ImageID: "i2", SelfPromoting: true},
		{Key: "k.noimage"},
		{Key: "k.managed", ImageID: "i4"},
	}}
	arts, err := managed(b)
	if len(arts) != 1 || arts[0] != &b.Artifacts[3] {
		t.Fatalf("managed %v, want only k.managed", arts)
	}
	if !errors.Is(err, ErrNoCandidate) || !strings.Contains(err.Error(), "k.noimage") {
		t.Fatalf("error %v, want k.noimage without a candidate", err)
	}
	b.Config.Promote.Enabled = config.PromoteOff
	if arts, err := managed(b); len(arts) != 0 || err != nil {
		t.Fatalf("ENABLED = false: managed %v, %v; want none", arts, err)
	}
	b.Config.Promote.Enabled = config.PromoteOn
	if arts, _ := managed(b); len(arts) != 2 || arts[0] != &b.Artifacts[1] {
		t.Fatalf("ENABLED = true: managed %v, want the self-promoting template's image too", arts)
	}
}

// TestRejectReportsEveryProblem: Reject that cannot connect still names the artifacts it could
// not handle anyway.
func TestRejectReportsEveryProblem(t *testing.T) {
	b := &Build{ID: "b1", Log: hclog.NewNullLogger(), Config: &config.Config{Promote: config.Promote{Enabled: config.PromoteAuto, AuthFile: "admin-auth.sh"}}, Artifacts: []Artifact{
		{Key: "k.noimage"},
		{Key: "k.managed", ImageID: "i2", Rejected: true},
	}}
	refused := errors.New("keystone refused")
	stage := &PromoteStage{Open: func(context.Context, *Build) (glance.ImageStore, error) { return nil, refused }}
	err := stage.Reject(context.Background(), b, ErrImageRejected)
	if !errors.Is(err, refused) || !errors.Is(err, ErrNoCandidate) || !strings.Contains(err.Error(), "k.noimage") {
		t.Fatalf("reject: %v, want the connection error and k.noimage's", err)
	}
}

// TestPromoteStageKeepsAPromotionWhoseChainingFailed: source chaining comes after the swap; its
// failure (here: IMAGES_CONFIG unreadable) is recorded on the artifact, never fails the build.
func TestPromoteStageKeepsAPromotionWhoseChainingFailed(t *testing.T) {
	f := newPromoteFixture(t)
	f.artifact(t, "managed", "echo built")
	first := f.build.Artifacts[0]
	stage := &PromoteStage{}
	b1 := &Build{ID: f.build.ID + "-1", Config: f.build.Config, Log: f.build.Log, Artifacts: []Artifact{first}}
	if err := stage.Run(f.ctx, b1); err != nil {
		t.Fatal(err)
	}
	f.build.Config.Builder.ImagesConfig = filepath.Join(t.TempDir(), "missing.json")
	f.build.Artifacts[0].ImageID = f.upload(t, first.Name)
	if err := stage.Run(f.ctx, f.build); err != nil {
		t.Fatalf("a promotion whose chaining failed failed the stage: %v", err)
	}
	a := f.build.Artifacts[0]
	if !a.Promoted || len(a.PromoteWarnings) != 1 || !strings.Contains(a.PromoteWarnings[0], "source chaining") {
		t.Fatalf("promoted %v, warnings %q; want promoted with the chaining error recorded", a.Promoted, a.PromoteWarnings)
	}
}
