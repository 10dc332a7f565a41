package builder

import (
	"context"
	"errors"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/packuilon/packuilon/internal/config"
	"github.com/packuilon/packuilon/internal/event"
	"github.com/packuilon/packuilon/internal/procgroup"
	"github.com/packuilon/packuilon/internal/state"
)

// A Stage performs one step of a build. Run must honour ctx, and must be safe to run again
// after a crash part way through it (the pipeline resumes a build at its recorded stage).
type Stage interface {
	Name() string
	Run(ctx context.Context, b *Build) error
}

// A Cleaner can undo its stage's work; Cleanup runs in reverse order for every stage whose Run
// was called.
type Cleaner interface {
	Cleanup(ctx context.Context, b *Build)
}

// A Rejecter deals with candidates the smoke test rejected (marks them broken in Glance).
// The pipeline calls it when the testing stage returns an error wrapping ErrImageRejected.
type Rejecter interface {
	Reject(ctx context.Context, b *Build, reason error) error
}

// ErrImageRejected is wrapped by a testing stage's error when the image itself failed the test
// (as opposed to a test infrastructure error, which keeps the candidate for a retry).
var ErrImageRejected = errors.New("image rejected by smoke test")

// Build is one build in progress: what was requested and what the stages produced so far.
// The pipeline persists it with the build record after every stage, so fields set by a stage
// survive a restart.
type Build struct {
	ID      string
	Request event.BuildRequest
	// Attempt counts runs of this build (1 for the first, +1 per retry or resume).
	Attempt int
	// Config is the configuration snapshot the build started with.
	Config *config.Config `json:"-"`
	Log    hclog.Logger   `json:"-"`
	// LogPath is this build's log file; stages may append to it.
	LogPath string
	// Artifacts are filled by the render and packer stages: one per template, in template order.
	Artifacts []Artifact
	// Fingerprint identifies the build's inputs (profile digest, source image, templates).
	Fingerprint string
	// Checkpoint, when set by the pipeline, saves the build's progress (artifacts, log path)
	// in the build store; a stage that does several things calls it after each.
	Checkpoint func(ctx context.Context) error `json:"-"`
	// ProcessGroup, when set by the pipeline, records the process group packer runs in with
	// the build (see Pipeline.endPredecessor).
	ProcessGroup func(g procgroup.Group) `json:"-"`
	// began is when this run of the pipeline started (the build duration metric).
	began time.Time
	// leases are the claims on the build's image keys once taken (see Pipeline.claimKeys).
	leases []*state.Lease
	// entry is the transition into the running stage while it is being written (see
	// entryOverlapper); nil once written.
	entry *entry
}

// Artifact is one image a build produced from one template.
type Artifact struct {
	// Template is the template file the image was built from.
	Template string
	// Key is the image's packuilon_key in Glance: "<image_key>.<template stem>".
	Key string
	// Name is the canonical image name users see (the name the template gave the image).
	Name string
	// SourceImageID is the image the build started from (packuilon_parent).
	SourceImageID string
	// SelfPromoting is set by the render stage when the template still runs rename-old-images
	// itself: with [promote] ENABLED = auto packuilon then leaves the image alone. It is decided
	// once from the rendered content, so marking, promoting and rejecting agree even if the
	// template file is edited while the build runs.
	SelfPromoting bool `json:",omitempty"`
	// ImageID is the candidate image in Glance.
	ImageID string
	// TestReport is the smoke test's report file, TestVerdict its one-line verdict.
	TestReport  string
	TestVerdict string
	// Rejected is set when this candidate's own smoke test failed; only such candidates are
	// marked broken when the build is rejected (a sibling that passed is kept for a retry).
	Rejected bool `json:",omitempty"`
	// BuildFile is the rendered template (legacy JSON) or the generated variable file (HCL2)
	// in BUILD_FILE_DIR; LogPath is packer's log for this template in LOG_DIR.
	BuildFile string
	LogPath   string
	// Promoted is set once the candidate is the current image; Warehoused is the previous one.
	Promoted   bool
	Warehoused string
	// PromoteWarnings are errors of the work after the promotion (sweep, retention, source
	// chaining): the image was promoted; the next promotion of the key retries that work.
	PromoteWarnings []string `json:",omitempty"`
}
