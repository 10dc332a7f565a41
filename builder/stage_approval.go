package builder

import (
	"context"
	"errors"
)

// ErrAwaitingApproval is returned by the approval stage when a build must wait for staff: the
// pipeline then parks the build in awaiting_approval instead of failing it.
var ErrAwaitingApproval = errors.New("awaiting approval")

// ApprovalStage is the gate of [promote] REQUIRE_APPROVAL (Atmosphere's imaging requests): a
// build of a key that needs approval stops here after its smoke test, its candidates still
// candidate-<name> and private, until `packuilon approve` queues it again at the promoting
// stage (it never runs this stage twice) or `packuilon deny` ends it.
type ApprovalStage struct{}

// Name is "approval".
func (ApprovalStage) Name() string { return "approval" }

// Run passes builds that need no approval and stops the others with ErrAwaitingApproval.
func (ApprovalStage) Run(_ context.Context, b *Build) error {
	if !b.Config.Approval.Required(b.Request.ImageKey) {
		return nil
	}
	b.Log.Info("build passed its tests and awaits approval", "approve", "packuilon approve "+b.ID)
	return ErrAwaitingApproval
}
