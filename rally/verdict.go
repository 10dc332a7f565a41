package rally

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/packuilon/packuilon/internal/procgroup"
)

// ErrInfrastructure is wrapped by every error a Tester returns: the test could not judge the
// image (the tool is missing, the cloud is down, the task crashed or timed out).
var ErrInfrastructure = errors.New("smoke test infrastructure error")

// infraErr is an infrastructure error with context; format may wrap the cause with %w, so
// callers can still tell a cancelled context or an API status from it.
func infraErr(format string, args ...any) error {
	return fmt.Errorf("%w: %w", ErrInfrastructure, fmt.Errorf(format, args...))
}

// Subject is what a Tester tests: one candidate image of one build.
type Subject struct {
	BuildID  string
	ImageKey string
	// ImageID is the candidate's Glance id. Tests never look images up by name: names change
	// during marking and promotion.
	ImageID string
	// ReportPath is where the test writes its report (beside the build log).
	ReportPath string
	// Output receives the test's progress (the build log); nil discards it.
	Output io.Writer
	// Group, if set, is called with the process group of the rally task once it runs: the
	// builder records it with the build, as packer's, so a builder restarted after a crash ends
	// a task its predecessor left running before it tests again.
	Group func(procgroup.Group)
}

// A Tester smoke tests one image. A nil error means v is the image's verdict; a non-nil error
// wraps ErrInfrastructure.
type Tester interface {
	Test(ctx context.Context, s Subject) (Verdict, error)
}

// Verdict is the outcome of a smoke test that ran.
type Verdict struct {
	Passed bool
	// Crashed is set when no iteration could judge the image (a task or workload crashed
	// before iterating); Passed is then false but the image is not to blame.
	Crashed bool
	// TaskUUID is Rally's task, when Rally ran the test; TaskStatus its status when that is
	// not "finished" (e.g. crashed after a failed validation).
	TaskUUID   string
	TaskStatus string
	Total      int
	Failed     int
	// FailedSLA names each failed SLA criterion as "scenario: criterion (detail)".
	FailedSLA []string
	// Errors holds the first line of each failed iteration's error, as "scenario #n: Type: msg".
	Errors []string
}

// Reason is the verdict on one line: what passed, or which iterations and SLA criteria failed.
func (v Verdict) Reason() string {
	var b strings.Builder
	switch {
	case v.Passed:
		fmt.Fprintf(&b, "passed: %d/%d iterations ok", v.Total-v.Failed, v.Total)
	case v.Crashed && v.TaskStatus != "":
		fmt.Fprintf(&b, "crashed (task %s): %d iterations ran", v.TaskStatus, v.Total)
	case v.Crashed:
		fmt.Fprintf(&b, "crashed: %d iterations ran", v.Total)
	default:
		fmt.Fprintf(&b, "failed: %d of %d iterations failed", v.Failed, v.Total)
	}
	if len(v.FailedSLA) > 0 {
		fmt.Fprintf(&b, "; SLA failed: %s", strings.Join(v.FailedSLA, "; "))
	}
	if len(v.Errors) > 0 {
		const maxShown = 3 // keep the status line readable; the report has them all
		shown := v.Errors
		if len(shown) > maxShown {
			shown = shown[:maxShown]
		}
		fmt.Fprintf(&b, "; errors: %s", strings.Join(shown, "; "))
		if len(v.Errors) > maxShown {
			fmt.Fprintf(&b, " (+%d more)", len(v.Errors)-maxShown)
		}
	}
	return oneLine(b.String())
}

// String is Reason, prefixed with the Rally task when there is one.
func (v Verdict) String() string {
	if v.TaskUUID != "" {
		return "rally task " + v.TaskUUID + " " + v.Reason()
	}
	return v.Reason()
}

// oneLine folds newlines and caps the length: reasons end up in status output and Glance.
func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	const maxLen = 1000
	if len(s) > maxLen {
		s = s[:maxLen] + "…"
	}
	return s
}
