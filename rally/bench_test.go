package rally

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/packuilon/packuilon/internal/config"
	"github.com/packuilon/packuilon/internal/testenv"
)

// BenchmarkBootTest measures one built-in boot test against the Nova simulator (create, wait
// ACTIVE, console marker, delete), the simulator's BootDelay included.
func BenchmarkBootTest(b *testing.B) {
	o, sim := testenv.SharedNovaSim(b)
	ctx := context.Background()
	img := simImage(ctx, b, o, sim, testenv.OutcomeActive)
	bt := bootTest(b, o, config.Smoke{BootTimeout: time.Minute, ConsoleMarker: "login:", ConsoleTimeout: time.Minute})
	bt.Poll = 200 * time.Millisecond
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if v, err := bt.Test(ctx, Subject{BuildID: "bench", ImageID: img, ReportPath: filepath.Join(b.TempDir(), "r.json")}); err != nil || !v.Passed {
			b.Fatalf("%v %v", v, err)
		}
	}
}

// BenchmarkRallySmoke measures the wall time of the shipped boot-and-delete task (2 serial
// iterations) run by real Rally against the Nova simulator, report included.
func BenchmarkRallySmoke(b *testing.B) {
	o, sim, r := testenv.SharedRally(b)
	ctx := context.Background()
	img := simImage(ctx, b, o, sim, testenv.OutcomeActive)
	runner := NewRunner(rallyConfig(r), hclog.NewNullLogger())
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		v, err := runner.Test(ctx, Subject{BuildID: "bench-" + testenv.UniqueName(b), ImageID: img, ReportPath: filepath.Join(b.TempDir(), "r.json")})
		if err != nil || !v.Passed {
			b.Fatalf("%v %v", v, err)
		}
	}
}
