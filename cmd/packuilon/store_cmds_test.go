package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/packuilon/packuilon/internal/event"
	"github.com/packuilon/packuilon/internal/state"
)

// TestStatusShowRetry runs the store commands against a store holding one failed build:
// status lists it (text and JSON), show prints it (text and JSON) and exits 2 for an unknown
// id, retry queues it again once and refuses a second time.
func TestStatusShowRetry(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "config.ini")
	if err := os.WriteFile(cfgPath, []byte("[rabbit2packer]\nSTATE_DB = state/builds.db\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	st, err := state.Open(filepath.Join(dir, "state", "builds.db"))
	if err != nil {
		t.Fatal(err)
	}
	req := event.NewRequest(event.Spec{Personality: "nubesvms", Archetype: "ral-tier1", OS: "sl", OSVersion: "7x-x86_64",
		Branch: event.Branch{Type: event.BranchDomain, Name: "prod"}}, event.ReasonManual)
	rec, _, err := st.Intake(ctx, req, "")
	if err == nil {
		_, err = st.Transition(ctx, rec.ID, state.Building, "packer")
	}
	if err == nil {
		_, err = st.Finish(ctx, rec.ID, state.Failed, "stage packer failed: exit status 1", errors.New("exit status 1"))
	}
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	run := func(cmd func(context.Context, *cmdEnv, []string) int, args ...string) (int, string) {
		var out, errOut bytes.Buffer
		code := cmd(ctx, &cmdEnv{stdout: &out, stderr: &errOut}, append([]string{"--config", cfgPath}, args...))
		return code, out.String() + errOut.String()
	}

	if code, out := run(cli("status")); code != 0 || !strings.Contains(out, rec.ID) || !strings.Contains(out, "packer failed") {
		t.Errorf("status: exit %d\n%s", code, out)
	}
	var recs []state.Record
	if code, out := run(cli("status"), "--json", "--state", "failed"); code != 0 || json.Unmarshal([]byte(out), &recs) != nil || len(recs) != 1 || recs[0].ID != rec.ID {
		t.Errorf("status --json: exit %d\n%s", code, out)
	}
	if code, out := run(cli("status"), "--state", "bogus"); code != 2 {
		t.Errorf("status --state bogus: exit %d, want 2\n%s", code, out)
	}
	if code, out := run(cli("show"), rec.ID); code != 0 || !strings.Contains(out, "state:       failed") || !strings.Contains(out, "stage:       packer") {
		t.Errorf("show: exit %d\n%s", code, out)
	}
	var shown struct {
		Build   state.Record
		Journal []state.Entry
	}
	if code, out := run(cli("show"), "--json", rec.ID); code != 0 || json.Unmarshal([]byte(out), &shown) != nil || shown.Build.ID != rec.ID || len(shown.Journal) == 0 {
		t.Errorf("show --json: exit %d\n%s", code, out)
	}
	if code, out := run(cli("show"), "no-such-build"); code != 2 {
		t.Errorf("show of an unknown build: exit %d, want 2\n%s", code, out)
	}
	if code, out := run(cli("retry"), rec.ID); code != 0 || !strings.Contains(out, "resumes at stage packer") {
		t.Errorf("retry: exit %d\n%s", code, out)
	}
	if code, out := run(cli("retry"), rec.ID); code != 2 {
		t.Errorf("retry of a queued build: exit %d, want 2\n%s", code, out)
	}
}
