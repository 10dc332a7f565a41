package builder

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/packuilon/packuilon/internal/config"
	"github.com/packuilon/packuilon/internal/state"
	"github.com/packuilon/packuilon/internal/testenv"
)

// buildBinary builds cmd/packuilon into a temp dir.
func buildBinary(t testing.TB) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "packuilon")
	cmd := exec.Command("go", "build", "-o", bin, "github.com/packuilon/packuilon/cmd/packuilon")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// treeForBroker copies the tree and points its config.ini at the broker and queue of g.
func treeForBroker(t *testing.T, g config.Global) (string, *config.Config) {
	t.Helper()
	path := copyTree(t)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := strings.NewReplacer("QUEUE = build-queue", "QUEUE = "+g.Queue,
		"RABBIT_HOST = localhost", "RABBIT_HOST = 127.0.0.1",
		"RABBIT_PORT = 5672", fmt.Sprintf("RABBIT_PORT = %d", g.RabbitPort)).Replace(string(data))
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return path, cfg
}

// startBinary starts "packuilon builder" as a separate process, logging into the test.
func startBinary(t *testing.T, bin, cfgPath string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(bin, "builder", "--config", cfgPath)
	cmd.Stdout, cmd.Stderr = testWriter{t}, testWriter{t}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Signal(syscall.SIGTERM)
			cmd.Wait()
		}
	})
	return cmd
}

// TestKilledBuilderResumes SIGKILLs the builder binary while packer runs, starts it again and
// checks that the build resumes at its stage and completes: one record, attempt 2, nothing
// lost. Meanwhile packuilon status reads the store from a third process.
func TestKilledBuilderResumes(t *testing.T) {
	needPacker(t)
	rmq := testenv.SharedRabbit(t)
	g := rmq.Global(testenv.UniqueName(t))
	cfgPath, cfg := treeForBroker(t, g)
	setAuth(t, cfg, "export PACKUILON_SLEEP=4")
	bin := buildBinary(t)
	first := startBinary(t, bin, cfgPath)
	req := request("nubesvms", "sha256:kill")
	other := request("other", "sha256:queued")
	publish(t, g, mustJSON(t, req))
	st := openStore(t, cfg)
	waitFor(t, 2*time.Minute, "packer to run", func() bool {
		recs := builds(t, st, req.ImageKey)
		if len(recs) != 1 || recs[0].State != state.Building || recs[0].LogPath == "" {
			return false
		}
		data, _ := os.ReadFile(recs[0].LogPath)
		return bytes.Contains(data, []byte("Running local shell script"))
	})

	out, err := exec.Command(bin, "status", "--config", cfgPath, "--json").Output()
	if err != nil {
		t.Fatalf("status while the daemon runs: %v", err)
	}
	var listed []state.Record
	if err := json.Unmarshal(out, &listed); err != nil || len(listed) != 1 || listed[0].State != state.Building {
		t.Fatalf("status --json = %s (%v), want the running build", out, err)
	}

	if err := first.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	first.Wait()
	publish(t, g, mustJSON(t, other)) // arrives while no builder runs
	startBinary(t, bin, cfgPath)
	waitFor(t, 3*time.Minute, "both builds to succeed", func() bool {
		a, b := builds(t, st, req.ImageKey), builds(t, st, other.ImageKey)
		return len(a) == 1 && len(b) == 1 && a[0].State == state.Succeeded && b[0].State == state.Succeeded
	})
	rec := builds(t, st, req.ImageKey)[0]
	if rec.Attempt != 2 {
		t.Errorf("attempt = %d, want 2 (resumed once)", rec.Attempt)
	}
	journal, err := st.Journal(context.Background(), rec.ID)
	if err != nil {
		t.Fatal(err)
	}
	resumed := false
	for _, e := range journal {
		resumed = resumed || strings.Contains(e.Message, "will resume at stage packer")
	}
	if !resumed {
		t.Errorf("journal does not show the resume: %+v", journal)
	}
}

// TestConsumerRecoversFromBrokerOutage stops and starts the broker application while a build
// runs: the build goes on (it no longer needs the broker), the consumer reconnects, and a
// request sent afterwards is built too.
func TestConsumerRecoversFromBrokerOutage(t *testing.T) {
	needPacker(t)
	rmq := testenv.PrivateRabbit(t)
	g := rmq.Global(testenv.UniqueName(t))
	cfg := loadTree(t, g)
	setAuth(t, cfg, "export PACKUILON_SLEEP=3")
	startDaemon(t, cfg, nil)
	st := openStore(t, cfg)
	during, after := request("during", "sha256:1"), request("after", "sha256:2")
	publish(t, g, mustJSON(t, during))
	waitFor(t, 2*time.Minute, "the first build to run", func() bool {
		recs := builds(t, st, during.ImageKey)
		return len(recs) == 1 && recs[0].State == state.Building
	})
	if err := rmq.StopApp(); err != nil {
		t.Fatal(err)
	}
	if err := rmq.StartApp(); err != nil {
		t.Fatal(err)
	}
	publish(t, g, mustJSON(t, after))
	for _, key := range []string{during.ImageKey, after.ImageKey} {
		waitFor(t, 3*time.Minute, key+" to be built", func() bool {
			recs := builds(t, st, key)
			return len(recs) == 1 && recs[0].State == state.Succeeded
		})
	}
}
