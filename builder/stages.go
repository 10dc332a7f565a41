package builder

import (
	"sync/atomic"

	"github.com/hashicorp/go-hclog"

	"github.com/packuilon/packuilon/internal/config"
	"github.com/packuilon/packuilon/internal/state"
	"github.com/packuilon/packuilon/templates"
)

// stagesFor returns the pipeline, in order, and the Rejecter for images the smoke test turns
// down. It is the one place where stages are put together: the smoke and promote stages are
// added here (after packer) by their own files.
func stagesFor(cfg *config.Config, sets *atomic.Pointer[templates.Set], log hclog.Logger) ([]Stage, Rejecter) {
	promote := &PromoteStage{} // does nothing with [promote] ENABLED = false
	mark := &MarkStage{Promote: promote}
	return []Stage{
		&RenderStage{Sets: sets},
		&PackerStage{Mark: mark},
		mark,
		&SmokeStage{},
		ApprovalStage{},
		promote,
	}, promote
}

// stageStates maps each stage's Name to the build state shown while it runs; a test checks
// that it names exactly the stages of stagesFor.
var stageStates = map[string]state.State{
	"render":    state.Rendering,
	"packer":    state.Building,
	"marking":   state.Building,
	"testing":   state.Testing,
	"approval":  state.AwaitingApproval,
	"promoting": state.Promoting,
}

func stateFor(stage string) state.State {
	if s, ok := stageStates[stage]; ok {
		return s
	}
	return state.Building
}
