package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/packuilon/packuilon/internal/testenv"
)

// bin is the packuilon binary TestMain builds; buildErr why it could not.
var (
	bin      string
	buildErr error
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "packuilon-e2e-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	bin = filepath.Join(dir, "packuilon")
	out, err := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), "build", "-o", bin, "../cmd/packuilon").CombinedOutput()
	if err != nil {
		buildErr = fmt.Errorf("go build: %v: %s", err, out)
	}
	code := testenv.Main(m)
	os.RemoveAll(dir)
	os.Exit(code)
}

// site is one site tree (the original /etc/packer-utils layout) on the shared services.
type site struct {
	t      *testing.T
	config string
	dir    string
}

// run runs a packuilon command to completion and returns its stdout.
func (s *site) run(args ...string) string {
	s.t.Helper()
	out, err := s.try(args...)
	if err != nil {
		s.t.Fatal(err)
	}
	return out
}

// try runs packuilon like run, returning its failure instead of ending the test.
func (s *site) try(args ...string) (string, error) {
	cmd := exec.Command(bin, append(args[:1:1], append([]string{"--config", s.config}, args[1:]...)...)...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("packuilon %v: %w\n%s%s", args, err, out.String(), errOut.String())
	}
	return out.String(), nil
}

// startBuilder runs the builder daemon until the test ends (SIGTERM, as systemd stops it).
func (s *site) startBuilder() {
	s.t.Helper()
	logPath := filepath.Join(s.dir, "builder.out")
	f, err := os.Create(logPath)
	if err != nil {
		s.t.Fatal(err)
	}
	cmd := exec.Command(bin, "builder", "--config", s.config)
	cmd.Stdout, cmd.Stderr = f, f
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); f.Close(); close(done) }()
	s.t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(time.Minute):
			cmd.Process.Kill()
			<-done
		}
		if s.t.Failed() {
			data, _ := os.ReadFile(logPath)
			s.t.Logf("builder output:\n%s", data)
		}
	})
}

// record is what the tests read of `packuilon status --json`.
type record struct {
	ID        string `json:"id"`
	State     string `json:"state"`
	Stage     string `json:"stage"`
	Message   string `json:"message"`
	Artifacts []struct {
		Key, Name, ImageID, TestReport, TestVerdict, Warehoused string
		Promoted                                                bool
	} `json:"artifacts"`
}

// waitBuild polls `packuilon status --json` until the key's build has ended.
func (s *site) waitBuild(ctx context.Context, key string) record {
	s.t.Helper()
	for {
		// status refuses until the builder has created the store: keep asking until it has.
		out, err := s.try("status", "--json", "--key", key)
		var recs []record
		if err == nil {
			err = json.Unmarshal([]byte(out), &recs)
		}
		if err != nil {
			select {
			case <-ctx.Done():
				s.t.Fatalf("status of %s: %v", key, err)
			case <-time.After(time.Second):
			}
			continue
		}
		if len(recs) > 1 {
			s.t.Fatalf("%d builds for %s, want 1", len(recs), key)
		}
		if len(recs) == 1 && (recs[0].State == "succeeded" || recs[0].State == "failed") {
			return recs[0]
		}
		select {
		case <-ctx.Done():
			s.t.Fatalf("build of %s did not end: %+v", key, recs)
		case <-time.After(time.Second):
		}
	}
}

// profile returns the sample template host's profile for personality, with a revision field
// that makes each revision a real content change.
func profile(t *testing.T, personality string, rev int) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "profile-domain-sl7.json"))
	if err != nil {
		t.Fatal(err)
	}
	var p map[string]any
	if err := json.Unmarshal(data, &p); err != nil {
		t.Fatal(err)
	}
	sys := p["system"].(map[string]any)
	sys["personality"].(map[string]any)["name"] = personality
	sys["e2e_revision"] = rev
	out, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func hostFor(personality string) string {
	return strings.ReplaceAll(personality, "_", "-") + "-sl7x-x86-64.cloud.template"
}
