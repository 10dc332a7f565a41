package builder

import (
	"context"
	"fmt"
	"testing"

	"github.com/hashicorp/go-hclog"

	"github.com/packuilon/packuilon/internal/testenv"
	"github.com/packuilon/packuilon/internal/web"
)

// TestBuildsTotalStartsOverAfterTheJournalRestarts: on PostgreSQL, a journal whose numbers
// restart lower (emptied, its sequence restarted at 1, as a database restored from an older
// dump restarts below the numbers read) is noticed at the next read that finds nothing new:
// the reader says so and starts over from the journal's newest entry, so the cancellations
// after that are counted, each once, and none counted before is counted again. (Before, it
// counted nothing until the new numbers passed its mark.)
func TestBuildsTotalStartsOverAfterTheJournalRestarts(t *testing.T) {
	st, conn := postgresJournal(t)
	raw := conn()
	ctx := context.Background()
	buf := &testenv.LogBuffer{}
	m := web.NewMetrics(st.CountStates, st.CountRollbacks)
	c, err := newEndingCounter(ctx, st, m, hclog.New(&hclog.LoggerOptions{Output: buf}))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	cancelBuilds := func(builds int) {
		t.Helper()
		for range builds { // two journal entries each: intake and cancellation
			n++
			rec, _, err := st.Intake(ctx, request(fmt.Sprintf("restart%d", n), fmt.Sprintf("sha256:restart%d", n)), "")
			if err != nil {
				t.Fatal(err)
			}
			if _, _, err := st.Cancel(ctx, rec.ID, "alice"); err != nil {
				t.Fatal(err)
			}
		}
		if err := c.count(ctx); err != nil {
			t.Fatal(err)
		}
	}
	cancelBuilds(10)
	if got := counted(t, m, "cancelled"); got != 10 {
		t.Fatalf("cancelled = %v before the restart, want 10", got)
	}
	if _, err := raw.Exec(ctx, `TRUNCATE journal RESTART IDENTITY`); err != nil {
		t.Fatal(err)
	}
	cancelBuilds(1) // numbers 1 and 2, far below the mark: found at this read, not counted
	if got, lines := counted(t, m, "cancelled"), buf.Lines("the journal's numbers restarted below those already read"); got != 10 || lines != 1 {
		t.Errorf("after the restart: cancelled = %v, want 10; %d warnings, want 1:\n%s", got, lines, buf)
	}
	cancelBuilds(3) // numbers 3 to 8, still below the mark read before the restart
	cancelBuilds(3)
	if got := counted(t, m, "cancelled"); got != 16 {
		t.Errorf("cancelled = %v after 6 more, want 16:\n%s", got, buf)
	}
	if lines := buf.Lines("the journal's numbers restarted"); lines != 1 {
		t.Errorf("%d warnings of a restart, want 1:\n%s", lines, buf)
	}
}
