package builder

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/packuilon/packuilon/internal/state"
	"github.com/packuilon/packuilon/internal/testenv"
)

// TestNewPipelineKeepsOtherBuildersClaims: on a shared PostgreSQL store a builder starting
// beside a running one leaves the running builder's claims alone, so a hand-run command is
// still refused the key the running builder works on.
func TestNewPipelineKeepsOtherBuildersClaims(t *testing.T) {
	ctx := context.Background()
	pg := testenv.SharedPostgres(t)
	url := pg.NewDatabase(t)
	open := func() *state.Store {
		st, err := state.Open(url, state.WithPasswordFile(pg.PasswordFile))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	}
	running, err := newPipeline(ctx, open(), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	h := running.Holder
	h.Purpose = "build B1"
	if err := running.Claims.TryClaim(ctx, "k.shared", h, time.Minute); err != nil {
		t.Fatal(err)
	}
	if _, err := newPipeline(ctx, open(), nil, nil); err != nil { // a second builder host starts
		t.Fatal(err)
	}
	cli := state.NewHolder("promote", "promote")
	if err := running.Claims.TryClaim(ctx, "k.shared", cli, time.Minute); !errors.Is(err, state.ErrClaimed) {
		t.Fatalf("a command's claim beside a running builder: %v, want ErrClaimed", err)
	}
}
