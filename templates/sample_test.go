package templates

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestSampleTreeRendersForPacker renders the sample templates of etc/packer-utils and the
// test templates with a request and has the real packer check the result
// (packer validate -syntax-only): the own structural check and packer agree on them.
func TestSampleTreeRendersForPacker(t *testing.T) {
	if _, err := exec.LookPath("packer"); err != nil {
		if os.Getenv("PACKUILON_REQUIRE_SERVICES") != "" {
			t.Fatal("packer is not installed (run make deps)")
		}
		t.Skip("packer is not installed (run make deps, or use make test)")
	}
	paths, _ := filepath.Glob("../etc/packer-utils/templates/*.json")
	paths = append(paths, "testdata/managed.json", "testdata/bare.json")
	im, err := readImages("../etc/packer-utils/source-images.json")
	if err != nil {
		t.Fatal(err)
	}
	r := req("nubesvms", "sl", "7x-x86_64", prod)
	src, err := im.lookup(r.Spec)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range paths {
		t.Run(filepath.Base(p), func(t *testing.T) {
			tpl, err := readTemplate(p)
			if err != nil {
				t.Fatal(err)
			}
			out, err := Render(tpl, Plan{SourceImageID: src}, r)
			if err != nil {
				t.Fatal(err)
			}
			f := filepath.Join(t.TempDir(), "t.json")
			if err := os.WriteFile(f, out.Data, 0o600); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command("packer", "validate", "-syntax-only", f)
			cmd.Env = append(os.Environ(), "CHECKPOINT_DISABLE=1")
			if msg, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("packer validate: %v\n%s\n%s", err, msg, out.Data)
			}
		})
	}
}
