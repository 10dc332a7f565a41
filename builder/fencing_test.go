package builder

import (
	"context"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/packuilon/packuilon/internal/amqp"
	"github.com/packuilon/packuilon/internal/event"
	"github.com/packuilon/packuilon/internal/state"
)

// TestFrozenBuilderIsFencedOff freezes (SIGSTOP) the builder that runs a build until another
// builder took the build over, then lets it go on (SIGCONT): its next heartbeat finds a newer
// fencing token, it stops the build, and none of its writes lands after the takeover. The
// build ends succeeded by the new owner.
func TestFrozenBuilderIsFencedOff(t *testing.T) {
	c := newCluster(t, 2, "4s", 100) // a build takes 5 s
	c.start(0)
	c.start(1)
	st := c.store()
	ctx := context.Background()
	pub, err := amqp.NewBuildPublisher(dial(t, c.g), c.g)
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Close()
	req := request("frozen", "sha256:frozen")
	if err := pub.Publish(ctx, amqp.Message{Body: mustJSON(t, req), MessageID: req.ImageKey, Type: event.Schema}); err != nil {
		t.Fatal(err)
	}
	var held state.LeaseInfo
	waitFor(t, time.Minute, "the build to run", func() bool {
		ls, _ := st.Leases(ctx)
		recs := builds(t, st, req.ImageKey)
		if len(ls) == 1 && len(recs) == 1 && recs[0].State == state.Building {
			held = ls[0]
			return true
		}
		return false
	})
	frozen := c.indexOf(held.Owner)
	pid := c.pid(frozen)
	syscall.Kill(pid, syscall.SIGSTOP)
	var by string
	waitFor(t, time.Minute, "another builder to take the build over", func() bool {
		by, _ = takeover(t, st, held.BuildID, string(held.Owner), time.Time{})
		return by != ""
	})
	syscall.Kill(pid, syscall.SIGCONT)
	waitFor(t, 2*time.Minute, "the build to end", func() bool {
		r, err := st.Get(ctx, held.BuildID)
		return err == nil && r.State.Terminal()
	})
	waitFor(t, time.Minute, "the frozen builder to notice", func() bool {
		data, _ := os.ReadFile(c.logFiles[frozen])
		return strings.Contains(string(data), "another builder took the build over")
	})
	r, _ := st.Get(ctx, held.BuildID)
	if r.State != state.Succeeded {
		t.Fatalf("build ended %s: %s %s", r.State, r.Message, r.Error)
	}
	j, _ := st.Journal(ctx, held.BuildID)
	took, seen := false, map[string]bool{}
	for _, e := range j { // after the takeover, each stage starts once: the new owner's
		took = took || strings.Contains(e.Message, "started by "+by)
		if took && strings.HasPrefix(e.Message, "stage ") {
			if seen[e.Message] {
				t.Errorf("%q twice after the takeover: the fenced-off owner wrote: %+v", e.Message, j)
			}
			seen[e.Message] = true
		}
	}
	if !seen["stage packer started"] {
		t.Errorf("the new owner did not resume at packer: %+v", j)
	}
}
