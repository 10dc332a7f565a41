package rally

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/go-hclog"

	"github.com/packuilon/packuilon/internal/config"
)

// Ids that are not plain tokens are refused before anything else: they never reach rally's
// argv, a Rally tag or the compute API (neither tester below could run anything).
func TestTestersRefuseUnsafeIDs(t *testing.T) {
	testers := map[string]Tester{
		"rally": NewRunner(config.Rally{RallyPath: "/nonexistent/rally"}, hclog.NewNullLogger()),
		"boot":  &BootTest{Log: hclog.NewNullLogger()},
	}
	subjects := []Subject{
		{BuildID: "b1", ImageID: "--config-file=/etc/passwd"},
		{BuildID: "b1", ImageID: "img; rm -rf /"},
		{BuildID: "b1", ImageID: ""},
		{BuildID: "../b1", ImageID: "0b6a4d1e-0000-4000-8000-000000000000"},
		{BuildID: "-b1", ImageID: "0b6a4d1e-0000-4000-8000-000000000000"},
	}
	for name, tester := range testers {
		for _, s := range subjects {
			s.ReportPath = filepath.Join(t.TempDir(), "r.json")
			_, err := tester.Test(context.Background(), s)
			if !errors.Is(err, ErrInfrastructure) || !strings.Contains(err.Error(), "unsafe") {
				t.Errorf("%s: build %q image %q: err = %v, want an infrastructure error naming the unsafe id", name, s.BuildID, s.ImageID, err)
			}
		}
	}
}
