package builder

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/packuilon/packuilon/internal/event"
	"github.com/packuilon/packuilon/internal/state"
	"github.com/packuilon/packuilon/internal/testenv"
)

// TestFailuresAreRecordedAndRetried: a packer failure ends failed at the packer stage with the
// reason and the log (packer's own output in it); a missing source image fails at render with
// that reason; retry from another store handle (as the CLI does) resumes the failed build at
// its stage while the daemon runs.
func TestFailuresAreRecordedAndRetried(t *testing.T) {
	needPacker(t)
	rmq := testenv.SharedRabbit(t)
	g := rmq.Global(testenv.UniqueName(t))
	cfg := loadTree(t, g)
	startDaemon(t, cfg, nil)
	st := openStore(t, cfg)
	broken := request("broken", "sha256:b")
	noSource := event.NewRequest(event.Spec{Personality: "nubesvms", Archetype: "ral-tier1", OS: "centos", OSVersion: "9-x86_64",
		Branch: event.Branch{Type: event.BranchDomain, Name: "prod"}}, event.ReasonManual)
	publish(t, g, mustJSON(t, broken), mustJSON(t, noSource))
	final := func(key string) state.Record {
		var rec state.Record
		waitFor(t, 3*time.Minute, key+" to end", func() bool {
			recs := builds(t, st, key)
			if len(recs) == 1 && recs[0].State.Terminal() {
				rec = recs[0]
				return true
			}
			return false
		})
		return rec
	}
	cases := []struct {
		name, key, stage, msg string
		log                   bool
	}{
		{"packer fails", broken.ImageKey, "packer", "exit status 1", true},
		{"no source image", noSource.ImageKey, "render", "no source image for centos9-x86_64", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rec := final(c.key)
			if rec.State != state.Failed || rec.Stage != c.stage || !strings.Contains(rec.Message, c.msg) {
				t.Fatalf("build = %s at %q: %q; want failed at %s with %q", rec.State, rec.Stage, rec.Message, c.stage, c.msg)
			}
			if !c.log {
				return
			}
			if !strings.Contains(rec.Message, rec.LogPath) || rec.LogPath == "" {
				t.Errorf("message %q does not name the log %q", rec.Message, rec.LogPath)
			}
			data, err := os.ReadFile(rec.LogPath)
			if err != nil || !strings.Contains(string(data), "about to fail for sl7x-x86_64 broken") {
				t.Errorf("packer's output is not in the build log (%v):\n%s", err, data)
			}
		})
	}
	rec := final(broken.ImageKey)
	cli := openStore(t, cfg) // a second handle, as packuilon retry opens it
	if _, err := cli.Retry(context.Background(), rec.ID); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 3*time.Minute, "the retried build to end again", func() bool {
		r, err := st.Get(context.Background(), rec.ID)
		return err == nil && r.Attempt == 2 && r.State.Terminal()
	})
	r, _ := st.Get(context.Background(), rec.ID)
	if r.State != state.Failed || r.Stage != "packer" {
		t.Errorf("retried build = %s at %s, want failed again at packer", r.State, r.Stage)
	}
	if _, err := cli.Retry(context.Background(), final(noSource.ImageKey).ID); err != nil {
		t.Fatal(err)
	}
}
