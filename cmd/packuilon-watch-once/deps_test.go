package main

import (
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// heavy are the modules the full packuilon binary links and the one-shot scan must not: each
// adds start-up time (package init, a larger binary to map) to every scan cron, the timer or
// cdp-listend runs.
var heavy = []string{
	"github.com/prometheus/", "google.golang.org/protobuf", "github.com/jackc/pgx", "modernc.org/sqlite",
	"github.com/gophercloud/", "github.com/spf13/cobra", "github.com/russross/blackfriday",
	"github.com/cpuguy83/go-md2man", "gopkg.in/yaml", "go.yaml.in/yaml", "github.com/pressly/goose",
	"github.com/packuilon/packuilon/internal/state", "github.com/packuilon/packuilon/internal/web",
	"github.com/packuilon/packuilon/builder",
}

// TestDependenciesStaySmall fails when packuilon-watch-once comes to link one of the heavy
// modules (through internal/oneshot, profilewatch, internal/config or internal/logging).
func TestDependenciesStaySmall(t *testing.T) {
	out, err := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 50 || !strings.Contains(string(out), "github.com/packuilon/packuilon/profilewatch\n") {
		t.Fatalf("go list -deps does not list profilewatch: %s", out)
	}
	for _, d := range deps {
		for _, h := range heavy {
			if strings.HasPrefix(d, h) {
				t.Errorf("packuilon-watch-once links %s", d)
			}
		}
	}
}
