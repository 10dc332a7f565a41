package builder

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/packuilon/packuilon/internal/state"
)

// TestFencedEntryStopsPacker: packer starts while the transition into its stage is written
// (entryOverlapper). When that write is fenced off (another builder took the build over
// meanwhile), packer is interrupted before its provisioner ends, the run stops with
// state.ErrFenced, and nothing of the stale run lands in the store: the build stays as the
// new owner claimed it.
func TestFencedEntryStopsPacker(t *testing.T) {
	cfg, sets, st, rec, marks := minutePackerBuild(t, "fenced")
	ctx := context.Background()
	stale, rec, err := st.ClaimBuildInto(ctx, rec.ID, "host-a/1/1", time.Millisecond, "", state.Rendering, "render")
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, time.Minute, "the lease to be taken back", func() bool {
		ids, err := st.ReapExpired(ctx)
		return err == nil && len(ids) == 1
	})
	if _, _, err := st.ClaimBuild(ctx, rec.ID, "host-b/1/1", time.Hour, ""); err != nil {
		t.Fatal(err)
	}
	taken, err := st.Get(ctx, rec.ID)
	if err != nil {
		t.Fatal(err)
	}

	var started atomic.Int32
	p := &Pipeline{Store: st, Stages: []Stage{&RenderStage{Sets: sets}, &PackerStage{Started: func(int) { started.Add(1) }}}}
	_, err = p.RunLeased(ctx, stale, rec, cfg, hclog.NewNullLogger())
	if !errors.Is(err, state.ErrFenced) {
		t.Fatalf("the stale run ended with %v, want ErrFenced", err)
	}
	if _, err := os.Stat(filepath.Join(marks, "done")); err == nil {
		t.Fatal("packer's provisioner ran to its end: packer was not interrupted")
	}
	after, err := st.Get(ctx, rec.ID)
	if err != nil {
		t.Fatal(err)
	}
	if after.Stage != taken.Stage || after.State != taken.State || after.LogPath != "" || string(after.Artifacts) != string(taken.Artifacts) || !after.UpdatedAt.Equal(taken.UpdatedAt) {
		t.Fatalf("the stale run wrote to the build: %+v, want it as the new owner claimed it: %+v", after, taken)
	}
	t.Logf("packer started %d times and was interrupted", started.Load())
}
