package builder

import (
	"context"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/packuilon/packuilon/internal/config"
	"github.com/packuilon/packuilon/internal/event"
	"github.com/packuilon/packuilon/internal/state"
	"github.com/packuilon/packuilon/internal/testenv"
)

// cli runs the packuilon binary and fails t unless it exits 0.
func cli(t *testing.T, bin string, args ...string) string {
	t.Helper()
	out, err := exec.Command(bin, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("packuilon %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// stateOf waits until build id is in state want.
func stateOf(t *testing.T, st *state.Store, id string, want state.State) state.Record {
	t.Helper()
	var rec state.Record
	waitFor(t, 3*time.Minute, "build "+id+" to be "+string(want), func() bool {
		var err error
		rec, err = st.Get(context.Background(), id)
		return err == nil && rec.State == want
	})
	return rec
}

// only returns the one build of key not in an end state, waiting for it to reach want.
func newest(t *testing.T, st *state.Store, req event.BuildRequest, want state.State) state.Record {
	t.Helper()
	var rec state.Record
	// The build must be req's own: until req is recorded, the newest build of the key is an
	// earlier one, which may be in the wanted state too.
	waitFor(t, 3*time.Minute, req.ImageKey+" to have a build of "+req.ProfileDigest+" "+string(want), func() bool {
		recs := builds(t, st, req.ImageKey)
		if len(recs) > 0 && recs[0].State == want && recs[0].Request.ProfileDigest == req.ProfileDigest {
			rec = recs[0]
			return true
		}
		return false
	})
	return rec
}

// TestApprovalGateAndCancel: with REQUIRE_APPROVAL for gate-*, a tested build stops awaiting
// approval (and staff get a mail with the commands), a newer one supersedes it, `approve`
// lets it promote and `deny` ends one denied; a running build is cancelled by `cancel`
// (packer interrupted), and `retry` resumes it. The metrics count each outcome.
func TestApprovalGateAndCancel(t *testing.T) {
	needPacker(t)
	rmq := testenv.SharedRabbit(t)
	smtpd := testenv.StartSMTP(t)
	g := rmq.Global(testenv.UniqueName(t))
	cfgPath, cfg := treeForBroker(t, g)
	cfg.Approval = config.Approval{Patterns: []string{"gate-*"}}
	cfg.Notify.SMTPServer, cfg.Notify.FailureAddress = smtpd.Addr, []string{"staff@example.org"}
	base := httpEndpoint(t, cfg)
	bin := buildBinary(t)
	started := make(chan int, 10)
	startDaemon(t, cfg, func(pid int) { started <- pid })
	st := openStore(t, cfg)

	a := request("gate", "sha256:a")
	publish(t, g, mustJSON(t, a))
	recA := newest(t, st, a, state.AwaitingApproval)
	m := smtpd.WaitMails(t, 1, time.Minute)[0]
	body, _ := io.ReadAll(m.Body)
	if !strings.Contains(m.Header.Get("Subject"), "awaits approval") || !strings.Contains(string(body), "packuilon approve "+recA.ID) ||
		!strings.Contains(string(body), "packuilon deny "+recA.ID) {
		t.Errorf("approval mail:\n%s\n%s", m.Header.Get("Subject"), body)
	}

	b := request("gate", "sha256:b")
	publish(t, g, mustJSON(t, b))
	recB := newest(t, st, b, state.AwaitingApproval)
	if rec := stateOf(t, st, recA.ID, state.Superseded); !strings.Contains(rec.Message, recB.ID) {
		t.Errorf("superseded build says %q", rec.Message)
	}
	cli(t, bin, "approve", "--config", cfgPath, recB.ID)
	stateOf(t, st, recB.ID, state.Succeeded)

	c := request("gate", "sha256:c")
	publish(t, g, mustJSON(t, c))
	recC := newest(t, st, c, state.AwaitingApproval)
	cli(t, bin, "deny", "--config", cfgPath, recC.ID, "--reason", "wrong kernel")
	if rec := stateOf(t, st, recC.ID, state.Denied); !strings.Contains(rec.Message, "wrong kernel") {
		t.Errorf("denied build says %q", rec.Message)
	}
	if out, err := exec.Command(bin, "approve", "--config", cfgPath, recC.ID).CombinedOutput(); err == nil {
		t.Errorf("approving a denied build worked:\n%s", out)
	}

	auth, err := os.ReadFile(cfg.Builder.PackerAuthFile)
	if err != nil {
		t.Fatal(err)
	}
	setAuth(t, cfg, "export PACKUILON_SLEEP=300")
	for len(started) > 0 { // packer runs of the builds above (all ended or parked by now)
		<-started
	}
	slow := request("slow", "sha256:s")
	publish(t, g, mustJSON(t, slow)) // its packer may start before publish returns
	recS := newest(t, st, slow, state.Building)
	select {
	case <-started:
	case <-time.After(3 * time.Minute):
		t.Fatal("packer did not start")
	}
	cli(t, bin, "cancel", "--config", cfgPath, recS.ID)
	if rec := stateOf(t, st, recS.ID, state.Cancelled); rec.Stage != "packer" || !strings.Contains(rec.Message, "cancelled by") {
		t.Errorf("cancelled build: stage %q, %q", rec.Stage, rec.Message)
	}
	if err := os.WriteFile(cfg.Builder.PackerAuthFile, auth, 0o600); err != nil {
		t.Fatal(err)
	}
	cli(t, bin, "retry", "--config", cfgPath, recS.ID)
	stateOf(t, st, recS.ID, state.Succeeded)

	// The denial made by the command (another process) is counted from the store's journal;
	// the running build cancelled on request is counted once, not also by the pipeline.
	waitFor(t, time.Minute, "/metrics to count the denial and the cancellation", func() bool {
		fams := scrape(t, base)
		return value(fams, "packuilon_builds_total", map[string]string{"result": "denied"}) >= 1 &&
			value(fams, "packuilon_builds_total", map[string]string{"result": "cancelled"}) >= 1
	})
	fams := scrape(t, base)
	for res, want := range map[string]float64{"succeeded": 2, "denied": 1, "cancelled": 1} {
		if got := value(fams, "packuilon_builds_total", map[string]string{"result": res}); got != want && !(want == 0 && got == -1) {
			t.Errorf("packuilon_builds_total{result=%q} = %v, want %v", res, got, want)
		}
	}
	if got := value(fams, "packuilon_builds_in_progress", map[string]string{"state": "awaiting_approval"}); got != 0 {
		t.Errorf("awaiting approval = %v", got)
	}
}
