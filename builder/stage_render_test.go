package builder

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/hashicorp/go-hclog"

	"github.com/packuilon/packuilon/internal/config"
	"github.com/packuilon/packuilon/internal/event"
	"github.com/packuilon/packuilon/templates"
)

// TestRenderDecidesSelfPromotion: whether a template still runs rename-old-images is decided
// once, from the content the build rendered, and recorded on the artifact; editing the file
// later does not change what the marking, promoting and rejecting stages do with the image.
func TestRenderDecidesSelfPromotion(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	plain := write("plain.json", `{"builders": [{"type": "null", "communicator": "none"}]}`)
	legacy := write("legacy.json", `{"builders": [{"type": "null", "communicator": "none"}],
 "post-processors": [{"type": "shell-local", "inline": ["rename-old-images.sh $NAME AQ"]}]}`)
	set, err := templates.Load(templates.Sources{
		Map:    write("map.json", `{"DEFAULT": ["`+legacy+`", "`+plain+`"]}`),
		Images: write("images.json", `{"sl7x-x86_64": "src-1"}`),
	})
	if err != nil {
		t.Fatal(err)
	}
	write("legacy.json", `{"builders": [{"type": "null", "communicator": "none"}]}`) // edited after loading
	var sets atomic.Pointer[templates.Set]
	sets.Store(set)
	spec := event.Spec{Personality: "p", Archetype: "a", OS: "sl", OSVersion: "7x-x86_64", Branch: event.Branch{Type: event.BranchDomain, Name: "prod"}}
	b := &Build{ID: "b1", Request: event.NewRequest(spec, event.ReasonManual), Log: hclog.NewNullLogger(),
		Config: &config.Config{Builder: config.Builder{BuildFileDir: filepath.Join(dir, "build")}}}
	if err := (&RenderStage{Sets: &sets}).Run(context.Background(), b); err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{"p-sl7x-x86_64.legacy": true, "p-sl7x-x86_64.plain": false}
	if len(b.Artifacts) != len(want) {
		t.Fatalf("artifacts %+v, want %d", b.Artifacts, len(want))
	}
	for _, a := range b.Artifacts {
		if self, ok := want[a.Key]; !ok || a.SelfPromoting != self {
			t.Errorf("%s: SelfPromoting %v, want %v", a.Key, a.SelfPromoting, self)
		}
	}
}

// TestRenderNamesTheCandidate: when packuilon promotes the image, packer is told to upload it
// as candidate-<name> while the artifact keeps the canonical name; a self-promoting template
// (with ENABLED = auto), or a build that does not promote, keeps the name packer gives it.
func TestRenderNamesTheCandidate(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	plain := write("plain.json", `{"builders": [{"type": "openstack", "image_name": "$NAME AQ"}]}`)
	legacy := write("legacy.json", `{"builders": [{"type": "openstack", "image_name": "$NAME AQ"}],
 "post-processors": [{"type": "shell-local", "inline": ["rename-old-images.sh $NAME AQ"]}]}`)
	set, err := templates.Load(templates.Sources{
		Map:    write("map.json", `{"DEFAULT": ["`+legacy+`", "`+plain+`"]}`),
		Images: write("images.json", `{"sl7x-x86_64": "src-1"}`),
	})
	if err != nil {
		t.Fatal(err)
	}
	var sets atomic.Pointer[templates.Set]
	sets.Store(set)
	spec := event.Spec{Personality: "p", Archetype: "a", OS: "sl", OSVersion: "7x-x86_64", Branch: event.Branch{Type: event.BranchDomain, Name: "prod"}}
	for _, c := range []struct {
		enabled string
		want    map[string]string // key -> name given to packer
	}{
		{config.PromoteAuto, map[string]string{"p-sl7x-x86_64.plain": "candidate-sl7x-x86_64 p AQ", "p-sl7x-x86_64.legacy": "sl7x-x86_64 p AQ"}},
		{config.PromoteOn, map[string]string{"p-sl7x-x86_64.plain": "candidate-sl7x-x86_64 p AQ", "p-sl7x-x86_64.legacy": "candidate-sl7x-x86_64 p AQ"}},
		{config.PromoteOff, map[string]string{"p-sl7x-x86_64.plain": "sl7x-x86_64 p AQ", "p-sl7x-x86_64.legacy": "sl7x-x86_64 p AQ"}},
	} {
		t.Run(c.enabled, func(t *testing.T) {
			b := &Build{ID: "b-" + c.enabled, Request: event.NewRequest(spec, event.ReasonManual), Log: hclog.NewNullLogger(),
				Config: &config.Config{Builder: config.Builder{BuildFileDir: filepath.Join(dir, "build")}, Promote: config.Promote{Enabled: c.enabled, AuthFile: "/nonexistent/openrc"}}}
			if err := (&RenderStage{Sets: &sets}).Run(context.Background(), b); err != nil {
				t.Fatal(err)
			}
			for _, a := range b.Artifacts {
				data, err := os.ReadFile(a.BuildFile)
				if err != nil {
					t.Fatal(err)
				}
				var doc struct {
					Builders []struct {
						ImageName string `json:"image_name"`
					} `json:"builders"`
				}
				if err := json.Unmarshal(data, &doc); err != nil || len(doc.Builders) != 1 {
					t.Fatalf("%s: %v\n%s", a.BuildFile, err, data)
				}
				if got := doc.Builders[0].ImageName; got != c.want[a.Key] {
					t.Errorf("%s: packer names the image %q, want %q", a.Key, got, c.want[a.Key])
				}
				if a.Name != "sl7x-x86_64 p AQ" {
					t.Errorf("%s: canonical name %q", a.Key, a.Name)
				}
			}
		})
	}
}
