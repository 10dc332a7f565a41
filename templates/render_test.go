package templates

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/packuilon/packuilon/internal/event"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func loadTestdata(t testing.TB) *Set {
	t.Helper()
	s, err := Load(Sources{Map: "testdata/template-map.json", Images: "testdata/source-images.json"})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func req(personality, os, version string, branch event.Branch) event.BuildRequest {
	r := event.NewRequest(event.Spec{Personality: personality, Archetype: "ral-tier1", OS: os, OSVersion: version, Branch: branch}, event.ReasonManual)
	r.ProfileDigest = "sha256:abc"
	return r
}

var prod = event.Branch{Type: event.BranchDomain, Name: "prod"}

// TestRenderGolden renders each template kind for a request and compares with
// testdata/<name>.golden (go test -update rewrites them).
func TestRenderGolden(t *testing.T) {
	set := loadTestdata(t)
	cases := []struct {
		name string
		req  event.BuildRequest
	}{
		{"default-managed", req("other", "sl", "7x-x86_64", prod)},
		{"mapped-bare-and-managed", req("nubesvms", "sl", "7x-x86_64", prod)},
		{"sandbox-nested-full-version", req("other", "sl", "6x-x86_64", event.Branch{Type: event.BranchSandbox, Name: "feature", Author: "abc12345"})},
		{"hcl-var-file", req("hcl", "rocky", "8x-x86_64", prod)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			plan, err := set.Plan(c.req)
			if err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			for _, tpl := range plan.Templates {
				r, err := Render(tpl, plan, c.req)
				if err != nil {
					t.Fatal(err)
				}
				if tpl.Kind == KindJSON && !json.Valid(r.Data) {
					t.Fatalf("%s: rendered template is not JSON", tpl.Path)
				}
				out.WriteString("### " + tpl.Stem + " image_name=" + r.ImageName + "\n")
				out.Write(r.Data)
				out.WriteString("\n")
			}
			golden := filepath.Join("testdata", c.name+".golden")
			if *update {
				if err := os.WriteFile(golden, out.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update)", err)
			}
			if !bytes.Equal(out.Bytes(), want) {
				t.Errorf("rendered output differs from %s:\n%s", golden, out.Bytes())
			}
		})
	}
}

// TestSubstituteEncodesHostileValues puts quotes, backslashes, newlines and packer
// interpolation into every placeholder: the document stays valid and the values come back
// exactly, whether the placeholder was inside a string or not.
func TestSubstituteEncodesHostileValues(t *testing.T) {
	tpl, err := os.ReadFile("testdata/bare.json")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		v    Values
	}{
		{"quotes", Values{Name: `a"b`, Image: `"}],"x":{"`, Metadata: map[string]string{"AQ_PERSONALITY": `p"q`}}},
		{"backslashes", Values{Name: `a\`, Image: `\\"`, Metadata: map[string]string{"K": `\`}}},
		{"control characters", Values{Name: "a\nb\tc\x00", Image: "\u2028", Metadata: map[string]string{"K\"": "v\n"}}},
		{"placeholders in values", Values{Name: "$IMAGE", Image: "$NAME", Metadata: map[string]string{"$METADATA": "$NAME"}}},
		{"empty", Values{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			doc := substitute(tpl, c.v)
			var got struct {
				Variables map[string]string `json:"variables"`
			}
			if err := json.Unmarshal(doc, &got); err != nil {
				t.Fatalf("rendered document is not JSON: %v\n%s", err, doc)
			}
			if got.Variables["name"] != c.v.Name || got.Variables["image"] != c.v.Image {
				t.Errorf("values changed: %q %q", got.Variables["name"], got.Variables["image"])
			}
			if want := metadataMembers(c.v.Metadata); got.Variables["meta_text"] != want {
				t.Errorf("$METADATA in a string = %q, want %q", got.Variables["meta_text"], want)
			}
		})
	}
}

// TestPlanSourceImages covers both IMAGES_CONFIG forms and the missing case.
func TestPlanSourceImages(t *testing.T) {
	set := loadTestdata(t)
	cases := []struct {
		name, os, version, want, err string
	}{
		{"nested by version without arch", "sl", "7x-x86_64", "0b10e583-9e13-4878-9116-f4002846fa73", ""},
		{"nested by full version", "sl", "6x-x86_64", "7eb100a3-680b-4544-99cc-950b8c4f6c74", ""},
		{"flat", "rocky", "8x-x86_64", "5c1b3f1e-8f2a-4d77-9e4b-2a1f0c9d8e71", ""},
		{"missing os", "centos", "9-x86_64", "", "no source image for centos9-x86_64"},
		{"missing version", "sl", "8x-x86_64", "", "no source image for sl8x-x86_64"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := set.Plan(req("x", c.os, c.version, prod))
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("err = %v, want %q", err, c.err)
				}
				return
			}
			if err != nil || p.SourceImageID != c.want {
				t.Fatalf("source = %q, %v; want %q", p.SourceImageID, err, c.want)
			}
		})
	}
}

// TestFingerprint changes with each input and only with them.
func TestFingerprint(t *testing.T) {
	set := loadTestdata(t)
	base := req("other", "sl", "7x-x86_64", prod)
	fp := func(r event.BuildRequest) string {
		p, err := set.Plan(r)
		if err != nil {
			t.Fatal(err)
		}
		return p.Fingerprint
	}
	again := base
	again.RequestedAt = again.RequestedAt.Add(1e9)
	again.Reason = event.ReasonSchedule
	if fp(base) != fp(again) {
		t.Error("fingerprint depends on the request time or reason")
	}
	other := base
	other.ProfileDigest = "sha256:def"
	if fp(base) == fp(other) {
		t.Error("fingerprint ignores the profile digest")
	}
	source := base
	source.OSVersion = "6x-x86_64"
	if fp(base) == fp(source) {
		t.Error("fingerprint ignores the source image")
	}
}
