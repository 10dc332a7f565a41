package builder

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/packuilon/packuilon/internal/state"
	"github.com/packuilon/packuilon/internal/web"
)

// BenchmarkEndingsRead measures a read of the journal reader behind packuilon_builds_total on
// a journal of 100,000 entries (one in ten a cancellation), in SQLite and PostgreSQL stores:
// idle-us, a read that finds nothing new (every 5 s on every builder, most of the time),
// against old-idle-us, the reader it replaced (the newest number, then the endings among the
// last 1,000 entries, at each read); burst-ms, a read of 1,000 new entries; pending-1000-us, a
// read while the most numbers that may still commit are asked for again (1,000).
func BenchmarkEndingsRead(b *testing.B) {
	const entries, reads = 100_000, 200
	for _, name := range []string{"sqlite", "postgres"} {
		b.Run(name, func(b *testing.B) {
			ctx := context.Background()
			st, fill := journalStore(b, name)
			fill(entries)
			m := web.NewMetrics(st.CountStates, st.CountRollbacks)
			c, err := newEndingCounter(ctx, st, m, hclog.NewNullLogger())
			if err != nil {
				b.Fatal(err)
			}
			perRead := func(read func() error) float64 {
				start := time.Now()
				for range reads {
					if err := read(); err != nil {
						b.Fatal(err)
					}
				}
				return float64(time.Since(start).Microseconds()) / reads
			}
			for i := 0; i < b.N; i++ {
				b.ReportMetric(perRead(func() error { return c.count(ctx) }), "idle-us")
				b.ReportMetric(perRead(func() error {
					top, err := st.JournalMark(ctx)
					if err == nil {
						_, err = st.Endings(ctx, top-1000, top, state.Denied, state.Cancelled)
					}
					return err
				}), "old-idle-us")
				fill(1000)
				start := time.Now()
				if err := c.count(ctx); err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(float64(time.Since(start).Microseconds())/1000, "burst-ms")
				for n := range int64(maxPending) { // numbers no entry has: asked for at every read
					c.pending[-1-n] = time.Now()
				}
				b.ReportMetric(perRead(func() error { return c.count(ctx) }), "pending-1000-us")
			}
		})
	}
}

// journalStore opens a store of the backend name and returns it with a function that writes n
// journal entries, one in ten a cancellation, in one statement.
func journalStore(b *testing.B, name string) (*state.Store, func(n int)) {
	b.Helper()
	at := time.Now().UTC().Format(time.RFC3339Nano)
	if name == "postgres" {
		st, raw := postgresJournal(b)
		conn := raw()
		return st, func(n int) {
			if _, err := conn.Exec(context.Background(), `INSERT INTO journal (build_id, at, state)
				SELECT 'b-' || i, $1, CASE WHEN i % 10 = 0 THEN 'cancelled' ELSE 'queued' END FROM generate_series(1, $2::int) i`, at, n); err != nil {
				b.Fatal(err)
			}
		}
	}
	path := filepath.Join(b.TempDir(), "builds.db")
	st, err := state.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	return st, func(n int) {
		if _, err := db.Exec(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
			INSERT INTO journal (build_id, at, state)
			SELECT 'b-' || i, ?, CASE WHEN i % 10 = 0 THEN 'cancelled' ELSE 'queued' END FROM n`, n, at); err != nil {
			b.Fatal(err)
		}
	}
}
