package builder

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/jackc/pgx/v5"

	"github.com/packuilon/packuilon/internal/state"
	"github.com/packuilon/packuilon/internal/testenv"
	"github.com/packuilon/packuilon/internal/web"
)

// TestBuildsTotalCountsALateCommit: on PostgreSQL, a cancellation whose transaction takes its
// journal number and commits only after 1,500 later entries were written and read (another
// builder's slow commit) is counted once when it commits; the number of a transaction that
// rolled back is asked for until the grace has passed, then forgotten.
func TestBuildsTotalCountsALateCommit(t *testing.T) {
	st, raw := postgresJournal(t)
	ctx := context.Background()
	rec, _, err := st.Intake(ctx, request("late", "sha256:late"), "")
	if err != nil {
		t.Fatal(err)
	}
	m := web.NewMetrics(st.CountStates, st.CountRollbacks)
	c, err := newEndingCounter(ctx, st, m, hclog.NewNullLogger())
	if err != nil {
		t.Fatal(err)
	}
	slow, other := raw(), raw()
	journal := `INSERT INTO journal (build_id, at, state, message) VALUES ($1, $2, $3, $4)`
	late, err := slow.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := late.Exec(ctx, journal, rec.ID, time.Now().UTC().Format(time.RFC3339Nano), "cancelled", "cancelled by alice"); err != nil {
		t.Fatal(err)
	}
	undone, err := other.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := undone.Exec(ctx, journal, rec.ID, time.Now().UTC().Format(time.RFC3339Nano), "denied", "never happened"); err != nil {
		t.Fatal(err)
	}
	if err := undone.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	// Other builders' entries, committed, read before the slow commit lands.
	if _, err := other.Exec(ctx, `INSERT INTO journal (build_id, at, state) SELECT 'b-' || n, $1, 'queued' FROM generate_series(1, 1500) n`,
		time.Now().UTC().Format(time.RFC3339Nano)); err != nil {
		t.Fatal(err)
	}
	if err := c.count(ctx); err != nil {
		t.Fatal(err)
	}
	if got := counted(t, m, "cancelled"); got != 0 {
		t.Fatalf("cancelled = %v before the commit", got)
	}
	if err := late.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	for range 2 { // the second read counts nothing again
		if err := c.count(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if got := counted(t, m, "cancelled"); got != 1 {
		t.Errorf("cancelled = %v after the late commit, want 1", got)
	}
	if len(c.pending) != 1 {
		t.Errorf("pending numbers %v, want the rolled back one", c.pending)
	}
	clock := time.Now().Add(lateCommitGrace + time.Minute)
	c.now = func() time.Time { return clock }
	if err := c.count(ctx); err != nil {
		t.Fatal(err)
	}
	if len(c.pending) != 0 || counted(t, m, "denied") != 0 {
		t.Errorf("after the grace: pending %v, denied %v, want none", c.pending, counted(t, m, "denied"))
	}
}

// TestBuildsTotalReadsOnFromWhereItStopped: a read reads at most pages × page entries; the
// endings past them are counted by the next reads, each once, in SQLite and PostgreSQL stores.
func TestBuildsTotalReadsOnFromWhereItStopped(t *testing.T) {
	for _, name := range []string{"sqlite", "postgres"} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			target, opts := filepath.Join(t.TempDir(), "builds.db"), []state.Option(nil)
			if name == "postgres" {
				pg := testenv.SharedPostgres(t)
				target, opts = pg.NewDatabase(t), []state.Option{state.WithPasswordFile(pg.PasswordFile)}
			}
			st, err := state.Open(target, opts...)
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			m := web.NewMetrics(st.CountStates, st.CountRollbacks)
			c, err := newEndingCounter(ctx, st, m, hclog.NewNullLogger())
			if err != nil {
				t.Fatal(err)
			}
			c.page, c.pages = 10, 2
			const builds = 25 // 50 journal entries: intake and cancellation
			for i := range builds {
				rec, _, err := st.Intake(ctx, request(fmt.Sprintf("burst%d", i), fmt.Sprintf("sha256:burst%d", i)), "")
				if err != nil {
					t.Fatal(err)
				}
				if _, _, err := st.Cancel(ctx, rec.ID, "alice"); err != nil {
					t.Fatal(err)
				}
			}
			var after []float64
			for range 4 {
				if err := c.count(ctx); err != nil {
					t.Fatal(err)
				}
				after = append(after, counted(t, m, "cancelled"))
			}
			if after[0] > 10 || after[len(after)-1] != builds {
				t.Errorf("cancelled after each read: %v, want at most 10 (20 entries) after the first, %d in the end", after, builds)
			}
		})
	}
}

// counted is packuilon_builds_total{result=res}, 0 when nothing was counted.
func counted(t *testing.T, m *web.Metrics, res string) float64 {
	t.Helper()
	return max(0, value(gather(t, m), "packuilon_builds_total", map[string]string{"result": res}))
}

// postgresJournal opens a build store in a new PostgreSQL database, closed at the test's end,
// and returns it with a function that opens connections of their own to that database, for
// what the store never does (a transaction held open, entries written in bulk).
func postgresJournal(t testing.TB) (*state.Store, func() *pgx.Conn) {
	t.Helper()
	pg := testenv.SharedPostgres(t)
	url := pg.NewDatabase(t)
	st, err := state.Open(url, state.WithPasswordFile(pg.PasswordFile))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st, func() *pgx.Conn { return rawPostgres(t, pg, url) }
}

// rawPostgres is a connection of its own to the database at url, closed at the test's end.
func rawPostgres(t testing.TB, pg *testenv.Postgres, url string) *pgx.Conn {
	t.Helper()
	pw, err := os.ReadFile(pg.PasswordFile)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Password = strings.TrimSpace(strings.SplitN(string(pw), "\n", 2)[0])
	conn, err := pgx.ConnectConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// TestBuildsTotalBoundsPendingNumbers: a jump of PostgreSQL's sequence by 3,000 numbers leaves
// at most maxPending of them to be asked for again (the newest), and the reader says how many
// it gave up.
func TestBuildsTotalBoundsPendingNumbers(t *testing.T) {
	st, conn := postgresJournal(t)
	raw := conn()
	ctx := context.Background()
	buf := &testenv.LogBuffer{}
	c, err := newEndingCounter(ctx, st, web.NewMetrics(st.CountStates, st.CountRollbacks), hclog.New(&hclog.LoggerOptions{Output: buf}))
	if err != nil {
		t.Fatal(err)
	}
	jump := fmt.Sprintf(`ALTER TABLE journal ALTER COLUMN seq RESTART WITH %d`, c.mark+1+3000)
	if _, err := raw.Exec(ctx, jump); err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(ctx, `INSERT INTO journal (build_id, at, state) VALUES ('b-1', $1, 'queued')`, time.Now().UTC().Format(time.RFC3339Nano)); err != nil {
		t.Fatal(err)
	}
	if err := c.count(ctx); err != nil {
		t.Fatal(err)
	}
	if len(c.pending) != maxPending || c.pending[0].seq != c.mark-maxPending || buf.Lines("entries=2000") != 1 {
		t.Errorf("%d pending numbers (from %v), want the newest %d, and 2,000 given up, logged:\n%s",
			len(c.pending), c.pending, maxPending, buf)
	}
}
