package state

import (
	"encoding/json"
	"slices"
	"time"

	"github.com/packuilon/packuilon/internal/event"
)

// State is where a build is in its life.
type State string

// States of a build (DESIGN.md "Build record").
const (
	Queued           State = "queued"
	Rendering        State = "rendering"
	Building         State = "building"
	Testing          State = "testing"
	AwaitingApproval State = "awaiting_approval"
	Promoting        State = "promoting"
	Succeeded        State = "succeeded"
	Failed           State = "failed"
	Skipped          State = "skipped"
	Superseded       State = "superseded"
	Cancelled        State = "cancelled"
	// Denied is a build staff refused at the approval gate (packuilon deny).
	Denied State = "denied"
)

// endStates are the states a build ends in. Terminal and the orphan query of RequeueOrphans
// both read this list: a state added here can never be resumed as an orphan by mistake.
var endStates = []State{Succeeded, Failed, Skipped, Superseded, Cancelled, Denied}

// Terminal reports whether s is an end state.
func (s State) Terminal() bool { return slices.Contains(endStates, s) }

// ValidState reports whether s names a state.
func ValidState(s string) bool {
	switch State(s) {
	case Queued, Rendering, Building, Testing, AwaitingApproval, Promoting,
		Succeeded, Failed, Skipped, Superseded, Cancelled, Denied:
		return true
	}
	return false
}

// Timing is when one stage of a build started and ended (End is zero while it runs).
type Timing struct {
	Stage string    `json:"stage"`
	Start time.Time `json:"start"`
	End   time.Time `json:"end,omitempty"`
}

// Record is one build as stored.
type Record struct {
	ID       string             `json:"id"`
	ImageKey string             `json:"image_key"`
	State    State              `json:"state"`
	Request  event.BuildRequest `json:"request"`
	// MessageID is the AMQP message id the request arrived with ("" for local builds).
	MessageID string `json:"message_id,omitempty"`
	// Stage is the stage the build is in, failed in, or resumes at; "" before the first.
	Stage       string `json:"stage,omitempty"`
	Fingerprint string `json:"fingerprint,omitempty"`
	// Message is the human status line (the reason of a failure, who superseded it, ...).
	Message string `json:"message,omitempty"`
	Error   string `json:"error,omitempty"`
	LogPath string `json:"log_path,omitempty"`
	// Artifacts is the builder's []builder.Artifact, kept opaque here.
	Artifacts json.RawMessage `json:"artifacts,omitempty"`
	Attempt   int             `json:"attempt"`
	Timings   []Timing        `json:"timings,omitempty"`
	CreatedAt time.Time       `json:"created_at"`
	UpdatedAt time.Time       `json:"updated_at"`
}

// Entry is one line of a build's journal.
type Entry struct {
	At      time.Time `json:"at"`
	State   State     `json:"state"`
	Stage   string    `json:"stage,omitempty"`
	Message string    `json:"message,omitempty"`
}
