package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/packuilon/packuilon/internal/event"
	"github.com/packuilon/packuilon/internal/state"
)

// TestApproveDenyCancelShow runs approve, deny and cancel against a store (no daemon): each
// acts on the state it applies to and refuses the others with exit 2; show lists a build's
// notifications, with the reason of one that could not be delivered.
func TestApproveDenyCancelShow(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "config.ini")
	if err := os.WriteFile(cfgPath, []byte("[rabbit2packer]\nSTATE_DB = state/builds.db\n[promote]\nENABLED = false\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	st, err := state.Open(filepath.Join(dir, "state", "builds.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	build := func(personality string, waiting bool) string {
		req := event.NewRequest(event.Spec{Personality: personality, Archetype: "ral-tier1", OS: "sl", OSVersion: "7x-x86_64",
			Branch: event.Branch{Type: event.BranchDomain, Name: "prod"}}, event.ReasonManual)
		rec, _, err := st.Intake(ctx, req, "")
		if err == nil && waiting {
			_, err = st.Transition(ctx, rec.ID, state.AwaitingApproval, "approval")
		}
		if err != nil {
			t.Fatal(err)
		}
		return rec.ID
	}
	run := func(args ...string) (int, string) {
		var out, errOut bytes.Buffer
		code := cli(args[0])(ctx, &cmdEnv{stdout: &out, stderr: &errOut}, append([]string{"--config", cfgPath}, args[1:]...))
		return code, out.String() + errOut.String()
	}
	get := func(id string) state.Record {
		rec, err := st.Get(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return rec
	}

	ok, no, queued := build("a", true), build("b", true), build("c", false)
	if code, out := run("approve", queued); code != 2 {
		t.Errorf("approve of a queued build: exit %d\n%s", code, out)
	}
	if code, out := run("approve", ok); code != 0 || get(ok).State != state.Queued || get(ok).Stage != "promoting" {
		t.Errorf("approve: exit %d, build %s at %q\n%s", code, get(ok).State, get(ok).Stage, out)
	}
	if code, out := run("deny", no); code != 2 {
		t.Errorf("deny without a reason: exit %d\n%s", code, out)
	}
	if code, out := run("deny", no, "--reason", "untested kernel"); code != 0 || get(no).State != state.Denied || !strings.Contains(get(no).Message, "untested kernel") {
		t.Errorf("deny: exit %d, build %s %q\n%s", code, get(no).State, get(no).Message, out)
	}
	if code, out := run("cancel", queued); code != 0 || get(queued).State != state.Cancelled {
		t.Errorf("cancel: exit %d, build %s\n%s", code, get(queued).State, out)
	}
	if code, out := run("cancel", queued); code != 2 {
		t.Errorf("cancel of a cancelled build: exit %d\n%s", code, out)
	}
	if code, out := run("cancel", "no-such-build"); code != 2 {
		t.Errorf("cancel of an unknown build: exit %d\n%s", code, out)
	}

	if err := st.Enqueue(ctx, no, "build.denied", "{}", []string{"mail:failure", "webhook:1"}); err != nil {
		t.Fatal(err)
	}
	notes, _ := st.Notifications(ctx, no)
	st.NoteDelivered(ctx, notes[0].Seq)
	st.NoteAttemptFailed(ctx, notes[1].Seq, time.Time{}, "webhook:1: 500 Internal Server Error")
	code, out := run("show", no)
	if code != 0 || !strings.Contains(out, "mail:failure") || !strings.Contains(out, "webhook:1") ||
		!strings.Contains(out, "failed after 1 tries: webhook:1: 500 Internal Server Error") {
		t.Errorf("show: exit %d\n%s", code, out)
	}
}
