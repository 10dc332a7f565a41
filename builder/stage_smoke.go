package builder

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/packuilon/packuilon/rally"
)

// SmokeStage smoke tests every candidate before promotion with the test [smoke] METHOD
// chooses (Rally or the built-in boot test; none skips the stage).
//
// A candidate that fails makes Run return an error wrapping ErrImageRejected: the pipeline then
// has the Rejecter mark the build's candidates broken, and the build ends failed at "testing"
// with the verdict. An error of the test itself (Rally missing, cloud down, timeout) is returned
// without ErrImageRejected: the candidates are kept, and `packuilon retry` runs the test again
// without rebuilding.
type SmokeStage struct {
	// Open returns the tester for a build; nil uses rally.Open with the build's configuration.
	Open func(ctx context.Context, b *Build) (rally.Tester, error)
	// Builds, if set, tells the boot test's reaper which builds run (the build store), so it
	// never deletes the server of a test another process runs.
	Builds rally.BuildRunning
}

// Name is "testing".
func (s *SmokeStage) Name() string { return "testing" }

func (s *SmokeStage) open(ctx context.Context, b *Build) (rally.Tester, error) {
	if s.Open != nil {
		return s.Open(ctx, b)
	}
	t, err := rally.Open(ctx, b.Config, os.Getenv, b.Log)
	if bt, ok := t.(*rally.BootTest); ok && err == nil {
		bt.Builds = s.Builds
	}
	return t, err
}

// Run tests the candidates not promoted yet. It is safe to run again (after a crash or a
// retry): each run is a new test with its own report.
func (s *SmokeStage) Run(ctx context.Context, b *Build) error {
	tester, err := s.open(ctx, b)
	if err != nil {
		return fmt.Errorf("smoke test: %w", err)
	}
	if tester == nil {
		b.Log.Info("no smoke test configured ([smoke] METHOD = none); candidates are promoted untested")
		return nil
	}
	var rejected []string
	for i := range b.Artifacts {
		a := &b.Artifacts[i]
		if a.Promoted {
			continue
		}
		v, err := s.test(ctx, b, a, tester)
		if err != nil {
			return err
		}
		if !v.Passed {
			rejected = append(rejected, fmt.Sprintf("%s (image %s): %s", a.Key, a.ImageID, a.TestVerdict))
		}
		if b.Checkpoint != nil {
			if err := b.Checkpoint(ctx); err != nil {
				return err
			}
		}
	}
	if len(rejected) > 0 {
		return fmt.Errorf("%w: %s", ErrImageRejected, strings.Join(rejected, "; "))
	}
	return nil
}

// test smoke tests one candidate; its output goes to the candidate's own build log.
func (s *SmokeStage) test(ctx context.Context, b *Build, a *Artifact, tester rally.Tester) (rally.Verdict, error) {
	if a.ImageID == "" {
		return rally.Verdict{}, fmt.Errorf("smoke test %s: %w", a.Key, ErrNoCandidate)
	}
	var err error
	if a.TestReport, err = reportPath(b, a); err != nil {
		return rally.Verdict{}, fmt.Errorf("smoke test %s: %w", a.Key, err)
	}
	out := appendLog(logOf(b, a), b)
	defer out.Close()
	v, err := tester.Test(ctx, rally.Subject{BuildID: b.ID, ImageKey: b.Request.ImageKey, ImageID: a.ImageID, ReportPath: a.TestReport, Output: out, Group: b.ProcessGroup})
	if err != nil {
		a.TestVerdict = "not judged: " + err.Error()
		return v, fmt.Errorf("smoke test %s (image %s): %w", a.Key, a.ImageID, err)
	}
	a.TestVerdict, a.Rejected = v.String(), !v.Passed
	b.Log.Info("smoke test verdict", "image_key", a.Key, "image_id", a.ImageID, "passed", v.Passed, "verdict", a.TestVerdict)
	return v, nil
}

// logOf is the build log of a candidate: packer's log for its template, else the build's.
func logOf(b *Build, a *Artifact) string {
	if a.LogPath != "" {
		return a.LogPath
	}
	return b.LogPath
}

// appendLog opens a build log for appending the test's output (discarded if there is none).
func appendLog(path string, b *Build) io.WriteCloser {
	if path != "" {
		f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o640)
		if err == nil {
			return f
		}
		b.Log.Warn("cannot append the smoke test's output to the build log", "error", err)
	}
	return nopCloser{io.Discard}
}

type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }

// reportPath keeps the report beside the candidate's build log: <log without .log>.smoke-<key>.json. A build
// without a log reports in rally.ReportDir; with neither there is no place for it, which is an
// error (the candidate is kept) rather than a file in the working directory.
func reportPath(b *Build, a *Artifact) (string, error) {
	name := ".smoke-" + safeName(a.Key) + ".json"
	if log := logOf(b, a); log != "" {
		return filepath.Join(filepath.Dir(log), strings.TrimSuffix(filepath.Base(log), ".log")+name), nil
	}
	dir := rally.ReportDir(b.Config)
	if dir == "" {
		return "", errors.New("no place for the report: the build has no log and [rally-image-testing] LOG_DIR and [rabbit2packer] LOG_DIR are empty")
	}
	return filepath.Join(dir, b.ID+name), nil
}

// safeName keeps a key usable in a file name (keys are validated, but reports must never
// escape their directory).
func safeName(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r == 0 {
			return '_'
		}
		return r
	}, s)
}
