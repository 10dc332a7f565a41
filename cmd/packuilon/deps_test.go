package main

import (
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestManGeneratorLeftOut fails when the shipped binary (built without the "man" tag) links the
// man page generator's libraries, whose package initialisation runs at every start, while the
// man-tagged build that scripts/package runs still has them.
func TestManGeneratorLeftOut(t *testing.T) {
	generator := []string{"github.com/spf13/cobra/doc", "github.com/cpuguy83/go-md2man", "github.com/russross/blackfriday", "go.yaml.in/yaml"}
	for _, tags := range []string{"", "man"} {
		out, err := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), "list", "-tags", tags, "-deps", ".").CombinedOutput()
		if err != nil {
			t.Fatalf("go list -tags %q -deps: %v\n%s", tags, err, out)
		}
		deps := "\n" + string(out)
		if !strings.Contains(deps, "\ngithub.com/spf13/cobra\n") {
			t.Fatalf("go list -tags %q -deps does not list cobra: %s", tags, out)
		}
		for _, g := range generator {
			if linked := strings.Contains(deps, "\n"+g); linked != (tags == "man") {
				t.Errorf("built with tags %q, packuilon links %s: %v", tags, g, linked)
			}
		}
	}
}
