package builder

import (
	"sync/atomic"
	"testing"

	"github.com/hashicorp/go-hclog"

	"github.com/packuilon/packuilon/internal/config"
	"github.com/packuilon/packuilon/templates"
)

// TestStageStatesNameEveryStage: a stage missing from stageStates would show as "building"
// while it runs, and an entry no stage has is dead.
func TestStageStatesNameEveryStage(t *testing.T) {
	stages, _ := stagesFor(&config.Config{}, &atomic.Pointer[templates.Set]{}, hclog.NewNullLogger())
	names := map[string]bool{}
	for _, s := range stages {
		names[s.Name()] = true
		if _, ok := stageStates[s.Name()]; !ok {
			t.Errorf("stage %q has no state in stageStates", s.Name())
		}
	}
	for name := range stageStates {
		if !names[name] {
			t.Errorf("stageStates names %q, which no stage has", name)
		}
	}
}
